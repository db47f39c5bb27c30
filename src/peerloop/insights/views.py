"""Web pages of insights: the dashboard, its CSV downloads, refreshes and person-level views."""

import csv
from datetime import datetime, timedelta
import io
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from peerloop.core import queries as core_queries
from peerloop.core.permissions import require
from peerloop.core.services import job_create
from peerloop.core.tasks import actor_params, enqueue_on_commit
from peerloop.insights import exports as insights_exports
from peerloop.insights import pdf, permissions, queries, reports, services, svg
from peerloop.insights.models import Snapshot
from peerloop.insights.tasks import snapshot_refresh_task
from peerloop.people import queries as people_queries

FLOWS = ("lateral", "vertical", "within unit")


def _month_labels(snapshot: Snapshot) -> list[str]:
    months = len(snapshot.data.get("monthly", {}).get("interactions", []))
    return [f"{snapshot.window_start + timedelta(days=30 * k):%b %y}" for k in range(months)]


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.0f}%"


def _summaries(data: dict) -> dict[str, str]:
    """Each chart in words (shown under it, and what a screen reader hears)."""
    mix = data.get("flow_mix") or {}
    monthly = data.get("monthly", {})
    lateral = [v for v in monthly.get("lateral", []) if v is not None]
    trend = ""
    if len(lateral) >= 2:
        change = lateral[-1] - lateral[0]
        trend = f" Lateral flows went from {_pct(lateral[0])} to {_pct(lateral[-1])} of all interactions" + (
            " (more peer-to-peer)." if change > 0 else " (less peer-to-peer)." if change < 0 else " (no change)."
        )
    units = data.get("unit_matrix", {})
    lessons = data.get("lessons", {})
    funnel = data.get("funnel", [])
    last = next((step for step in reversed(funnel) if step.get("people")), None)
    unknown = mix.get("unknown") or 0.0
    unclassed = (
        f" {_pct(unknown)} could not be classed: the directory has no level or unit for one of the two people."
        if unknown >= 0.005
        else ""
    )
    return {
        "flows": f"Of the interactions in the window, {_pct(mix.get('lateral'))} were lateral (peers at the same "
        f"level in other units), {_pct(mix.get('vertical'))} ran along reporting lines and "
        f"{_pct(mix.get('within unit'))} stayed within a unit.{unclassed}{trend}",
        "units": f"{_pct(data.get('cross_unit_share'))} of interactions crossed units. The map shows "
        f"{len(units.get('labels', []))} units of at least five people"
        + (f"; {units.get('hidden_groups')} smaller units are left out." if units.get("hidden_groups") else "."),
        "network": f"{data.get('communities', 0)} communities formed in the interactions; their agreement with "
        f"the formal units is {data.get('communities_vs_units', 0):.2f} (1 would mean the silos are the only "
        "groups that talk).",
        "lessons": f"{lessons.get('lessons', 0)} lessons; {_pct(lessons.get('share_beyond_own_unit'))} reached "
        f"another unit, on average {lessons.get('mean_units_reached') or 0:.1f} other units each.",
        "funnel": (f"{last['people']} people reached the step “{last['label']}”." if last else "No participation yet."),
    }


def _charts(snapshot: Snapshot) -> dict[str, str]:
    data = snapshot.data
    monthly = data.get("monthly", {})
    text = _summaries(data)
    units = data.get("unit_matrix", {})
    network = data.get("unit_map", {})
    lessons = data.get("lessons", {})
    curve = lessons.get("reach_curve", [])
    funnel = data.get("funnel", [])
    charts = {
        "flows": svg.line_chart(
            {name: monthly.get(name, []) for name in FLOWS},
            _month_labels(snapshot),
            title="Lateral and vertical flows by month",
            desc=text["flows"],
        ),
        "units": svg.heat_map(
            units.get("labels", []),
            units.get("values", []),
            title="Where each unit's interactions go",
            desc=text["units"],
        ),
        "network": svg.network_map(
            network.get("nodes", []), network.get("edges", []), title="The network of units", desc=text["network"]
        ),
        "lessons": svg.line_chart(
            {"other units reached": curve},
            [f"day {d}" for d in range(len(curve))],
            title="How far lessons travel",
            desc=text["lessons"],
            percent=False,
        ),
        "funnel": svg.bars(
            [
                (s["label"], s["people"], f"{s['people']:,}" if s["people"] is not None else "fewer than 5")
                for s in funnel
            ],
            title="Participation",
            desc=text["funnel"],
        ),
    }
    # Built from escaped text and numbers only (svg.py escapes every label).
    return {name: mark_safe(chart) for name, chart in charts.items()}


