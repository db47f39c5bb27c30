"""The engine's inputs read from the directory: the pool of a setup, its constraints and names."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
import math
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone
import numpy as np

from peerloop.matching import engine
from peerloop.matching.models import MatchingSetup, MatchMember, MatchPreference, MatchRound
from peerloop.people import queries as people_queries
from peerloop.programs import queries as programs_queries
from peerloop.vocabulary import queries as vocabulary_queries

CRITERIA_FIELDS = frozenset(engine.Criteria.__dataclass_fields__)
OTHER_PROGRAMS_WINDOW = timedelta(days=31)


@dataclass
class PoolData:
    """A pool and what it takes to word its reasons; ``excluded`` counts who was left out and why."""

    pool: engine.Pool
    names: dict[str, dict[int, str]]
    excluded: dict[str, int] = field(default_factory=dict)
    units_in_pool: int = 0

    def index(self) -> dict[int, int]:
        return {int(pid): i for i, pid in enumerate(self.pool.person_ids)}


@lru_cache(maxsize=512)
def _offset_hours(tz: str, day: date) -> float:
    try:
        zone = ZoneInfo(tz or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return 0.0
    offset = datetime(day.year, day.month, day.day, 12, tzinfo=zone).utcoffset()
    return offset.total_seconds() / 3600 if offset else 0.0


def criteria_for(setup: MatchingSetup) -> engine.Criteria:
    """The engine's Criteria from the setup's JSON (unknown keys ignored) and its relax switch."""
    values = {k: v for k, v in (setup.criteria or {}).items() if k in CRITERIA_FIELDS}
    values["allow_relax_cross_unit"] = setup.allow_relax_cross_unit
    if setup.mode == "learning":
        values["metric_mode"] = "learn_from_better"
        if setup.metric is not None:
            values["metric_higher_is_better"] = setup.metric.direction != "lower"
    else:
        values["metric_mode"] = None
    return engine.Criteria(**values)


def excluded_people(*, person_ids: Iterable[int], program_id: int | None, today: date) -> dict[int, str]:
    """person id -> why they sit this round out (opted out of the program, paused)."""
    out: dict[int, str] = {}
    for pref in MatchPreference.objects.filter(person_id__in=list(person_ids)).only(
        "person_id", "opted_out_programs", "paused_until"
    ):
        if program_id is not None and program_id in (pref.opted_out_programs or []):
            out[pref.person_id] = "opted out"
        elif pref.paused_until is not None and pref.paused_until >= today:
            out[pref.person_id] = "paused"
    return out


def names_for(*, unit_ids: Iterable[int], region_ids: Iterable[int], topic_ids: Iterable[int]) -> dict[str, dict]:
    return {
        "unit": dict(people_queries.unit_list().filter(id__in=list(set(unit_ids))).values_list("id", "name")),
        "region": dict(people_queries.region_list().filter(id__in=list(set(region_ids))).values_list("id", "name")),
        "topic": dict(vocabulary_queries.topic_list().filter(id__in=list(set(topic_ids))).values_list("id", "name")),
    }


def pool_from_people(
    rows: Sequence[tuple], topics: Mapping[int, set[int]], *, today: date, metric: Mapping[int, float] | None = None
) -> PoolData:
    """``rows``: (id, unit_id, region_id, level, role_family, manager_id, timezone, name) per person."""
    families = sorted({r[4] for r in rows if r[4]})
    family_code = {name: code for code, name in enumerate(families)}
    ids = [r[0] for r in rows]
    pool = engine.Pool(
        person_ids=np.asarray(ids, dtype=np.int64),
        unit=np.asarray([r[1] if r[1] is not None else -1 for r in rows], dtype=np.int64),
        unit_path=(),
        region=np.asarray([r[2] if r[2] is not None else -1 for r in rows], dtype=np.int64),
        level=np.asarray([r[3] or 0 for r in rows], dtype=np.int16),
        role_family=np.asarray([family_code.get(r[4], -1) for r in rows], dtype=np.int32),
        manager=np.asarray([r[5] if r[5] is not None else -1 for r in rows], dtype=np.int64),
        utc_offset_hours=np.asarray([_offset_hours(r[6], today) for r in rows], dtype=np.float32),
        topics=[frozenset(topics.get(pid, ())) for pid in ids],
        metric=None if metric is None else np.asarray([metric.get(pid, math.nan) for pid in ids], dtype=np.float64),
    )
    all_topics = {t for ts in topics.values() for t in ts}
    names = names_for(
        unit_ids=[r[1] for r in rows if r[1]], region_ids=[r[2] for r in rows if r[2]], topic_ids=all_topics
    )
    names["role_family"] = {code: name for name, code in family_code.items()}
    names["person"] = {r[0]: (r[7] or "").split(" ")[0] or "your peer" for r in rows}
    return PoolData(pool=pool, names=names, units_in_pool=len({r[1] for r in rows if r[1] is not None}))


PERSON_FIELDS = ("id", "unit_id", "region_id", "level", "role_family", "manager_id", "timezone", "name")


def topics_of(people_qs) -> dict[int, set[int]]:  # type: ignore[no-untyped-def]
    topics: dict[int, set[int]] = {}
    for pid, tid in people_qs.order_by().filter(topics__isnull=False).values_list("id", "topics"):
        topics.setdefault(pid, set()).add(tid)
    return topics


def _metric_values(setup: MatchingSetup, person_ids: list[int], unit_of: Mapping[int, int | None]) -> dict[int, float]:
    """The latest value of the setup's metric per person (their own, else their unit's)."""
    if setup.metric_id is None:
        return {}
    own: dict[int, float] = {}
    per_unit: dict[int, float] = {}
    series = programs_queries.metric_value_series(
        metric_id=setup.metric_id, person_ids=person_ids, unit_ids={u for u in unit_of.values() if u}
    )
    for value in series:  # ordered by period: later values overwrite earlier ones
        if value.person_id is not None:
            own[value.person_id] = value.value
        elif value.unit_id is not None:
            per_unit[value.unit_id] = value.value
    out: dict[int, float] = {}
    for pid in person_ids:
        unit = unit_of.get(pid)
        if pid in own:
            out[pid] = own[pid]
        elif unit is not None and unit in per_unit:
            out[pid] = per_unit[unit]
    return out


def setup_pool(setup: MatchingSetup, *, today: date) -> PoolData:
    """The eligible audience of a setup's program: active people minus opted-out and paused ones."""
    audience = programs_queries.program_audience(program=setup.program)
    rows = list(audience.order_by("id").values_list(*PERSON_FIELDS))
    excluded = excluded_people(person_ids=[r[0] for r in rows], program_id=setup.program_id, today=today)
    rows = [r for r in rows if r[0] not in excluded]
    eligible_ids = [r[0] for r in rows]
    topics = topics_of(people_queries.person_list().filter(id__in=eligible_ids)) if eligible_ids else {}
    metric = None
    if setup.mode == "learning":
        metric = _metric_values(setup, eligible_ids, {r[0]: r[1] for r in rows})
    data = pool_from_people(rows, topics, today=today, metric=metric)
    for why in excluded.values():
        data.excluded[why] = data.excluded.get(why, 0) + 1
    return data


