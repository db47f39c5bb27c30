"""Writes of insights: refreshing the analytics from the interaction stream and the directory.

Insights reads only the interaction stream (core) and the directory (people), so every module
that records what happened feeds it without knowing it. A refresh loads one window of the
stream into arrays, adds them up into a rollup (rollup.py), runs the pure functions of graph.py,
diffusion.py and impact.py, applies the privacy floor and stores a :class:`Snapshot` with its
rollup, which the next incremental refresh adds the new rows to.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
import math
import random
import time
from typing import Any

from django.db import connection, transaction
from django.db.models import BigIntegerField, Case, Func, QuerySet, Value, When
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
import numpy as np

from peerloop.core import queries as core_queries
from peerloop.core.permissions import require, require_internal
from peerloop.core.roles import SYSTEM, Actor
from peerloop.core.services import audit_record
from peerloop.insights import diffusion, graph, impact, rollup
from peerloop.insights import queries as snapshot_queries
from peerloop.insights.models import PersonViewGrant, Snapshot
from peerloop.insights.permissions import can_read_insights
from peerloop.people import queries as people_queries
from peerloop.programs import queries as programs_queries

MONTHS = 12
MONTH = timedelta(days=30)
TOP_BROKERS = 20
BROKER_SOURCES = 64  # betweenness estimated from this many sampled people (exact below that)
MAP_UNITS = 40  # the unit network map shows the units with most people
LESSON_POSTED = frozenset({"discussion.lesson_posted"})
LESSON_TAKEN_UP = frozenset({"discussion.lesson_endorsed", "discussion.lesson_adopted"})
LESSON_SHARED = "feedback.lesson_shared"
LOOP_STAGES = ("feedback.routed", "feedback.acknowledged", "feedback.closed")
FUNNEL_STEPS = (
    ("took part", None),
    ("met a peer", frozenset({"match.met"})),
    ("shared knowledge", frozenset({"discussion.answered", "discussion.lesson_posted", LESSON_SHARED})),
)
EVENT_KINDS = LESSON_POSTED | LESSON_TAKEN_UP | {LESSON_SHARED, *LOOP_STAGES}
# Figures of the person graph: a full refresh computes them, an incremental one carries them over.
READ_CHUNK = 100_000  # rows per fetch when reading the stream
GRAPH_FIGURES = ("degree_centralization", "communities", "modularity", "communities_vs_units")
# An incremental refresh becomes a full one once the rows added since the last full refresh pass
# this share of its rows: the graph metrics would be too stale.
FULL_REFRESH_SHARE = 0.1
CLOSED = "closed"  # a closed program's audience is not followed any more
Progress = Callable[[int, int], None]


@dataclass
class Directory:
    """The employees as person indices 0..n-1, with their units and regions as dense codes."""

    person_ids: np.ndarray
    org: graph.Org  # units and regions as ids
    coded: graph.Org  # units and regions as dense codes 0..k-1
    active: np.ndarray
    unit_ids: list[int]
    region_ids: list[int]
    unit_sizes: np.ndarray  # active people per unit code
    region_sizes: np.ndarray
    unit_names: dict[int, str]
    region_names: dict[int, str]
    audiences: dict[int, np.ndarray]  # program id -> bool per person: in the program's audience
    fingerprint: str


@dataclass
class Rows:
    """Rows of the stream read into arrays: the flows (rows with a target) and what else the figures need."""

    flows: graph.Stream
    rows: int
    last_id: int
    stage_rows: tuple[np.ndarray, np.ndarray]  # (person, funnel stage) of every row by an employee
    events: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _index(sorted_ids: np.ndarray, ids: np.ndarray) -> np.ndarray:
    pos = np.minimum(np.searchsorted(sorted_ids, ids), max(len(sorted_ids) - 1, 0))
    return np.where((len(sorted_ids) > 0) & (sorted_ids[pos] == ids), pos, -1)


def _groups(values: np.ndarray, active: np.ndarray) -> tuple[np.ndarray, list[int], np.ndarray]:
    """Dense codes 0..k-1 of the ids in ``values`` (-1 stays -1), the ids, and active people per code."""
    known = values >= 0
    ids, inverse = np.unique(values[known], return_inverse=True)
    code = np.full(len(values), -1, dtype=np.int64)
    code[known] = inverse
    sizes = np.bincount(code[known & active], minlength=len(ids))
    return code, ids.tolist(), sizes


def _directory() -> Directory:
    rows = list(
        people_queries.person_list(include_inactive=True)
        .filter(kind="employee")
        .order_by("id")
        .values_list("id", "unit_id", "region_id", "level", "manager_id", "active")
    )
    person_ids = np.array([r[0] for r in rows], dtype=np.int64)
    unit_ids = np.array([r[1] or -1 for r in rows], dtype=np.int64)
    region_ids = np.array([r[2] or -1 for r in rows], dtype=np.int64)
    level = np.array([r[3] or 0 for r in rows], dtype=np.int64)
    manager = _index(person_ids, np.array([r[4] or -1 for r in rows], dtype=np.int64))
    active = np.array([r[5] for r in rows], dtype=bool)
    unit_code, units, unit_sizes = _groups(unit_ids, active)
    region_code, regions, region_sizes = _groups(region_ids, active)
    audiences = _audiences(person_ids)
    audience_ids = [np.r_[program_id, np.flatnonzero(mask)] for program_id, mask in audiences.items()]
    return Directory(
        person_ids=person_ids,
        org=graph.Org(unit=unit_ids, region=region_ids, level=level, manager=manager),
        coded=graph.Org(unit=unit_code, region=region_code, level=level, manager=manager),
        active=active,
        unit_ids=units,
        region_ids=regions,
        unit_sizes=unit_sizes,
        region_sizes=region_sizes,
        unit_names={u.pk: u.name for u in people_queries.unit_list()},
        region_names={r.pk: r.name for r in people_queries.region_list()},
        audiences=audiences,
        fingerprint=rollup.fingerprint(person_ids, unit_ids, region_ids, level, manager, *audience_ids),
    )


def _audiences(person_ids: np.ndarray) -> dict[int, np.ndarray]:
    """The audience of every program that is not closed, as a mask over the employees."""
    out = {}
    for program in programs_queries.program_list().order_by("id"):
        if program.status == CLOSED:
            continue
        ids = np.fromiter(programs_queries.program_audience(program=program).values_list("id", flat=True), np.int64)
        out[program.pk] = np.isin(person_ids, ids)
    return out


class _EpochSeconds(Func):
    """A moment as whole seconds since 1970 (UTC), computed by the database: reading millions of
    rows, the conversion of each value to an aware datetime in Python cost more than the rest."""

    output_field = BigIntegerField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # The format is a parameter: a literal '%s' in the SQL would be taken for a placeholder.
        seconds = Func(Value("%s"), *self.get_source_expressions(), function="strftime")
        return Cast(seconds, BigIntegerField()).as_sql(compiler, connection)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="FLOOR(EXTRACT(EPOCH FROM %(expressions)s))::bigint", **extra)


def _read(directory: Directory, querysets: Iterable[QuerySet]) -> Rows:
    """The rows of the querysets of the interaction stream, as person indices of the directory.

    Millions of rows: the numbers (id, actor, target, moment in seconds, weight, funnel step)
    come through a plain cursor in chunks straight into arrays, the database turning the
    moments into seconds and the kinds into steps; the few rows of the lesson and loop kinds
    are read again with their kind and object."""
    steps = [(k, kinds) for k, (_, kinds) in enumerate(FUNNEL_STEPS) if kinds]
    step = Case(*(When(kind__in=sorted(kinds), then=Value(k)) for k, kinds in steps), default=Value(0))
    chunks: list[np.ndarray] = []
    ev_id, ev_kind, ev_actor, ev_target, ev_at, ev_obj = [], [], [], [], [], []
    for queryset in querysets:
        numbers = queryset.annotate(
            epoch=_EpochSeconds("occurred_at"), to=Coalesce("target_id", Value(-1)), step=step
        ).values_list("id", "actor_id", "to", "epoch", "weight", "step")
        sql, params = numbers.query.sql_with_params()
        with connection.chunked_cursor() as cursor:  # PostgreSQL: a server-side cursor, fetched in chunks
            cursor.execute(sql, params)
            while batch := cursor.fetchmany(READ_CHUNK):
                chunks.append(np.array(batch, dtype=np.float64).reshape(-1, 6))
        events = (
            queryset.filter(kind__in=sorted(EVENT_KINDS))
            .exclude(object_id="")
            .annotate(epoch=_EpochSeconds("occurred_at"))
            .values_list("id", "kind", "actor_id", "target_id", "epoch", "object_type", "object_id")
        )
        for row_id, k, a, t, seconds, otype, oid in events.iterator(chunk_size=10_000):
            ev_id.append(row_id)
            ev_kind.append(k)
            ev_actor.append(a)
            ev_target.append(t if t is not None else -1)
            ev_at.append(seconds)
            ev_obj.append(f"{otype}:{oid}")
    table = np.concatenate(chunks) if chunks else np.empty((0, 6), dtype=np.float64)
    # Ids, seconds and steps are exact in a float64 (below 2**53).
    row_ids, actor, target = table[:, 0].astype(np.int64), table[:, 1].astype(np.int64), table[:, 2].astype(np.int64)
    at, weight, stage = table[:, 3].astype(np.int64), table[:, 4], table[:, 5].astype(np.int64)
    last_id = int(row_ids.max()) if len(row_ids) else 0
    ids = directory.person_ids
    a_idx = _index(ids, actor)
    t_idx = np.where(target >= 0, _index(ids, target), -1)
    pair = (a_idx >= 0) & (t_idx >= 0)
    by_employee = a_idx >= 0
    e_actor = _index(ids, np.array(ev_actor, dtype=np.int64))
    e_target_raw = np.array(ev_target, dtype=np.int64)
    e_target = np.where(e_target_raw >= 0, _index(ids, e_target_raw), -1)
    keep = e_actor >= 0
    order = np.lexsort((np.array(ev_id, dtype=np.int64), np.array(ev_at, dtype=np.int64)))
    keep_order = order[keep[order]]
    return Rows(
        flows=graph.Stream(a_idx[pair], t_idx[pair], at[pair], weight[pair]),
        rows=len(actor),
        last_id=last_id,
        stage_rows=(a_idx[by_employee], stage[by_employee]),
        events=(
            np.array(ev_id, dtype=np.int64)[keep_order],
            np.array(ev_kind, dtype=str)[keep_order],
            e_actor[keep_order],
            e_target[keep_order],
            np.array(ev_at, dtype=np.int64)[keep_order],
            np.array(ev_obj, dtype=str)[keep_order],
        ),
    )


def _rollups(directory: Directory, rows: Rows, start: int) -> dict[str, rollup.Rollup]:
    """The rollup of the rows ("all") and of the flows of each program's audience ("program-<id>":
    the rows with someone of the audience at either end)."""
    flows = rows.flows
    classes = graph.flow_classes(directory.org, flows.actor, flows.target)
    common: dict[str, Any] = {
        "fingerprint": directory.fingerprint,
        "start": start,
        "month": int(MONTH.total_seconds()),
        "unit": directory.coded.unit,
        "units": len(directory.unit_ids),
        "region": directory.coded.region,
        "regions": len(directory.region_ids),
        "last_id": rows.last_id,
    }
    out = {
        "all": rollup.build(
            **common,
            classes=classes,
            actor=flows.actor,
            target=flows.target,
            at=flows.at,
            weight=flows.weight,
            rows=rows.rows,
            stage_rows=rows.stage_rows,
            events=rows.events,
        )
    }
    none = np.empty(0, dtype=np.int64)
    for program_id, mask in directory.audiences.items():
        keep = mask[flows.actor] | mask[flows.target]
        out[f"program-{program_id}"] = rollup.build(
            **common,
            classes=classes[keep],
            actor=flows.actor[keep],
            target=flows.target[keep],
            at=flows.at[keep],
            weight=flows.weight[keep],
            rows=int(keep.sum()),
            stage_rows=(none, none),
            events=(none, np.empty(0, dtype=str), none, none, none, np.empty(0, dtype=str)),
        )
    return out


def _matrix_json(matrix: np.ndarray, sizes: np.ndarray, ids: list[int], names: dict[int, str]) -> dict:
    """A mixing matrix under the privacy floor: groups of fewer than 5 people are left out."""
    keep = np.flatnonzero(~impact.below_floor(sizes))
    sub = matrix[np.ix_(keep, keep)]
    return {
        "labels": [names.get(ids[i], f"#{ids[i]}") for i in keep],
        "sizes": sizes[keep].tolist(),
        "values": sub.tolist(),
        "hidden_groups": int(len(ids) - len(keep)),
    }


def _monthly(r: rollup.Rollup, months: int) -> dict:
    weight = np.zeros((months, rollup.CLASSES))
    shown = min(months, len(r.period_rows))
    weight[:shown] = r.period_class_weight[:shown]
    volume = np.zeros(months, dtype=np.int64)
    volume[:shown] = r.period_rows[:shown]
    totals = weight.sum(axis=1)
    out: dict[str, list] = {}
    for code, name in enumerate(graph.FLOW_NAMES):
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(totals > 0, weight[:, code] / totals, np.nan)
        out[name] = [None if np.isnan(x) else round(float(x), 4) for x in share]
    out["interactions"] = volume.tolist()
    return out


def _seeded_layout(unit_graph: graph.ig.Graph) -> np.ndarray:
    """Fruchterman-Reingold positions, seeded so that the same units give the same map."""
    state = random.getstate()
    random.seed(1)  # igraph draws from Python's random module
    try:
        layout = unit_graph.layout_fruchterman_reingold(weights="weight" if unit_graph.ecount() else None)
    finally:
        random.setstate(state)
    return np.asarray(layout.coords, dtype=np.float64)


def _unit_map(directory: Directory, matrix: np.ndarray) -> dict:
    """Nodes (units of at least the floor, the largest MAP_UNITS) sized by people, edges by the
    interactions between them, colored by the community the units form, laid out server-side."""
    ids, sizes = directory.unit_ids, directory.unit_sizes
    eligible = np.flatnonzero(~impact.below_floor(sizes))
    chosen = eligible[np.argsort(-sizes[eligible], kind="stable")][:MAP_UNITS]
    chosen.sort()
    if len(chosen) == 0:
        return {"nodes": [], "edges": []}
    sub = matrix[np.ix_(chosen, chosen)]
    sym = sub + sub.T
    a, b = np.triu_indices(len(chosen), 1)
    w = sym[a, b]
    has = w > 0
    unit_graph = graph.ig.Graph(n=len(chosen), edges=list(zip(a[has].tolist(), b[has].tolist(), strict=True)))
    unit_graph.es["weight"] = w[has].astype(np.float64).tolist()
    membership = graph.communities(unit_graph, seed=1) if unit_graph.ecount() else np.arange(len(chosen))
    xy = _seeded_layout(unit_graph) if len(chosen) > 1 else np.zeros((1, 2))
    span = np.ptp(xy, axis=0)
    xy = (xy - xy.min(axis=0)) / np.where(span > 0, span, 1)
    nodes = [
        {
            "label": directory.unit_names.get(ids[u], f"#{ids[u]}"),
            "people": int(sizes[u]),
            "community": int(membership[i]),
            "x": round(float(xy[i, 0]), 4),
            "y": round(float(xy[i, 1]), 4),
        }
        for i, u in enumerate(chosen)
    ]
    edges = [{"a": int(x), "b": int(y), "weight": float(v)} for x, y, v in zip(a[has], b[has], w[has], strict=True)]
    return {"nodes": nodes, "edges": edges}


def _event_rows(r: rollup.Rollup, names: Iterable[str]) -> np.ndarray:
    return np.isin(r.ev_kind, list(names))


def _lessons(r: rollup.Rollup, unit: np.ndarray) -> dict:
    _, obj = np.unique(r.ev_obj, return_inverse=True) if len(r.ev_obj) else (None, np.empty(0, dtype=np.int64))
    obj = obj.astype(np.int64)
    posted = _event_rows(r, LESSON_POSTED)
    shared = _event_rows(r, {LESSON_SHARED})
    origin = posted | shared
    keys, first = np.unique(obj[origin], return_index=True)
    origin_rows = np.flatnonzero(origin)[first]
    taken = _event_rows(r, LESSON_TAKEN_UP)
    received = shared & (r.ev_target >= 0)
    result = diffusion.diffusion(
        lessons=keys,
        author=r.ev_actor[origin_rows],
        posted_at=r.ev_at[origin_rows],
        event_lesson=np.concatenate([obj[taken], obj[received]]),
        event_person=np.concatenate([r.ev_actor[taken], r.ev_target[received]]),
        event_at=np.concatenate([r.ev_at[taken], r.ev_at[received]]),
        unit=unit,
    )
    summary = result.summary()
    return {
        **{k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in summary.items()},
        "reach_curve": [round(float(x), 3) for x in result.reach_curve],
    }


def _loop(r: rollup.Rollup) -> list[dict]:
    _, obj = np.unique(r.ev_obj, return_inverse=True) if len(r.ev_obj) else (None, np.empty(0, dtype=np.int64))
    stage = np.full(len(r.ev_kind), -1)
    for k, name in enumerate(LOOP_STAGES):
        stage[r.ev_kind == name] = k
    keep = stage >= 0
    stages = diffusion.latency(
        obj=obj.astype(np.int64)[keep], stage=stage[keep], at=r.ev_at[keep], stages=len(LOOP_STAGES)
    )
    return [
        {
            "from": LOOP_STAGES[s.stage_from].split(".")[1],
            "to": LOOP_STAGES[s.stage_to].split(".")[1],
            "items": s.count,
            "median_hours": None if np.isnan(s.median_hours) else round(s.median_hours, 2),
            "p90_hours": None if np.isnan(s.p90_hours) else round(s.p90_hours, 2),
        }
        for s in stages
    ]


def _funnel(r: rollup.Rollup, active: np.ndarray) -> list[dict]:
    person = np.flatnonzero(r.stage >= 0)
    counts = diffusion.funnel(
        person=person, stage=r.stage[person].astype(np.int64), stages=len(FUNNEL_STEPS), population=int(active.sum())
    )
    labels = ["active employees", *(label for label, _ in FUNNEL_STEPS)]
    # Steps of fewer people than the floor are shown as "fewer than 5", never as a number.
    return [
        {"label": label, "people": int(c) if c >= impact.PRIVACY_FLOOR or c == 0 else None}
        for label, c in zip(labels, counts, strict=True)
    ]


def _mix(r: rollup.Rollup) -> dict[str, float]:
    whole = float(r.class_weight.sum())
    shares = r.class_weight / whole if whole > 0 else np.zeros(rollup.CLASSES)
    return {name: float(shares[i]) for i, name in enumerate(graph.FLOW_NAMES)} if r.pair_rows else {}


def _program_figures(directory: Directory, r: rollup.Rollup, mask: np.ndarray, months: int) -> dict:
    """The flows of a program's audience and its unit map (units of at least five of the audience)."""
    audience = mask & directory.active
    if impact.below_floor(np.array([int(audience.sum())]))[0]:
        return {"audience": int(audience.sum()), "hidden": True}
    known = directory.coded.unit >= 0
    sizes = np.bincount(directory.coded.unit[audience & known], minlength=len(directory.unit_ids))
    unit_matrix = rollup.dense(r.unit_keys, r.unit_weight, r.units)
    return {
        "audience": int(audience.sum()),
        "interactions": r.pair_rows,
        "flow_mix": _mix(r),
        "monthly": _monthly(r, months),
        "cross_unit_share": graph.cross_share(unit_matrix),
        "unit_map": _unit_map(replace(directory, unit_sizes=sizes), unit_matrix),
    }