def dashboard(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    permissions.require_read(actor)
    snapshot = queries.snapshot_latest()
    context: dict = {"nav": "insights", "snapshot": snapshot}
    if snapshot is not None:
        context.update(
            data=snapshot.data,
            charts=_charts(snapshot),
            text=_summaries(snapshot.data),
            person_views=permissions.can_see_people(actor, enabled=queries.person_views_enabled(user_id=actor.user_id)),
            is_admin=actor.is_admin,
            graph_as_of=_graph_as_of(snapshot),
        )
    return render(request, "insights/dashboard.html", context)


def _graph_as_of(snapshot: Snapshot) -> datetime | None:
    """When the network figures were computed: the last full refresh's time."""
    stamp = snapshot.data.get("refresh", {}).get("graph_computed_at")
    return datetime.fromisoformat(stamp) if stamp else None


@require_POST
def refresh(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    permissions.require_read(actor)
    job = job_create(
        kind="insights.refresh",
        label="Refresh of the insights",
        started_by_id=actor.user_id,
        params={"actor": actor_params(actor)},
    )
    enqueue_on_commit(snapshot_refresh_task, str(job.pk))
    return redirect("web:job", job_id=job.pk)


def _csv_rows(data: dict, chart: str, snapshot: Snapshot) -> list[list[Any]]:
    if chart == "flows":
        monthly = data.get("monthly", {})
        names = [*FLOWS, "diagonal", "unknown"]
        rows: list[list[Any]] = [["month", *names, "interactions"]]
        for k, label in enumerate(_month_labels(snapshot)):
            rows.append([label, *(monthly.get(n, [None] * (k + 1))[k] for n in names), monthly["interactions"][k]])
        return rows
    if chart in ("units", "regions"):
        matrix = data.get("unit_matrix" if chart == "units" else "region_matrix", {})
        labels = matrix.get("labels", [])
        return [["from / to", *labels]] + [
            [label, *row] for label, row in zip(labels, matrix.get("values", []), strict=True)
        ]
    if chart == "network":
        nodes = data.get("unit_map", {}).get("nodes", [])
        rows = [["unit a", "unit b", "interactions"]]
        rows += [[nodes[e["a"]]["label"], nodes[e["b"]]["label"], e["weight"]] for e in data["unit_map"]["edges"]]
        return rows
    if chart == "lessons":
        return [["day", "other units reached (mean per lesson)"]] + [
            [d, v] for d, v in enumerate(data.get("lessons", {}).get("reach_curve", []))
        ]
    if chart == "funnel":
        return [["step", "people"]] + [
            [s["label"], s["people"] if s["people"] is not None else "fewer than 5"] for s in data.get("funnel", [])
        ]
    if chart == "loop":
        return [["from", "to", "items", "median hours", "p90 hours"]] + [
            [s["from"], s["to"], s["items"], s["median_hours"], s["p90_hours"]] for s in data.get("feedback_loop", [])
        ]
    raise Http404("No such chart.")


def _cell(value: object) -> object:
    """Cells starting with = + - @ would run as formulas in a spreadsheet: neutralized."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def chart_csv(request: HttpRequest, chart: str) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    permissions.require_read(actor)
    snapshot = queries.snapshot_latest()
    if snapshot is None:
        raise Http404("No insights yet.")
    out = io.StringIO()
    writer = csv.writer(out)
    for row in _csv_rows(snapshot.data, chart, snapshot):
        writer.writerow([_cell(v) for v in row])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="peerloop-insights-{chart}.csv"'
    return response


def people(request: HttpRequest) -> HttpResponse:
    """Who the brokers are: admins who turned person-level views on; each look is audited."""
    actor = request.actor  # type: ignore[attr-defined]
    permissions.require_read(actor)
    require(actor.is_admin, hide=True)
    enabled = queries.person_views_enabled(user_id=actor.user_id)
    snapshot = queries.snapshot_latest()
    rows = []
    if enabled and snapshot is not None:
        services.person_view_record(actor=actor, what="brokers")
        ids = [person_id for person_id, _ in snapshot.brokers]
        found = {p.pk: p for p in people_queries.person_list().filter(id__in=ids)}
        # People who left stay in the aggregates but drop out of person-level views.
        rows = [(found[pid], score) for pid, score in snapshot.brokers if pid in found]
    context = {"nav": "insights", "enabled": enabled, "rows": rows, "snapshot": snapshot}
    return render(request, "insights/people.html", context)


@require_POST
def people_toggle(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    permissions.require_read(actor)
    require(actor.is_admin, hide=True)
    enabled = services.person_views_set(actor=actor, enabled=request.POST.get("enabled") == "on")
    messages.info(
        request, "Person-level views are on: each look is audited." if enabled else "Person-level views are off."
    )
    return redirect("insights:people")


def _report_context(request: HttpRequest, program_id: int) -> dict:
    actor = request.actor  # type: ignore[attr-defined]
    report = reports.program_report(actor=actor, program_id=program_id)
    charts = {}
    for k in report.kpis:
        if k.months:
            series = {"took part": k.treated_mean, "did not": k.comparison_mean}
            charts[k.progress.metric.pk] = mark_safe(
                svg.line_chart(
                    {name: values for name, values in series.items() if values},
                    k.months,
                    title=f"{k.progress.metric.name}: units that took part and units that did not",
                    desc=k.result.message,
                    percent=False,
                    from_zero=False,
                    marker=k.start_index,
                    marker_label="program starts",
                )
            )
    rows = [{"k": k, "chart": charts.get(k.progress.metric.pk)} for k in report.kpis]
    snapshot = queries.snapshot_latest()
    context = {"nav": "insights", "report": report, "rows": rows, "snapshot": snapshot}
    if snapshot is not None:
        context.update(org_charts=_charts(snapshot), org_text=_summaries(snapshot.data), data=snapshot.data)
        audience = snapshot.data.get("programs", {}).get(str(program_id))
        context["audience_data"] = audience
        if audience and not audience.get("hidden"):
            context.update(audience_charts=_audience_charts(snapshot, audience), audience_text=_audience_text(audience))
    return context


def _audience_text(audience: dict) -> dict[str, str]:
    text = _summaries(audience)
    nodes = audience.get("unit_map", {}).get("nodes", [])
    return {
        "flows": f"{audience.get('interactions', 0):,} interactions had someone of the audience at either end. "
        + text["flows"],
        "network": (
            f"{len(nodes)} units with at least five people of the audience (circles sized by them); lines are the "
            "audience's interactions between units."
            if nodes
            else "No unit has five or more people of this audience, so a map of its units would show individuals: "
            "it is left out."
        )
        + f" {_pct(audience.get('cross_unit_share'))} of the audience's interactions crossed units.",
    }


def _audience_charts(snapshot: Snapshot, audience: dict) -> dict[str, str]:
    monthly = audience.get("monthly", {})
    network = audience.get("unit_map", {})
    text = _audience_text(audience)
    charts = {
        "flows": svg.line_chart(
            {name: monthly.get(name, []) for name in FLOWS},
            _month_labels(snapshot),
            title="The audience's lateral and vertical flows by month",
            desc=text["flows"],
        ),
        "network": svg.network_map(
            network.get("nodes", []),
            network.get("edges", []),
            title="The audience's network of units",
            desc=text["network"],
        ),
    }
    # Built from escaped text and numbers only (svg.py escapes every label).
    return {name: mark_safe(chart) for name, chart in charts.items()}


def program_report(request: HttpRequest, program_id: int) -> HttpResponse:
    return render(request, "insights/program.html", _report_context(request, program_id))


def program_report_export(request: HttpRequest, program_id: int) -> HttpResponse:
    """The report as one HTML file that opens anywhere (styles inside, no script)."""
    context = _report_context(request, program_id)
    css_path = finders.find("peerloop/app.css")
    context["inline_css"] = mark_safe(Path(str(css_path)).read_text() if css_path else "")
    response = render(request, "insights/program_export.html", context)
    slug = context["report"].program.slug
    response["Content-Disposition"] = f'attachment; filename="peerloop-report-{slug}.html"'
    return response


def program_report_pdf(request: HttpRequest, program_id: int) -> HttpResponse:
    """The report as a PDF, charts included."""
    context = _report_context(request, program_id)
    report = context["report"]
    program = report.program

    def floor(value: int | None) -> str:
        return "fewer than 5" if value is None else f"{value:,}"

    owner = f"owner {program.owner.name}" + (f", sponsor {program.sponsor.name}" if program.sponsor else "")
    sponsor = f" and {report.sponsor_actions}" if report.sponsor_actions is not None else ""
    figures = [
        ("Audience", f"{report.audience:,}", "people the program is for"),
        ("Taking part", floor(report.taking_part), "met a peer, asked, answered, shared a lesson, worked feedback"),
        ("Leaders taking part", f"{floor(report.leaders_taking_part)} of {report.leaders}", "level 6 or above"),
        ("Owner and sponsor", f"{report.owner_actions}{sponsor}", "things they did in Peerloop"),
    ]
    sections = []
    if report.mechanisms:
        sections.append(
            pdf.Section(
                "Health of each mechanism",
                [
                    f"{m.label}: {m.state}. {m.summary} " + "; ".join(f"{label} {value}" for label, value in m.figures)
                    for m in report.mechanisms
                ],
            )
        )
    for row in context["rows"]:
        k = row["k"]
        effect = k.result.effect
        lines = [k.progress.label]
        if effect is not None:
            interval = f"95% interval {k.result.low:.2f} to {k.result.high:.2f}"
            lines.append(f"Effect {effect:+.2f} {k.progress.metric.unit_label} ({interval})")
        lines.append(k.result.message)
        units = f"{k.result.treated_units} units took part, {k.result.comparison_units} measured on the same metric"
        notes = [f"{units} did not."]
        sections.append(pdf.Section(k.progress.metric.name, lines, str(row["chart"] or ""), notes))
    audience = context.get("audience_data")
    if audience and not audience.get("hidden"):
        charts, text = context["audience_charts"], context["audience_text"]
        sections.append(pdf.Section("The audience's lateral and vertical flows", [text["flows"]], str(charts["flows"])))
        network = str(charts["network"]) if audience.get("unit_map", {}).get("nodes") else ""
        sections.append(pdf.Section("The audience's network of units", [text["network"]], network))
    elif audience:
        sections.append(pdf.Section("The audience's flows", ["The audience has fewer than five people: not shown."]))
    document = pdf.Document(
        title=f"Did \u201c{program.name}\u201d pay off?",
        subtitle=f"Since {report.since:%d %b %Y}, {owner}",
        figures=figures,
        sections=sections,
        generated=timezone.localdate(),
    )
    response = HttpResponse(pdf.program_report_pdf(document), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="peerloop-report-{program.slug}.pdf"'
    return response


def _export_page(request: HttpRequest, *, errors: dict | None = None, values: dict | None = None) -> HttpResponse:
    recent = core_queries.audit_list(action="insights.export")[:10]
    context = {
        "nav": "insights",
        "kinds": insights_exports.KINDS,
        "recent": recent,
        "errors": errors or {},
        "values": values or {"kind": "interactions", "key": "", "months": 12},
    }
    return render(request, "insights/exports.html", context, status=422 if errors else 200)


def exports(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """Pseudonymized exports for analysts: admins only; every export is audited."""
    actor = request.actor  # type: ignore[attr-defined]
    permissions.require_export(actor)
    if request.method != "POST":
        return _export_page(request)
    values = {k: request.POST.get(k, "").strip() for k in ("kind", "key", "months")}
    try:
        months = int(values["months"] or 12)
    except ValueError:
        return _export_page(request, errors={"months": ["Months is a whole number from 1 to 36."]}, values=values)
    try:
        export = insights_exports.export_open(actor=actor, kind=values["kind"], key=values["key"], months=months)
    except ValidationError as exc:
        return _export_page(request, errors=exc.message_dict, values=values)
    response = StreamingHttpResponse(export.rows, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export.file_name}"'
    response["Cache-Control"] = "no-store"
    return response