def pair_key(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def recent_pairs(setup: MatchingSetup, *, rounds: int) -> dict[tuple[int, int], int]:
    """Pairs of people put together in the last ``rounds`` published rounds -> how many rounds ago,
    and by other programs' rounds published within OTHER_PROGRAMS_WINDOW (as one round ago)."""
    if rounds <= 0:
        return {}
    recent = list(
        MatchRound.objects.filter(setup=setup, status__in=["published", "closed"])
        .order_by("-number")
        .values_list("id", flat=True)[:rounds]
    )
    ago = {round_id: position + 1 for position, round_id in enumerate(recent)}
    # Another program's round of the last weeks counts as the last round: nobody meets the same
    # peer twice in a month because two programs match them.
    since = timezone.now() - OTHER_PROGRAMS_WINDOW
    for round_id in (
        MatchRound.objects.filter(status__in=["published", "closed"], published_at__gte=since)
        .exclude(setup=setup)
        .values_list("id", flat=True)
    ):
        ago.setdefault(round_id, 1)
        recent.append(round_id)
    groups: dict[int, list[tuple[int, int]]] = {}
    for match_id, round_id, person_id in MatchMember.objects.filter(round_id__in=recent, dropped=False).values_list(
        "match_id", "round_id", "person_id"
    ):
        groups.setdefault(match_id, []).append((round_id, person_id))
    out: dict[tuple[int, int], int] = {}
    for members in groups.values():
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                key = pair_key(members[x][1], members[y][1])
                when = ago[members[x][0]]
                out[key] = min(out.get(key, when), when)
    return out


def blocked_pairs(person_ids: Iterable[int]) -> set[tuple[int, int]]:
    """Pairs one of whose people blocked the other."""
    ids = list(person_ids)
    through = MatchPreference.blocked.through
    rows = through.objects.filter(matchpreference__person_id__in=ids).values_list(
        "matchpreference__person_id", "person_id"
    )
    return {pair_key(a, b) for a, b in rows}