def _figures(directory: Directory, rollups: dict[str, rollup.Rollup], months: int) -> dict:
    """Every figure of the dashboard but the graph metrics, from the rollups of the window."""
    r = rollups["all"]
    unit_matrix = rollup.dense(r.unit_keys, r.unit_weight, r.units)
    region_matrix = rollup.dense(r.region_keys, r.region_weight, r.regions)
    whole = float(r.class_weight.sum())
    programs = {
        str(program_id): _program_figures(directory, rollups[f"program-{program_id}"], mask, months)
        for program_id, mask in directory.audiences.items()
    }
    return {
        "flow_mix": _mix(r),
        "monthly": _monthly(r, months),
        "cross_unit_share": graph.cross_share(unit_matrix),
        "cross_region_share": graph.cross_share(region_matrix),
        "hub_share": float(r.class_weight[graph.VERTICAL] / whole) if r.pair_rows and whole > 0 else 0.0,
        "reporting_lines": int((directory.org.manager >= 0).sum()),
        "isolates": int((directory.active & ~r.touched).sum()),
        "unit_matrix": _matrix_json(unit_matrix, directory.unit_sizes, directory.unit_ids, directory.unit_names),
        "region_matrix": _matrix_json(
            region_matrix, directory.region_sizes, directory.region_ids, directory.region_names
        ),
        "unit_map": _unit_map(directory, unit_matrix),
        "lessons": _lessons(r, directory.org.unit),
        "feedback_loop": _loop(r),
        "funnel": _funnel(r, directory.active),
        "programs": programs,
    }


