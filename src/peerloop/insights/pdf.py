"""A program's report as a PDF: the figures, each KPI with its chart, the audience's flows and
unit map. Drawn with fpdf2 (pure Python, installed by pip; it draws the server-side SVG charts
itself), so it needs no browser, no system library and no network.

Takes plain values: the view gathers them from the report and the latest snapshot.
"""

from dataclasses import dataclass, field
from datetime import date
import io
import re

from fpdf import FPDF

# The PDF's built-in fonts know Latin-1 only; typographic marks get their plain equivalent.
PLAIN = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "—": "-", "–": "-", "…": "...", "→": "->", "·": "-"})
GREEN = (31, 94, 77)
VIEW_BOX = re.compile(r'viewBox="[-\d.]+ [-\d.]+ ([\d.]+) ([\d.]+)"')
MAX_CHART_HEIGHT = 95.0  # mm: a square network map is not drawn a page high
MUTED = (90, 99, 96)


@dataclass
class Section:
    title: str
    lines: list[str] = field(default_factory=list)  # paragraphs before the chart
    chart_svg: str = ""
    notes: list[str] = field(default_factory=list)  # small print after the chart


@dataclass
class Document:
    title: str
    subtitle: str
    figures: list[tuple[str, str, str]]  # (label, value, explanation)
    sections: list[Section]
    generated: date


def _text(value: str) -> str:
    return value.translate(PLAIN).encode("latin-1", "replace").decode("latin-1")


class _Report(FPDF):
    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("helvetica", size=8)
        self.set_text_color(*MUTED)
        self.cell(0, 6, _text(f"Peerloop - page {self.page_no()} of {{nb}}"), align="C")


def program_report_pdf(document: Document) -> bytes:
    """The report as PDF bytes (A4, charts as vector drawings)."""
    pdf = _Report(format="A4")
    pdf.set_title(_text(document.title))
    pdf.set_creator("Peerloop")
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    pdf.set_font("helvetica", style="B", size=17)
    pdf.set_text_color(*GREEN)
    pdf.multi_cell(width, 8, _text(document.title), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", size=9)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(
        width,
        5,
        _text(f"{document.subtitle} - generated {document.generated:%d %b %Y}"),
        align="L",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(3)
    column = width / max(len(document.figures), 1)
    top = pdf.get_y()
    for k, (label, value, explanation) in enumerate(document.figures):
        x = pdf.l_margin + k * column
        pdf.set_xy(x, top)
        pdf.set_font("helvetica", style="B", size=9)
        pdf.set_text_color(0, 0, 0)
        pdf.multi_cell(column - 3, 5, _text(label), align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.set_x(x)
        pdf.set_font("helvetica", style="B", size=15)
        pdf.multi_cell(column - 3, 8, _text(value), align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.set_x(x)
        pdf.set_font("helvetica", size=8)
        pdf.set_text_color(*MUTED)
        pdf.multi_cell(column - 3, 4, _text(explanation), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(top + 34)
    for section in document.sections:
        if pdf.get_y() > pdf.h - 60:
            pdf.add_page()
        pdf.ln(2)
        pdf.set_font("helvetica", style="B", size=12)
        pdf.set_text_color(*GREEN)
        pdf.multi_cell(width, 7, _text(section.title), align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("helvetica", size=10)
        pdf.set_text_color(0, 0, 0)
        for line in section.lines:
            pdf.multi_cell(width, 5, _text(line), align="L", new_x="LMARGIN", new_y="NEXT")
        if section.chart_svg:
            box = VIEW_BOX.search(section.chart_svg)
            aspect = float(box.group(2)) / float(box.group(1)) if box else 0.45
            chart_width = min(width, MAX_CHART_HEIGHT / aspect)
            height = chart_width * aspect
            if pdf.get_y() + height > pdf.h - 16:
                pdf.add_page()
            x = pdf.l_margin + (width - chart_width) / 2
            pdf.image(io.BytesIO(section.chart_svg.encode()), x=x, y=pdf.get_y() + 1, w=chart_width, h=height)
            pdf.set_y(pdf.get_y() + height + 3)
        pdf.set_font("helvetica", size=8)
        pdf.set_text_color(*MUTED)
        for note in section.notes:
            pdf.multi_cell(width, 4, _text(note), align="L", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
