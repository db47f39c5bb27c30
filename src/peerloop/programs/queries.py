"""Reads of programs, KPIs and metrics.

KPI progress compares the latest value of a KPI's metric with its baseline and
target. The latest value is the average over the audience's units of their values
for the most recent period any of those units reports.
"""

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from django.db.models import Count, F, IntegerField, Max, Q, QuerySet, Value

from peerloop.people import queries as people_queries
from peerloop.people.orgchart import descendants
from peerloop.programs.models import Kpi, Mechanism, Metric, MetricValue, Program
from peerloop.programs.progress import bar_width, progress_percent
from peerloop.spaces import queries as spaces_queries

MECHANISM_LABELS = dict(Mechanism.choices)


# --- programs -------------------------------------------------------------------------


def program_list(*, status: str | None = None, q: str | None = None, owner_id: int | None = None) -> QuerySet[Program]:
    """Programs by name with their owner, sponsor and ``kpi_count``."""
    qs = Program.objects.select_related("owner", "sponsor").annotate(kpi_count=Count("kpis")).order_by("name", "id")
    if status:
        qs = qs.filter(status=status)
    if owner_id is not None:
        qs = qs.filter(owner_id=owner_id)
    if q and q.strip():
        needle = q.strip()
        qs = qs.filter(Q(name__icontains=needle) | Q(objective__icontains=needle))
    return qs


def program_get(*, program_id: int) -> Program | None:
    return (
        Program.objects.select_related("owner", "sponsor", "audience_space")
        .annotate(kpi_count=Count("kpis"))
        .filter(pk=program_id)
        .first()
    )


def mechanism_labels(program: Program) -> list[str]:
    return [MECHANISM_LABELS.get(code, code) for code in program.mechanisms or []]


def program_audience(*, program: Program) -> QuerySet[Any]:
    """The active people a program is for: its space's members, the people its
    directory filter selects (subunits included), or every active employee."""
    return _audience(program, unit_parents=None)


def _audience(program: Program, *, unit_parents: Mapping[int, int | None] | None) -> QuerySet[Any]:
    """``unit_parents`` (unit -> parent), when given, spares a query for the unit tree."""
    if program.audience_space_id:
        members = spaces_queries.member_list(space_id=program.audience_space_id).order_by().values("person_id")
        return people_queries.person_list().filter(id__in=members)
    spec = program.audience_filter or {}
    unit_ids = spec.get("unit_ids") or None
    if unit_ids and unit_parents is not None:
        # Units deleted since the filter was saved select nobody (0 is no unit's id),
        # rather than dropping the filter.
        tree = cast(Mapping[Hashable, Hashable | None], unit_parents)
        unit_ids = sorted(cast(set[int], descendants(tree, [u for u in unit_ids if u in unit_parents]))) or [0]
    people = people_queries.person_list(
        unit_ids=unit_ids,
        region_ids=spec.get("region_ids") or None,
        levels=spec.get("levels") or None,
        role_families=spec.get("role_families") or None,
        include_subunits=unit_parents is None,
    )
    if not spec:
        people = people.filter(kind="employee")
    return people


def audience_summary(*, program: Program) -> list[tuple[str, str]]:
    """(what, which) lines describing the audience, for people to read."""
    if program.audience_space_id:
        space = program.audience_space
        return [("Space", space.name if space else f"#{program.audience_space_id}")]
    spec = program.audience_filter or {}
    if not spec:
        return [("Everyone", "every active employee")]
    lines: list[tuple[str, str]] = []
    if spec.get("unit_ids"):
        names = people_queries.unit_list().filter(id__in=spec["unit_ids"]).values_list("name", flat=True)
        lines.append(("Units", ", ".join(names) + " (and their subunits)"))
    if spec.get("region_ids"):
        regions = people_queries.region_list().filter(id__in=spec["region_ids"]).values_list("name", flat=True)
        lines.append(("Regions", ", ".join(regions)))
    if spec.get("levels"):
        lines.append(("Levels", ", ".join(str(level) for level in spec["levels"])))
    if spec.get("role_families"):
        lines.append(("Role families", ", ".join(spec["role_families"])))
    return lines


# --- KPIs and their progress ----------------------------------------------------------


@dataclass(frozen=True)
class KpiProgress:
    kpi: Kpi
    metric: Metric
    latest: float | None
    period_start: date | None
    period_end: date | None
    units: int  # how many units the latest value averages
    percent: float | None

    @property
    def bar(self) -> int:
        return bar_width(self.percent)

    @property
    def achieved(self) -> bool:
        return self.percent is not None and self.percent >= 100

    @property
    def label(self) -> str:
        return "no data yet" if self.percent is None else f"{round(self.percent)}% of the way to the target"


def kpi_list(*, program_id: int) -> QuerySet[Kpi]:
    return Kpi.objects.filter(program_id=program_id).select_related("metric").order_by("metric__name", "id")


