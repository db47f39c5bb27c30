"""The additive part of a refresh: aggregates of the interaction stream that new rows add to.

A full refresh builds a :class:`Rollup` of its whole window; an incremental refresh builds one of
the rows that arrived since and :func:`merge` adds the two. Every figure of the dashboard except
the graph metrics (centralization, brokers, communities) is computed from a rollup, so an
incremental refresh gives the figures a full recompute of the same window gives.

People, units and regions are dense indices of one directory; a rollup is only valid with the
directory it was built with, which its ``fingerprint`` identifies. Pure numpy, no Django.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
import hashlib
import io
from typing import Any

import numpy as np

CLASSES = 5  # graph.FLOW_NAMES
VERSION = 1


def fingerprint(person_ids: np.ndarray, *arrays: np.ndarray) -> str:
    """A digest of the directory the indices refer to: people, their units, regions, levels, managers."""
    digest = hashlib.sha256(f"rollup-{VERSION}".encode())
    for array in (person_ids, *arrays):
        digest.update(np.ascontiguousarray(array, dtype=np.int64).tobytes())
        digest.update(b"|")
    return digest.hexdigest()


@dataclass
class Rollup:
    fingerprint: str
    start: int  # seconds: period 0 starts here
    month: int  # seconds in a period
    rows: int  # rows of the window, with or without a target
    pair_rows: int  # rows with a target: the flows
    last_id: int
    class_weight: np.ndarray  # float64[CLASSES]: interaction weight per flow class
    period_class_weight: np.ndarray  # float64[periods, CLASSES]
    period_rows: np.ndarray  # int64[periods]: flows per period
    unit_keys: np.ndarray  # int64: a * units + b of the unit pairs with weight
    unit_weight: np.ndarray  # float64
    units: int
    region_keys: np.ndarray
    region_weight: np.ndarray
    regions: int
    touched: np.ndarray  # bool[n]: took part in a flow, as actor or target
    stage: np.ndarray  # int8[n]: the deepest funnel stage reached, -1 none
    ev_id: np.ndarray  # the rows of the lesson and feedback-loop kinds, by id
    ev_kind: np.ndarray  # str
    ev_actor: np.ndarray
    ev_target: np.ndarray  # -1: none
    ev_at: np.ndarray
    ev_obj: np.ndarray  # str "type:id"


def _sparse(group: np.ndarray, a: np.ndarray, b: np.ndarray, w: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    ga, gb = group[a], group[b]
    keep = (ga >= 0) & (gb >= 0)
    return _sum_by_key(ga[keep] * size + gb[keep], w[keep])


def _sum_by_key(keys: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if len(keys) == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64)
    unique, inverse = np.unique(keys, return_inverse=True)
    return unique.astype(np.int64), np.bincount(inverse, weights=weights, minlength=len(unique))


def build(
    *,
    fingerprint: str,
    start: int,
    month: int,
    unit: np.ndarray,
    units: int,
    region: np.ndarray,
    regions: int,
    classes: np.ndarray,
    actor: np.ndarray,
    target: np.ndarray,
    at: np.ndarray,
    weight: np.ndarray,
    rows: int,
    last_id: int,
    stage_rows: tuple[np.ndarray, np.ndarray],
    events: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray],
) -> Rollup:
    """The rollup of some rows: ``actor``/``target``/``at``/``weight``/``classes`` are the flows (person
    indices, target known), ``unit``/``region`` the dense group code of every person (-1 none),
    ``stage_rows`` (person, stage) of every row, ``events`` (id, kind, actor, target, at, object)."""
    n = len(unit)
    period = np.maximum((at - start) // month, 0)
    periods = int(period.max()) + 1 if len(period) else 0
    period_class = np.bincount(period * CLASSES + classes, weights=weight, minlength=periods * CLASSES)
    touched = np.zeros(n, dtype=bool)
    touched[actor] = True
    touched[target] = True
    stage = np.full(n, -1, dtype=np.int8)
    np.maximum.at(stage, stage_rows[0], stage_rows[1].astype(np.int8))
    unit_keys, unit_weight = _sparse(unit, actor, target, weight, units)
    region_keys, region_weight = _sparse(region, actor, target, weight, regions)
    ev_id, ev_kind, ev_actor, ev_target, ev_at, ev_obj = events
    return Rollup(
        fingerprint=fingerprint,
        start=start,
        month=month,
        rows=rows,
        pair_rows=len(actor),
        last_id=last_id,
        class_weight=np.bincount(classes, weights=weight, minlength=CLASSES).astype(np.float64),
        period_class_weight=period_class.reshape(periods, CLASSES),
        period_rows=np.bincount(period, minlength=periods).astype(np.int64),
        unit_keys=unit_keys,
        unit_weight=unit_weight,
        units=units,
        region_keys=region_keys,
        region_weight=region_weight,
        regions=regions,
        touched=touched,
        stage=stage,
        ev_id=np.asarray(ev_id, dtype=np.int64),
        ev_kind=np.asarray(ev_kind, dtype=str),
        ev_actor=np.asarray(ev_actor, dtype=np.int64),
        ev_target=np.asarray(ev_target, dtype=np.int64),
        ev_at=np.asarray(ev_at, dtype=np.int64),
        ev_obj=np.asarray(ev_obj, dtype=str),
    )


def _pad(a: np.ndarray, length: int) -> np.ndarray:
    if len(a) >= length:
        return a
    return np.concatenate([a, np.zeros((length - len(a), *a.shape[1:]), dtype=a.dtype)])


def merge(old: Rollup, new: Rollup) -> Rollup:
    """The rollup of the rows of both (which must not share a row)."""
    if (old.fingerprint, old.start, old.month, old.units, old.regions) != (
        new.fingerprint,
        new.start,
        new.month,
        new.units,
        new.regions,
    ):
        raise ValueError("The rollups describe different directories or windows.")
    periods = max(len(old.period_rows), len(new.period_rows))
    order = np.lexsort((np.r_[old.ev_id, new.ev_id], np.r_[old.ev_at, new.ev_at]))
    unit_keys, unit_weight = _sum_by_key(np.r_[old.unit_keys, new.unit_keys], np.r_[old.unit_weight, new.unit_weight])
    region_keys, region_weight = _sum_by_key(
        np.r_[old.region_keys, new.region_keys], np.r_[old.region_weight, new.region_weight]
    )
    return Rollup(
        fingerprint=old.fingerprint,
        start=old.start,
        month=old.month,
        rows=old.rows + new.rows,
        pair_rows=old.pair_rows + new.pair_rows,
        last_id=max(old.last_id, new.last_id),
        class_weight=old.class_weight + new.class_weight,
        period_class_weight=_pad(old.period_class_weight, periods) + _pad(new.period_class_weight, periods),
        period_rows=_pad(old.period_rows, periods) + _pad(new.period_rows, periods),
        unit_keys=unit_keys,
        unit_weight=unit_weight,
        units=old.units,
        region_keys=region_keys,
        region_weight=region_weight,
        regions=old.regions,
        touched=old.touched | new.touched,
        stage=np.maximum(old.stage, new.stage),
        ev_id=np.r_[old.ev_id, new.ev_id][order],
        ev_kind=np.r_[old.ev_kind, new.ev_kind][order],
        ev_actor=np.r_[old.ev_actor, new.ev_actor][order],
        ev_target=np.r_[old.ev_target, new.ev_target][order],
        ev_at=np.r_[old.ev_at, new.ev_at][order],
        ev_obj=np.r_[old.ev_obj, new.ev_obj][order],
    )


def dense(keys: np.ndarray, weight: np.ndarray, size: int) -> np.ndarray:
    """The size x size matrix of a sparse one."""
    flat = np.zeros(size * size, dtype=np.float64)
    flat[keys] = weight
    return flat.reshape(size, size)


def to_bytes(rollups: dict[str, Rollup]) -> bytes:
    """Named rollups (the whole stream, each program's audience) as one uncompressed .npz file."""
    buffer = io.BytesIO()
    arrays: dict[str, Any] = {
        f"{name}/{f.name}": np.asarray(getattr(r, f.name)) for name, r in rollups.items() for f in fields(Rollup)
    }
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def from_bytes(blob: bytes) -> dict[str, Rollup]:
    scalars = {"fingerprint": str, "start": int, "month": int, "rows": int, "pair_rows": int, "last_id": int}
    scalars |= {"units": int, "regions": int}
    out: dict[str, dict[str, Any]] = {}
    with np.load(io.BytesIO(blob), allow_pickle=False) as stored:
        for key in stored.files:
            name, field_name = key.rsplit("/", 1)
            value = stored[key]
            out.setdefault(name, {})[field_name] = scalars[field_name](value[()]) if field_name in scalars else value
    return {name: Rollup(**values) for name, values in out.items()}