def _graph_figures(directory: Directory, flows: graph.Stream) -> tuple[dict, list[list[float]]]:
    """The metrics of the person graph, which new rows do not simply add to: recomputed by full refreshes."""
    n, active = directory.org.n, directory.active
    people_graph = graph.person_graph(n, flows)
    between = graph.brokers(people_graph, sources=BROKER_SOURCES if n > BROKER_SOURCES else None)
    membership = graph.communities(people_graph) if people_graph.ecount() else np.arange(n)
    data = {
        "degree_centralization": graph.degree_centralization(people_graph),
        "communities": len(np.unique(membership[active])) if active.any() else 0,
        "modularity": graph.modularity(people_graph, membership) if people_graph.ecount() else 0.0,
        "communities_vs_units": graph.agreement(membership[active], directory.coded.unit[active]),
    }
    top = np.argsort(-between, kind="stable")[:TOP_BROKERS]
    brokers = [[int(directory.person_ids[i]), round(float(between[i]), 6)] for i in top if between[i] > 0]
    return data, brokers


def _months(since: datetime, until: datetime) -> int:
    return max(1, math.ceil((until - since) / MONTH))


def _incremental_base(
    directory: Directory, now: datetime, months: int
) -> tuple[Snapshot, dict[str, rollup.Rollup]] | str:
    """The snapshot an incremental refresh adds to and its rollup, or why a full refresh is needed."""
    base = snapshot_queries.snapshot_with_rollup()
    if base is None or base.aggregates is None:
        return "no earlier refresh kept its aggregates"
    if base.window_end > now:
        return "the latest refresh is newer"
    if now - base.window_start > (months + 1) * MONTH:
        return "the window moved on by more than a month"
    try:
        stored = rollup.from_bytes(bytes(base.aggregates))
    except (ValueError, KeyError, TypeError):
        return "the stored aggregates are of another version"
    if "all" not in stored or stored["all"].fingerprint != directory.fingerprint:
        return "the directory or a program's audience changed"
    return base, stored