def _audience_units(programs: Sequence[Program]) -> dict[int, set[int]]:
    """program id -> the units its audience belongs to, in one query per 100 programs
    (and one for the unit tree)."""
    result: dict[int, set[int]] = {p.pk: set() for p in programs}
    unit_parents: dict[int, int | None] = {}
    if any((p.audience_filter or {}).get("unit_ids") and not p.audience_space_id for p in programs):
        unit_parents = dict(people_queries.unit_list().order_by().values_list("id", "parent_id"))
    for offset in range(0, len(programs), 100):
        parts = [
            _audience(p, unit_parents=unit_parents)
            .order_by()
            .filter(unit_id__isnull=False)
            .annotate(program_key=Value(p.pk, output_field=IntegerField()))
            .values_list("program_key", "unit_id")
            .distinct()
            for p in programs[offset : offset + 100]
        ]
        if not parts:
            continue
        combined = parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0]
        for program_id, unit_id in combined:
            result[program_id].add(unit_id)
    return result


def kpi_progress_for(*, programs: Sequence[Program]) -> dict[int, list[KpiProgress]]:
    """program id -> the progress of each of its KPIs, in a fixed number of queries
    however many programs there are."""
    programs = list(programs)
    result: dict[int, list[KpiProgress]] = {p.pk: [] for p in programs}
    if not programs:
        return result
    kpis = list(Kpi.objects.filter(program_id__in=list(result)).select_related("metric").order_by("metric__name", "id"))
    if not kpis:
        return result
    units_of = _audience_units([p for p in programs if any(k.program_id == p.pk for k in kpis)])
    metric_ids = {k.metric_id for k in kpis}
    latest_of: dict[tuple[int, int], date] = {
        (row["metric_id"], row["unit_id"]): row["last"]
        for row in MetricValue.objects.filter(metric_id__in=metric_ids, unit__isnull=False)
        .values("metric_id", "unit_id")
        .annotate(last=Max("period_start"))
        .order_by()
    }
    wanted: dict[tuple[int, int], date | None] = {}
    for kpi in kpis:
        units = units_of.get(kpi.program_id, set())
        dates = [latest_of[(kpi.metric_id, u)] for u in units if (kpi.metric_id, u) in latest_of]
        wanted[(kpi.program_id, kpi.metric_id)] = max(dates) if dates else None
    periods = {d for d in wanted.values() if d is not None}
    values: dict[tuple[int, date], list[tuple[int, float, date]]] = {}
    if periods:
        rows = MetricValue.objects.filter(
            metric_id__in=metric_ids, unit__isnull=False, period_start__in=periods
        ).values_list("metric_id", "period_start", "unit_id", "value", "period_end")
        for metric_id, period, unit_id, value, end in rows:
            values.setdefault((metric_id, period), []).append((unit_id, value, end))
    for kpi in kpis:
        start = wanted[(kpi.program_id, kpi.metric_id)]
        units = units_of.get(kpi.program_id, set())
        found = [(v, end) for u, v, end in values.get((kpi.metric_id, start), []) if u in units] if start else []
        latest = sum(v for v, _ in found) / len(found) if found else None
        percent = progress_percent(
            latest,
            target=kpi.target,
            baseline=kpi.baseline,
            lower_is_better=kpi.metric.direction == Metric.Direction.LOWER_IS_BETTER,
        )
        result[kpi.program_id].append(
            KpiProgress(
                kpi=kpi,
                metric=kpi.metric,
                latest=latest,
                period_start=start if found else None,
                period_end=max(end for _, end in found) if found else None,
                units=len(found),
                percent=None if percent is None else round(percent, 1),
            )
        )
    return result


def kpi_progress(*, program: Program) -> list[KpiProgress]:
    """The progress of each KPI of one program."""
    return kpi_progress_for(programs=[program])[program.pk]


# --- metrics --------------------------------------------------------------------------


def metric_list() -> QuerySet[Metric]:
    """Metrics by name with ``value_count`` and ``last_period`` (latest period start)."""
    return Metric.objects.annotate(value_count=Count("values"), last_period=Max("values__period_start")).order_by(
        "name", "id"
    )


def metric_get(*, metric_id: int) -> Metric | None:
    return Metric.objects.filter(pk=metric_id).first()


def metric_choices() -> list[tuple[int, str]]:
    return [(m.pk, f"{m.name} ({m.code})") for m in Metric.objects.order_by("name", "id")]


def metric_value_series(
    *,
    metric_id: int,
    unit_ids: Iterable[int] | None = None,
    person_ids: Iterable[int] | None = None,
    since: date | None = None,
) -> QuerySet[MetricValue]:
    """A metric's values by period, for the given units and/or people (all when
    neither is given), from ``since`` (a period start) on."""
    qs = MetricValue.objects.filter(metric_id=metric_id).select_related("unit", "person")
    who = Q()
    if unit_ids is not None:
        who |= Q(unit_id__in=list(unit_ids))
    if person_ids is not None:
        who |= Q(person_id__in=list(person_ids))
    if unit_ids is not None or person_ids is not None:
        qs = qs.filter(who)
    if since is not None:
        qs = qs.filter(period_start__gte=since)
    return qs.order_by("period_start", F("unit_id").asc(nulls_last=True), F("person_id").asc(nulls_last=True), "id")


def metric_values_visible(values: QuerySet[MetricValue], *, person_id: int | None) -> QuerySet[MetricValue]:
    """Unit values, and among values per person only those of ``person_id``."""
    return values.filter(Q(person__isnull=True) | Q(person_id=person_id if person_id is not None else -1))
