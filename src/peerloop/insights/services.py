"""Writes of insights: refreshing the analytics from the interaction stream and the directory.

Insights reads only the interaction stream (core) and the directory (people), so every module
that records what happened feeds it without knowing it. A refresh loads one window of the
stream into arrays, runs the pure functions of graph.py, diffusion.py and impact.py, applies
the privacy floor and stores a :class:`Snapshot`.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
import time

from django.db import transaction
from django.utils import timezone
import numpy as np

from peerloop.core import queries as core_queries
from peerloop.core.permissions import require, require_internal
from peerloop.core.roles import SYSTEM, Actor
from peerloop.core.services import audit_record
from peerloop.insights import diffusion, graph, impact
from peerloop.insights.models import PersonViewGrant, Snapshot
from peerloop.insights.permissions import can_read_insights
from peerloop.people import queries as people_queries

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
Progress = Callable[[int, int], None]


@dataclass
class Loaded:
    """The directory and one window of the stream, as arrays of person indices."""

    person_ids: np.ndarray
    org: graph.Org
    active: np.ndarray
    unit_names: dict[int, str]
    region_names: dict[int, str]
    stream: graph.Stream  # rows with a target
    kind: np.ndarray  # the kind code of every row (with or without a target)
    kinds: list[str]
    actor: np.ndarray  # every row's actor index
    target: np.ndarray  # every row's target index (-1: none)
    at: np.ndarray
    obj: np.ndarray  # the row's object ("type:id") code
    last_id: int


def _index(sorted_ids: np.ndarray, ids: np.ndarray) -> np.ndarray:
    pos = np.minimum(np.searchsorted(sorted_ids, ids), max(len(sorted_ids) - 1, 0))
    return np.where((len(sorted_ids) > 0) & (sorted_ids[pos] == ids), pos, -1)


def _load(since: datetime, until: datetime) -> Loaded:
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
    org = graph.Org(unit=unit_ids, region=region_ids, level=level, manager=manager)
    kinds: dict[str, int] = {}
    objects: dict[str, int] = {}
    actor, target, at, weight, kind, obj, last_id = [], [], [], [], [], [], 0
    stream = core_queries.interaction_list(since=since, until=until).values_list(
        "id", "actor_id", "target_id", "occurred_at", "weight", "kind", "object_type", "object_id"
    )
    for row_id, a, t, when, w, k, otype, oid in stream.iterator(chunk_size=10_000):
        actor.append(a)
        target.append(t or -1)
        at.append(int(when.timestamp()))
        weight.append(w)
        kind.append(kinds.setdefault(k, len(kinds)))
        obj.append(objects.setdefault(f"{otype}:{oid}", len(objects)) if oid else -1)
        last_id = max(last_id, row_id)
    a_idx = _index(person_ids, np.array(actor, dtype=np.int64))
    t_raw = np.array(target, dtype=np.int64)
    t_idx = np.where(t_raw >= 0, _index(person_ids, t_raw), -1)
    at_arr = np.array(at, dtype=np.int64)
    w_arr = np.array(weight, dtype=np.float64)
    pair = (a_idx >= 0) & (t_idx >= 0)
    names = {u.pk: u.name for u in people_queries.unit_list()}
    regions = {r.pk: r.name for r in people_queries.region_list()}
    return Loaded(
        person_ids=person_ids,
        org=org,
        active=active,
        unit_names=names,
        region_names=regions,
        stream=graph.Stream(a_idx[pair], t_idx[pair], at_arr[pair], w_arr[pair]),
        kind=np.array(kind, dtype=np.int64),
        kinds=list(kinds),
        actor=a_idx,
        target=t_idx,
        at=at_arr,
        obj=np.array(obj, dtype=np.int64),
        last_id=last_id,
    )


def _codes(loaded: Loaded, names: Iterable[str]) -> np.ndarray:
    lookup = {k: i for i, k in enumerate(loaded.kinds)}
    return np.array([lookup[n] for n in names if n in lookup], dtype=np.int64)


def _rows(loaded: Loaded, names: Iterable[str]) -> np.ndarray:
    return np.isin(loaded.kind, _codes(loaded, names)) & (loaded.actor >= 0)


def _groups(values: np.ndarray, active: np.ndarray) -> tuple[np.ndarray, list[int], np.ndarray]:
    """Dense codes 0..k-1 of the ids in ``values`` (-1 stays -1), the ids, and active people per code."""
    known = values >= 0
    ids, inverse = np.unique(values[known], return_inverse=True)
    code = np.full(len(values), -1, dtype=np.int64)
    code[known] = inverse
    sizes = np.bincount(code[known & active], minlength=len(ids))
    return code, ids.tolist(), sizes


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


def _monthly(loaded: Loaded, classes: np.ndarray, start: int, months: int) -> dict:
    period = graph.periods(loaded.stream.at, start, int(MONTH.total_seconds()), months)
    out = {}
    for code, name in enumerate(graph.FLOW_NAMES):
        share = graph.trend((classes == code).astype(float), period, months, loaded.stream.weight)
        out[name] = [None if np.isnan(x) else round(float(x), 4) for x in share]
    volume = np.bincount(period[period >= 0], minlength=months)
    out["interactions"] = volume.tolist()
    return out


def _unit_map(loaded: Loaded, ids: list[int], sizes: np.ndarray, matrix: np.ndarray) -> dict:
    """Nodes (units of at least the floor, the largest MAP_UNITS) sized by people, edges by the
    interactions between them, colored by the community the units form, laid out server-side."""
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
    layout = unit_graph.layout_fruchterman_reingold(weights="weight" if unit_graph.ecount() else None, seed=None)
    xy = np.asarray(layout.coords, dtype=np.float64) if len(chosen) > 1 else np.zeros((1, 2))
    span = np.ptp(xy, axis=0)
    xy = (xy - xy.min(axis=0)) / np.where(span > 0, span, 1)
    nodes = [
        {
            "label": loaded.unit_names.get(ids[u], f"#{ids[u]}"),
            "people": int(sizes[u]),
            "community": int(membership[i]),
            "x": round(float(xy[i, 0]), 4),
            "y": round(float(xy[i, 1]), 4),
        }
        for i, u in enumerate(chosen)
    ]
    edges = [{"a": int(x), "b": int(y), "weight": float(v)} for x, y, v in zip(a[has], b[has], w[has], strict=True)]
    return {"nodes": nodes, "edges": edges}


def _lessons(loaded: Loaded) -> dict:
    posted = _rows(loaded, LESSON_POSTED) & (loaded.obj >= 0)
    shared = _rows(loaded, {LESSON_SHARED}) & (loaded.obj >= 0)
    origin = posted | shared
    keys, first = np.unique(loaded.obj[origin], return_index=True)
    origin_rows = np.flatnonzero(origin)[first]
    taken = _rows(loaded, LESSON_TAKEN_UP) & (loaded.obj >= 0)
    received = shared & (loaded.target >= 0)
    result = diffusion.diffusion(
        lessons=keys,
        author=loaded.actor[origin_rows],
        posted_at=loaded.at[origin_rows],
        event_lesson=np.concatenate([loaded.obj[taken], loaded.obj[received]]),
        event_person=np.concatenate([loaded.actor[taken], loaded.target[received]]),
        event_at=np.concatenate([loaded.at[taken], loaded.at[received]]),
        unit=loaded.org.unit,
    )
    summary = result.summary()
    return {
        **{k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in summary.items()},
        "reach_curve": [round(float(x), 3) for x in result.reach_curve],
    }


def _loop(loaded: Loaded) -> list[dict]:
    stage = np.full(len(loaded.kind), -1)
    for k, name in enumerate(LOOP_STAGES):
        stage[_rows(loaded, {name})] = k
    keep = (stage >= 0) & (loaded.obj >= 0)
    stages = diffusion.latency(obj=loaded.obj[keep], stage=stage[keep], at=loaded.at[keep], stages=len(LOOP_STAGES))
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


def _funnel(loaded: Loaded) -> list[dict]:
    stage = np.full(len(loaded.kind), -1)
    stage[loaded.actor >= 0] = 0
    for k, (_, kinds) in enumerate(FUNNEL_STEPS[1:], start=1):
        if kinds:
            stage[_rows(loaded, kinds)] = np.maximum(stage[_rows(loaded, kinds)], k)
    keep = stage >= 0
    counts = diffusion.funnel(
        person=loaded.actor[keep], stage=stage[keep], stages=len(FUNNEL_STEPS), population=int(loaded.active.sum())
    )
    labels = ["active employees", *(label for label, _ in FUNNEL_STEPS)]
    # Steps of fewer people than the floor are shown as "fewer than 5", never as a number.
    return [
        {"label": label, "people": int(c) if c >= impact.PRIVACY_FLOOR or c == 0 else None}
        for label, c in zip(labels, counts, strict=True)
    ]


def _compute(loaded: Loaded, start: int, months: int) -> tuple[dict, list[list[float]]]:
    org, stream = loaded.org, loaded.stream
    classes = graph.flow_classes(org, stream.actor, stream.target)
    unit_code, unit_ids, unit_sizes = _groups(org.unit, loaded.active)
    region_code, region_ids, region_sizes = _groups(org.region, loaded.active)
    coded = graph.Org(unit=unit_code, region=region_code, level=org.level, manager=org.manager)
    unit_matrix = graph.mix_matrix(coded.unit, stream, len(unit_ids))
    region_matrix = graph.mix_matrix(coded.region, stream, len(region_ids))
    people_graph = graph.person_graph(org.n, stream)
    between = graph.brokers(people_graph, sources=BROKER_SOURCES if org.n > BROKER_SOURCES else None)
    membership = graph.communities(people_graph) if people_graph.ecount() else np.arange(org.n)
    touched = graph.isolates(org.n, stream, loaded.active)
    data = {
        "flow_mix": graph.flow_mix(classes, stream.weight) if len(stream) else {},
        "monthly": _monthly(loaded, classes, start, months),
        "cross_unit_share": graph.cross_share(unit_matrix),
        "cross_region_share": graph.cross_share(region_matrix),
        "hub_share": graph.hub_share(coded, stream, classes),
        "reporting_lines": int((org.manager >= 0).sum()),
        "degree_centralization": graph.degree_centralization(people_graph),
        "isolates": len(touched),
        "communities": len(np.unique(membership[loaded.active])) if loaded.active.any() else 0,
        "modularity": graph.modularity(people_graph, membership) if people_graph.ecount() else 0.0,
        "communities_vs_units": graph.agreement(membership[loaded.active], unit_code[loaded.active]),
        "unit_matrix": _matrix_json(unit_matrix, unit_sizes, unit_ids, loaded.unit_names),
        "region_matrix": _matrix_json(region_matrix, region_sizes, region_ids, loaded.region_names),
        "unit_map": _unit_map(loaded, unit_ids, unit_sizes, unit_matrix),
        "lessons": _lessons(loaded),
        "feedback_loop": _loop(loaded),
        "funnel": _funnel(loaded),
    }
    top = np.argsort(-between, kind="stable")[:TOP_BROKERS]
    brokers = [[int(loaded.person_ids[i]), round(float(between[i]), 6)] for i in top if between[i] > 0]
    return data, brokers


def snapshot_refresh(
    *, actor: Actor, months: int = MONTHS, now: datetime | None = None, progress: Progress | None = None
) -> Snapshot:
    """Recompute the analytics of the last ``months`` months and store them as the newest snapshot."""
    if actor != SYSTEM:
        require_internal(actor)
        require(can_read_insights(actor), message="Only leaders, program owners and admins refresh insights.")
    if not 1 <= months <= 36:
        raise ValueError("months must be between 1 and 36")
    started = time.perf_counter()
    now = now or timezone.now()
    since = now - months * MONTH
    if progress:
        progress(0, 3)
    loaded = _load(since, now)
    if progress:
        progress(1, 3)
    data, brokers = _compute(loaded, int(since.timestamp()), months)
    if progress:
        progress(2, 3)
    with transaction.atomic():
        snapshot = Snapshot.objects.create(
            window_start=since,
            window_end=now,
            people=int(loaded.active.sum()),
            interactions=len(loaded.kind),
            last_interaction_id=loaded.last_id,
            seconds=time.perf_counter() - started,
            data=data,
            brokers=brokers,
        )
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
