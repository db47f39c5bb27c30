"""The rollup of some rows merged with the rollup of others equals the rollup of all of them."""

from hypothesis import given, settings
from hypothesis import strategies as st
import numpy as np
import pytest

from peerloop.insights import rollup

MONTH = 30 * 86400


def rows(rng: np.random.Generator, m: int, n: int, first_id: int):
    actor, target = rng.integers(0, n, m), rng.integers(0, n, m)
    at = rng.integers(0, 14 * MONTH, m)
    kinds = np.array(["feedback.routed", "feedback.closed", "discussion.lesson_posted"])
    ev = rng.random(m) < 0.3
    ids = np.arange(first_id, first_id + m)
    return {
        "classes": rng.integers(0, rollup.CLASSES, m),
        "actor": actor,
        "target": target,
        "at": at,
        "weight": rng.choice([0.5, 1.0, 2.0], m),
        "rows": m + 3,
        "last_id": int(ids.max()) if m else 0,
        "stage_rows": (actor, rng.integers(0, 3, m)),
        "events": (
            ids[ev],
            kinds[rng.integers(0, 3, int(ev.sum()))],
            actor[ev],
            target[ev],
            at[ev],
            np.array([f"thing:{k % 5}" for k in ids[ev]], dtype=str),
        ),
    }


def build(part: dict, unit: np.ndarray, region: np.ndarray) -> rollup.Rollup:
    return rollup.build(fingerprint="f", start=0, month=MONTH, unit=unit, units=4, region=region, regions=2, **part)


def cat(a: dict, b: dict) -> dict:
    def join(x, y):
        return tuple(np.r_[p, q] for p, q in zip(x, y, strict=True)) if isinstance(x, tuple) else np.r_[x, y]

    out = {k: join(a[k], b[k]) for k in ("classes", "actor", "target", "at", "weight", "stage_rows", "events")}
    ev = out["events"]
    order = np.lexsort((ev[0], ev[4]))
    out["events"] = tuple(x[order] for x in ev)
    return out | {"rows": a["rows"] + b["rows"], "last_id": max(a["last_id"], b["last_id"])}


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), m1=st.integers(0, 300), m2=st.integers(0, 300))
def test_merge_is_the_rollup_of_all_rows(seed, m1, m2):
    rng = np.random.default_rng(seed)
    n = 30
    unit, region = rng.integers(-1, 4, n), rng.integers(-1, 2, n)
    a, b = rows(rng, m1, n, 1), rows(rng, m2, n, 10_000)
    merged, whole = rollup.merge(build(a, unit, region), build(b, unit, region)), build(cat(a, b), unit, region)
    for name in rollup.Rollup.__dataclass_fields__:
        x, y = getattr(merged, name), getattr(whole, name)
        if isinstance(x, np.ndarray) and x.dtype.kind == "f":
            assert np.allclose(x, y), name
        elif isinstance(x, np.ndarray):
            assert np.array_equal(x, y), name
        else:
            assert x == y, name
    assert (
        rollup.from_bytes(rollup.to_bytes({"all": merged}))["all"].unit_weight.tolist() == merged.unit_weight.tolist()
    )


def test_rollups_of_other_directories_do_not_merge():
    rng = np.random.default_rng(0)
    unit, region = rng.integers(0, 4, 10), rng.integers(0, 2, 10)
    part = rows(rng, 20, 10, 1)
    other = rollup.build(fingerprint="g", start=0, month=MONTH, unit=unit, units=4, region=region, regions=2, **part)
    with pytest.raises(ValueError, match="different directories"):
        rollup.merge(build(part, unit, region), other)
