"""Importing metric values (re-exported by ``services``).

Columns: metric (a metric code), unit (a unit code) or person (an email), exactly one
of the two per row, period_start and period_end (YYYY-MM-DD), value (a finite number
with a dot for decimals). A value is identified by its metric, its unit or person and
its period start: importing it again updates it (or leaves it unchanged), never
duplicates it. The file is checked whole first, every problem named by line and
column; then it is applied in one transaction or not at all.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
import re
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from peerloop.core.roles import Actor
from peerloop.core.services import audit_record
from peerloop.core.tabular import (
    ImportReport,
    Row,
    Table,
    check_columns,
    parse_number,
    read_file,
    rows_from_mappings,
)
from peerloop.people import queries as people_queries
from peerloop.programs.models import Metric, MetricValue
from peerloop.programs.progress import period_kind

REQUIRED = ("metric", "period_start", "period_end", "value")
OPTIONAL = ("unit", "person")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
BATCH = 1000

Progress = Callable[[int, int], None]


@dataclass
class _Value:
    line: int
    metric_id: int
    unit_id: int | None
    person_id: int | None
    start: date
    end: date
    value: float

    @property
    def key(self) -> tuple[int, str, int, date]:
        if self.unit_id is not None:
            return (self.metric_id, "unit", self.unit_id, self.start)
        assert self.person_id is not None
        return (self.metric_id, "person", self.person_id, self.start)


def _date(row: Row, column: str, report: ImportReport) -> date | None:
    text = row.get(column)
    if not text:
        report.error(row.line, column, "A date is required (YYYY-MM-DD).")
        return None
    if not ISO_DATE.match(text):
        report.error(row.line, column, f"{text!r} is not a date in the form YYYY-MM-DD.")
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        report.error(row.line, column, f"{text!r} is not a real date.")
        return None


def _lookups(rows: list[Row]) -> tuple[dict[str, Metric], dict[str, int], dict[str, int]]:
    """Metrics by code, units by code and people by email for the codes the file uses."""
    metric_codes = {r.get("metric").lower() for r in rows if r.get("metric")}
    unit_codes = {r.get("unit").lower() for r in rows if r.get("unit")}
    emails = {r.get("person") for r in rows if r.get("person")}
    metrics = {m.code: m for m in Metric.objects.filter(code__in=metric_codes)}
    units: dict[str, int] = {}
    if unit_codes:
        for unit_id, code in people_queries.unit_list().filter(code__in=unit_codes).values_list("id", "code"):
            units[code.lower()] = unit_id
    people: dict[str, int] = {}
    if emails:
        variants = emails | {e.lower() for e in emails}
        found = people_queries.person_list(include_inactive=True).filter(email__in=variants)
        for person_id, email in found.order_by().values_list("id", "email"):
            people[email.lower()] = person_id
    return metrics, units, people


def _check_rows(rows: list[Row], report: ImportReport) -> list[_Value]:
    metrics, units, people = _lookups(rows)
    values: list[_Value] = []
    first_of_key: dict[tuple, int] = {}
    period_of_metric: dict[int, tuple[str, int]] = {}
    for row in rows:
        before = len(report.errors)
        line = row.line
        code = row.get("metric").lower()
        metric = metrics.get(code)
        if not code:
            report.error(line, "metric", "The metric code is required.")
        elif metric is None:
            report.error(line, "metric", f"No metric with the code {row.get('metric')!r}.")
        unit_code, email = row.get("unit"), row.get("person")
        unit_id = person_id = None
        if unit_code and email:
            report.error(line, "person", "Give a unit or a person, not both.")
        elif not unit_code and not email:
            report.error(line, "unit", "Give a unit code or a person's email.")
        elif unit_code:
            unit_id = units.get(unit_code.lower())
            if unit_id is None:
                report.error(line, "unit", f"No unit with the code {unit_code!r}.")
        else:
            person_id = people.get(email.lower())
            if person_id is None:
                report.error(line, "person", f"No person with the email {email!r}.")
        start = _date(row, "period_start", report)
        end = _date(row, "period_end", report)
        if start and end and end < start:
            report.error(line, "period_end", f"The period ends ({end}) before it starts ({start}).")
        text = row.get("value")
        number = parse_number(text) if text else None
        if not text:
            report.error(line, "value", "A value is required.")
        elif number is None:
            hint = " (use a dot for decimals)" if re.fullmatch(r"-?\d+,\d+", text) else ""
            report.error(line, "value", f"{text!r} is not a finite number{hint}.")
        if len(report.errors) != before:
            continue
        assert metric is not None and start is not None and end is not None and number is not None
        item = _Value(line, metric.pk, unit_id, person_id, start, end, number)
        if item.key in first_of_key:
            who = "unit" if unit_id else "person"
            report.error(
                line,
                "period_start",
                f"The same metric, {who} and period start as line {first_of_key[item.key]}.",
            )
            continue
        first_of_key[item.key] = line
        kind = period_kind(start, end)
        expected = period_of_metric.setdefault(metric.pk, (kind, line))
        if expected[0] != kind:
            report.error(
                line,
                "period_end",
                f"This period is {_describe(kind)} but line {expected[1]} gives {metric.code} periods of "
                f"{_describe(expected[0])}; one file uses one period length per metric.",
            )
            continue
        values.append(item)
    return values


def _describe(kind: str) -> str:
    return f"a {kind}" if kind in ("month", "quarter", "year") else kind


def _existing(values: list[_Value]) -> dict[tuple, tuple[int, date, float]]:
    """The stored values with the same keys: key -> (id, period_end, value)."""
    found: dict[tuple, tuple[int, date, float]] = {}
    by_metric: dict[int, list[_Value]] = {}
    for v in values:
        by_metric.setdefault(v.metric_id, []).append(v)
    for metric_id, items in by_metric.items():
        starts = sorted({v.start for v in items})
        # By metric and period only (few distinct periods per file): filtering on the
        # units and people too would pass thousands of ids to the database.
        for offset in range(0, len(starts), 500):
            chunk = starts[offset : offset + 500]
            rows = MetricValue.objects.filter(metric_id=metric_id, period_start__in=chunk).values_list(
                "id", "unit_id", "person_id", "period_start", "period_end", "value"
            )
            for pk, unit_id, person_id, start, end, value in rows:
                key = (metric_id, "unit", unit_id, start) if unit_id else (metric_id, "person", person_id, start)
                found[key] = (pk, end, value)
    return found


def metric_value_import(
    *,
    actor: Actor,
    rows: Iterable[Mapping[str, Any] | Row],
    dry_run: bool,
    first_line: int = 2,
    progress: Progress | None = None,
) -> ImportReport:
    """Check the rows, then (unless ``dry_run`` or any error) upsert them in one
    transaction. Plain mappings are numbered from ``first_line`` (line 1 is the header)."""
    table_rows = rows_from_mappings(rows, first_line=first_line)
    columns = sorted({c for r in table_rows for c in r.keys})
    report = ImportReport(dry_run=dry_run)
    return _import_table(actor=actor, table=Table(columns, table_rows), report=report, progress=progress)


def metric_value_import_file(
    *,
    actor: Actor,
    path: Path | None = None,
    data: bytes | None = None,
    name: str = "",
    dry_run: bool,
    progress: Progress | None = None,
) -> ImportReport:
    """Import a CSV or JSON file of metric values, given as a path or as bytes."""
    report = ImportReport(dry_run=dry_run)
    table = read_file(path=path, data=data, name=name)
    if table.errors:
        report.errors.extend(table.errors)
        return report
    return _import_table(actor=actor, table=table, report=report, progress=progress)


def _import_table(*, actor: Actor, table: Table, report: ImportReport, progress: Progress | None) -> ImportReport:
    report.rows = len(table.rows)
    if not check_columns(table, required=REQUIRED, optional=OPTIONAL, report=report):
        return report
    if "unit" not in table.columns and "person" not in table.columns:
        report.error(1, "unit", "The file needs a unit column, a person column, or both.")
        return report
    if not table.rows:
        report.error(1, "", "The file holds no rows.")
        return report
    values = _check_rows(table.rows, report)
    if report.errors:
        report.sort_errors(table.columns)
        return report
    total = len(values)
    existing = _existing(values)
    now = timezone.now()
    new: list[MetricValue] = []
    changed: list[MetricValue] = []
    for v in values:
        stored = existing.get(v.key)
        if stored is None:
            new.append(
                MetricValue(
                    metric_id=v.metric_id,
                    unit_id=v.unit_id,
                    person_id=v.person_id,
                    period_start=v.start,
                    period_end=v.end,
                    value=v.value,
                    source="import",
                )
            )
        elif stored[1] == v.end and stored[2] == v.value:
            report.unchanged += 1
        else:
            changed.append(MetricValue(id=stored[0], period_end=v.end, value=v.value, source="import", recorded_at=now))
    report.created, report.updated = len(new), len(changed)
    if report.dry_run:
        return report
    try:
        with transaction.atomic():
            done = report.unchanged
            for offset in range(0, len(new), BATCH):
                MetricValue.objects.bulk_create(new[offset : offset + BATCH])
                done += len(new[offset : offset + BATCH])
                if progress:
                    progress(done, total)
            for offset in range(0, len(changed), BATCH):
                MetricValue.objects.bulk_update(
                    changed[offset : offset + BATCH], ["period_end", "value", "source", "recorded_at"]
                )
                done += len(changed[offset : offset + BATCH])
                if progress:
                    progress(done, total)
            if report.created or report.updated:
                audit_record(
                    actor=actor,
                    action="metric_values.import",
                    object_type="programs.metricvalue",
                    changes={"created": report.created, "updated": report.updated, "unchanged": report.unchanged},
                )
    except IntegrityError:
        # Another import wrote some of the same values in the meantime: nothing of
        # this one was kept, and running it again will update instead of insert.
        report.created = report.updated = 0
        report.error(
            0, "", "Another import wrote some of these values at the same time; nothing was imported. Run it again."
        )
    if progress:
        progress(total, total)
    return report