def snapshot_refresh(
    *,
    actor: Actor,
    months: int = MONTHS,
    now: datetime | None = None,
    since: datetime | None = None,
    incremental: bool = False,
    progress: Progress | None = None,
) -> Snapshot:
    """Refresh the analytics and store them as the newest snapshot.

    A full refresh recomputes the window of the last ``months`` months (from ``since`` when
    given). With ``incremental``, the rows recorded since the latest refresh are added to its
    stored aggregates and its window extended to ``now``; the graph metrics (centralization,
    communities, brokers) are carried over from the last full refresh. A full refresh is made
    instead when there are no aggregates to add to, the directory changed, the window would
    grow by more than a month, or the new rows since the last full refresh pass
    FULL_REFRESH_SHARE of its rows.
    """
    if actor != SYSTEM:
        require_internal(actor)
        require(can_read_insights(actor), message="Only leaders, program owners and admins refresh insights.")
    if not 1 <= months <= 36:
        raise ValueError("months must be between 1 and 36")
    started = time.perf_counter()
    now = now or timezone.now()
    if progress:
        progress(0, 3)
    directory = _directory()
    why_full = "asked for" if not incremental else "a window was given" if since else ""
    found = why_full or _incremental_base(directory, now, months)
    if isinstance(found, tuple):
        base, stored = found
        new = _read(
            directory,
            [
                core_queries.interaction_list(
                    since=base.window_start, until=base.window_end, after_id=stored["all"].last_id
                ),
                core_queries.interaction_list(since=base.window_end, until=now),
            ],
        )
        before = base.data.get("refresh", {})
        since_full = int(before.get("interactions_since_full", 0)) + new.rows
        rows_at_full = int(before.get("interactions_at_full", base.interactions))
        if since_full > FULL_REFRESH_SHARE * max(rows_at_full, 1):
            found = f"the new interactions passed {FULL_REFRESH_SHARE:.0%} of the last full refresh's"
    if not isinstance(found, tuple):
        window_start = since or now - months * MONTH
        rows = _read(directory, [core_queries.interaction_list(since=window_start, until=now)])
    if progress:
        progress(1, 3)  # read; then computed, then stored
    if isinstance(found, tuple):
        added = _rollups(directory, new, stored["all"].start)
        merged = {name: rollup.merge(stored[name], added[name]) for name in stored}
        window_start = base.window_start
        data = _figures(directory, merged, _months(window_start, now))
        data |= {k: base.data.get(k) for k in GRAPH_FIGURES}
        data["refresh"] = {
            "mode": "incremental",
            "new_interactions": new.rows,
            "graph_computed_at": before.get("graph_computed_at", base.computed_at.isoformat()),
            "interactions_at_full": rows_at_full,
            "interactions_since_full": since_full,
        }
        brokers = base.brokers
    else:
        merged = _rollups(directory, rows, int(window_start.timestamp()))
        data = _figures(directory, merged, _months(window_start, now))
        graph_data, brokers = _graph_figures(directory, rows.flows)
        data |= graph_data
        data["refresh"] = {
            "mode": "full",
            "why": found,
            "new_interactions": rows.rows,
            "graph_computed_at": timezone.now().isoformat(),
            "interactions_at_full": rows.rows,
            "interactions_since_full": 0,
        }
    if progress:
        progress(2, 3)
    blob = rollup.to_bytes(merged)
    with transaction.atomic():
        snapshot = Snapshot.objects.create(
            window_start=window_start,
            window_end=now,
            people=int(directory.active.sum()),
            interactions=merged["all"].rows,
            last_interaction_id=merged["all"].last_id,
            seconds=time.perf_counter() - started,
            data=data,
            brokers=brokers,
            aggregates=blob,
        )
        # Only the newest snapshot keeps its aggregates: the next refresh adds to those.
        Snapshot.objects.exclude(pk=snapshot.pk).exclude(aggregates=None).update(aggregates=None)
    return snapshot


def person_views_set(*, actor: Actor, enabled: bool) -> bool:
    """An admin turns person-level views (who the brokers are) on or off for themselves; audited."""
    require_internal(actor)
    require(actor.is_admin and actor.user_id is not None, message="Only admins can see person-level insights.")
    user_id = int(actor.user_id or 0)
    with transaction.atomic():
        if enabled:
            PersonViewGrant.objects.get_or_create(user_id=user_id)
        else:
            PersonViewGrant.objects.filter(user_id=user_id).delete()
        audit_record(
            actor=actor,
            action="insights.person_views_on" if enabled else "insights.person_views_off",
            object_type="insights",
            object_id="",
            object_repr="person-level views",
        )
    return enabled


def person_view_record(*, actor: Actor, what: str) -> None:
    """Every look at a person-level figure writes an audit row."""
    audit_record(actor=actor, action="insights.person_view", object_type="insights", object_id="", object_repr=what)
