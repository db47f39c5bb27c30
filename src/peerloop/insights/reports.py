"""A program's report: progress against its targets, who took part, whether its leaders take part,
and whether the units that took part improved against comparable units that did not.

Reads the program and its KPIs (programs), the directory (people) and the interaction stream
(core); computes with impact.py. Taking part means doing what the program's mechanisms record:
meeting a matched peer, asking, answering or sharing a lesson, working feedback, giving kudos.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count
from django.utils import timezone
import numpy as np

from peerloop.core import queries as core_queries
from peerloop.core.permissions import NotFound
from peerloop.core.roles import Actor
from peerloop.insights import impact
from peerloop.insights.mechanisms import MechanismHealth, mechanism_health
from peerloop.insights.permissions import require_read
from peerloop.people import queries as people_queries
from peerloop.programs import queries as programs_queries
from peerloop.programs.models import Program

TAKING_PART = frozenset(
    {
        "match.met",
        "discussion.asked",
        "discussion.answered",
        "discussion.lesson_posted",
        "discussion.lesson_adopted",
        "discussion.session_attended",
        "feedback.acknowledged",
        "feedback.closed",
        "feedback.lesson_shared",
        "kudos.given",
    }
)
LEADER_LEVEL = 6  # people at this level or above in the audience count as its leaders


@dataclass
class KpiImpact:
    progress: programs_queries.KpiProgress
    result: impact.Impact
    months: list[str] = field(default_factory=list)
    treated_mean: list[float | None] = field(default_factory=list)
    comparison_mean: list[float | None] = field(default_factory=list)
    start_index: int = 0


@dataclass
class ProgramReport:
    program: Program
    since: date
    audience: int
    taking_part: int | None  # None under the privacy floor
    units_taking_part: int
    units_not_taking_part: int
    leaders: int
    leaders_taking_part: int | None
    owner_actions: int
    sponsor_actions: int | None
    kpis: list[KpiImpact]
    mechanisms: list[MechanismHealth] = field(default_factory=list)


def _month(day: date) -> date:
    return day.replace(day=1)


def _floor(count: int) -> int | None:
    return count if count == 0 or count >= impact.PRIVACY_FLOOR else None


def program_report(*, actor: Actor, program_id: int, now: datetime | None = None) -> ProgramReport:
    require_read(actor)
    program = programs_queries.program_get(program_id=program_id)
    if program is None:
        raise NotFound()
    now = now or timezone.now()
    since = program.starts_on or (now - timedelta(days=365)).date()
    since_dt = timezone.make_aware(datetime.combine(since, time.min)) if since else None
    audience = list(programs_queries.program_audience(program=program).order_by().values_list("id", "unit_id", "level"))
    audience_ids = [pid for pid, _, _ in audience]
    actions = core_queries.interaction_list(since=since_dt, until=now).filter(kind__in=TAKING_PART)
    active = set(actions.filter(actor_id__in=audience_ids).values_list("actor_id", flat=True).distinct())
    unit_of = {pid: unit for pid, unit, _ in audience}
    units_in = {unit_of[pid] for pid in active if unit_of.get(pid)}
    audience_units = {unit for _, unit, _ in audience if unit}
    leaders = [pid for pid, _, level in audience if (level or 0) >= LEADER_LEVEL]
    per_actor = dict(
        core_queries.interaction_list(since=since_dt, until=now)
        .filter(actor_id__in=[program.owner_id, program.sponsor_id or 0])
        .order_by()
        .values("actor_id")
        .annotate(n=Count("id"))
        .values_list("actor_id", "n")
    )
    people_per_unit: defaultdict[int, int] = defaultdict(int)
    for unit_id in people_queries.person_list().filter(kind="employee").values_list("unit_id", flat=True):
        if unit_id:
            people_per_unit[unit_id] += 1
    kpis = [
        _kpi_impact(progress, units_in, people_per_unit, since)
        for progress in programs_queries.kpi_progress(program=program)
    ]
    return ProgramReport(
        program=program,
        since=since,
        audience=len(audience_ids),
        taking_part=_floor(len(active)),
        units_taking_part=len(units_in),
        units_not_taking_part=len(audience_units - units_in),
        leaders=len(leaders),
        leaders_taking_part=_floor(len(set(leaders) & active)),
        owner_actions=int(per_actor.get(program.owner_id, 0)),
        sponsor_actions=int(per_actor.get(program.sponsor_id, 0)) if program.sponsor_id else None,
        kpis=kpis,
        mechanisms=mechanism_health(
            mechanisms=program.mechanisms or [],
            labels=programs_queries.MECHANISM_LABELS,
            audience_ids=audience_ids,
            since=since_dt,
            until=now,
        ),
    )


def _kpi_impact(
    progress: programs_queries.KpiProgress, units_in: set[int], people_per_unit: dict[int, int], since: date
) -> KpiImpact:
    """The KPI's monthly values per unit (units x months) and the difference in differences of the
    units taking part against the others measured on the same metric."""
    values = list(
        programs_queries.metric_value_series(metric_id=progress.metric.pk)
        .filter(unit__isnull=False)
        .values_list("unit_id", "period_start", "value")
    )
    months = sorted({_month(start) for _, start, _ in values})
    units = sorted({unit for unit, _, _ in values})
    if not months or not units:
        return KpiImpact(progress, impact.difference_in_differences(np.zeros((0, 2)), np.zeros(0, bool), 1))
    row = {u: i for i, u in enumerate(units)}
    col = {m: j for j, m in enumerate(months)}
    matrix = np.full((len(units), len(months)), np.nan)
    for unit, start, value in values:
        matrix[row[unit], col[_month(start)]] = value
    treated = np.array([u in units_in for u in units])
    start_index = int(np.searchsorted(np.array(months, dtype="datetime64[D]"), np.datetime64(_month(since))))
    result = impact.difference_in_differences(matrix, treated, start_index, better=progress.metric.direction)
    people_in = sum(people_per_unit.get(u, 0) for u in units if u in units_in)
    people_out = sum(people_per_unit.get(u, 0) for u in units if u not in units_in)
    if result.effect is not None and min(people_in, people_out) < impact.PRIVACY_FLOOR:
        result = impact.Impact(
            None, None, None, None, None, result.treated_units, result.comparison_units,
            "One of the two groups has fewer than five people: no figure is shown.",
        )  # fmt: skip
    with np.errstate(invalid="ignore"):
        t_mean = np.nanmean(np.where(treated[:, None], matrix, np.nan), axis=0) if treated.any() else None
        c_mean = np.nanmean(np.where(~treated[:, None], matrix, np.nan), axis=0) if (~treated).any() else None
    return KpiImpact(
        progress=progress,
        result=result,
        months=[m.strftime("%b %y") for m in months],
        treated_mean=_listed(t_mean),
        comparison_mean=_listed(c_mean),
        start_index=start_index,
    )


def _listed(values: np.ndarray | None) -> list[float | None]:
    if values is None:
        return []
    return [None if not np.isfinite(v) else round(float(v), 3) for v in values]
