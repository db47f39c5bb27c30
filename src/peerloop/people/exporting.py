"""The directory as CSV, in the import's columns: exporting then importing changes nothing.

Cells a spreadsheet would run as formulas (starting with = + - @) get a leading single
quote; the import strips it again (importing.cell_from_import), so the round trip is
lossless.
"""

from collections.abc import Iterator
import csv
import io
from typing import TextIO

from peerloop.people.importing import COLUMNS, cell_for_export
from peerloop.people.models import Person, Region, Unit

CHUNK = 2_000


def export_rows() -> Iterator[dict[str, str]]:
    """Every person (active or not) as an import row, by id, in chunks of bounded memory."""
    units = {pk: (code, parent) for pk, code, parent in Unit.objects.order_by().values_list("id", "code", "parent_id")}
    regions = dict(Region.objects.order_by().values_list("id", "code"))
    through = Person.topics.through
    last = 0
    fields = (
        "id",
        "email",
        "external_id",
        "name",
        "title",
        "role_family",
        "level",
        "unit_id",
        "region_id",
        "location",
        "timezone",
        "manager__email",
        "skills",
        "kind",
        "active",
    )
    while True:
        people = list(Person.objects.filter(id__gt=last).order_by("id").values_list(*fields)[:CHUNK])
        if not people:
            return
        last = people[-1][0]
        topics: dict[int, list[str]] = {}
        links = (
            through.objects.filter(person_id__gte=people[0][0], person_id__lte=last)
            .order_by("topic__name")
            .values_list("person_id", "topic__name", "topic__slug")
        )
        for person_id, name, slug in links:
            # A name holding the list separator is exported by its slug, which resolves too.
            topics.setdefault(person_id, []).append(slug if ";" in name else name)
        for (
            pk,
            email,
            external_id,
            name,
            title,
            family,
            level,
            unit_id,
            region_id,
            location,
            zone,
            manager,
            skills,
            kind,
            active,
        ) in people:
            unit = units.get(unit_id) if unit_id else None
            yield {
                "email": email,
                "external_id": external_id or "",
                "name": name,
                "title": title,
                "role_family": family,
                "level": "" if level is None else str(level),
                "unit": unit[0] if unit else "",
                "unit_parent": units[unit[1]][0] if unit and unit[1] in units else "",
                "region": regions.get(region_id, "") if region_id else "",
                "location": location,
                "timezone": zone,
                "manager_email": manager or "",
                "skills": ";".join(skills or []),
                "topics": ";".join(topics.get(pk, [])),
                "kind": kind,
                "active": "true" if active else "false",
            }


def csv_header() -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(COLUMNS)
    return buffer.getvalue()


def csv_chunks() -> Iterator[str]:
    """The export as CSV text, a chunk of lines at a time (for streaming responses)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for count, row in enumerate(export_rows(), start=1):
        writer.writerow([cell_for_export(row[column]) for column in COLUMNS])
        if count % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def write_csv(out: TextIO) -> int:
    """Write the export to ``out``; return the number of people written."""
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    count = 0
    for row in export_rows():
        writer.writerow([cell_for_export(row[column]) for column in COLUMNS])
        count += 1
    return count
