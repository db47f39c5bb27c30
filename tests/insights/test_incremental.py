"""Incremental refreshes: the rows recorded since the latest refresh added to its stored rollup give
the figures a full recompute of the same window gives, on a real stream in the database."""

from datetime import timedelta
import math
import random

from django.utils import timezone
import pytest

from peerloop.core.models import Job
from peerloop.core.roles import SYSTEM
from peerloop.core.services import InteractionEvent, interaction_record_many
from peerloop.insights import services
from peerloop.insights.models import Snapshot
from tests.factories import PersonFactory, ProgramFactory, RegionFactory, UnitFactory

T0 = timezone.now().replace(microsecond=0)
KINDS = [
    "message.sent",
    "message.sent",
    "match.met",
    "discussion.answered",
    "discussion.lesson_posted",
    "discussion.lesson_endorsed",
    "discussion.lesson_adopted",
    "feedback.lesson_shared",
    "feedback.routed",
    "feedback.acknowledged",
    "feedback.closed",
]


@pytest.fixture
def people(db):
    """Four units of six people in two regions, each unit with a head at level 6 reporting to a
    director; one unit of three (under the privacy floor) and a customer (not an employee)."""
    regions = [RegionFactory(name="North"), RegionFactory(name="South")]
    director = PersonFactory(name="Director", level=8, unit=UnitFactory(name="Board"), region=regions[0])
    everyone = [director]
    for u in range(5):
        unit = UnitFactory(name=f"Unit {u}")
        head = PersonFactory(unit=unit, level=6, manager=director, region=regions[u % 2])
        size = 5 if u < 4 else 2
        members = [PersonFactory(unit=unit, level=4 + k % 2, manager=head, region=regions[u % 2]) for k in range(size)]
        everyone += [head, *members]
    customer = PersonFactory(kind="customer", unit=None, region=None, level=None)
    # A program for units 0 and 1 (12 people) and one for everyone.
    ProgramFactory(
        name="Across two units",
        owner=director,
        audience_filter={"unit_ids": [everyone[1].unit_id, everyone[7].unit_id]},
    )
    ProgramFactory(name="Everyone", owner=director)
    return [p.pk for p in everyone] + [customer.pk]


def events(rng: random.Random, ids: list[int], count: int, *, newest: float, oldest: float) -> list[InteractionEvent]:
    """``count`` events at random times from ``oldest`` to ``newest`` days before T0 (negative: after)."""
    out = []
    for _ in range(count):
        kind = rng.choice(KINDS)
        targets = rng.sample(ids, rng.choice([0, 1, 1, 2]))
        out.append(
            InteractionEvent(
                kind=kind,
                actor_id=rng.choice(ids),
                target_ids=targets,
                object_type="thing" if kind != "message.sent" else "",
                object_id=str(rng.randrange(6)) if kind != "message.sent" else "",
                weight=rng.choice([0.5, 1.0, 1.0, 2.0]),
                occurred_at=T0 - timedelta(days=rng.uniform(newest, oldest)),
            )
        )
    return out


def close(a, b, path="data"):
    """Equal, floats to 1e-9 relative (sums added in another order)."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), path
        for key in a:
            close(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), path
        for k, (x, y) in enumerate(zip(a, b, strict=True)):
            close(x, y, f"{path}[{k}]")
    elif isinstance(a, float) and isinstance(b, float) and not (math.isnan(a) and math.isnan(b)):
        assert a == pytest.approx(b, rel=1e-9, abs=1e-12), path
    else:
        assert a == b, path


def figures(snapshot: Snapshot) -> dict:
    return {k: v for k, v in snapshot.data.items() if k not in {"refresh", *services.GRAPH_FIGURES}}


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_an_incremental_refresh_gives_what_a_full_recompute_of_the_window_gives(people, seed):
    rng = random.Random(seed)
    interaction_record_many(events=events(rng, people, 400, newest=0.01, oldest=355))
    first = services.snapshot_refresh(actor=SYSTEM, now=T0)
    assert first.data["refresh"]["mode"] == "full"
    # New rows: after the first refresh, backdated into its window, before the window (left out)
    # and after the second refresh (left out).
    later = events(rng, people, 12, newest=-1.9, oldest=-0.01)
    backdated = events(rng, people, 12, newest=1, oldest=300)
    outside = events(rng, people, 5, newest=400, oldest=500) + events(rng, people, 5, newest=-4, oldest=-3)
    interaction_record_many(events=later + backdated + outside)
    t1 = T0 + timedelta(days=2)

    incremental = services.snapshot_refresh(actor=SYSTEM, now=t1, incremental=True)
    full = services.snapshot_refresh(actor=SYSTEM, now=t1, since=first.window_start)

    assert incremental.data["refresh"]["mode"] == "incremental"
    assert incremental.data["refresh"]["new_interactions"] == incremental.interactions - first.interactions > 0
    assert (incremental.window_start, incremental.window_end) == (full.window_start, full.window_end)
    assert incremental.interactions == full.interactions
    assert incremental.last_interaction_id == full.last_interaction_id
    assert len(incremental.data["monthly"]["interactions"]) == 13  # the window grew by two days
    close(figures(incremental), figures(full))
    programs = incremental.data["programs"]
    assert sorted(p["audience"] for p in programs.values()) == [12, 28]  # employees only
    assert all(0 < p["interactions"] < incremental.interactions for p in programs.values())
    # The graph metrics and brokers are the first refresh's until the next full one.
    for key in services.GRAPH_FIGURES:
        assert incremental.data[key] == first.data[key], key
    assert incremental.brokers == first.brokers
    assert incremental.data["refresh"]["graph_computed_at"] == first.data["refresh"]["graph_computed_at"]


def test_incremental_refreshes_chain_and_only_the_newest_snapshot_keeps_aggregates(people):
    rng = random.Random(7)
    interaction_record_many(events=events(rng, people, 300, newest=1, oldest=300))
    first = services.snapshot_refresh(actor=SYSTEM, now=T0)
    steps = []
    for day in (1, 2, 3):
        interaction_record_many(events=events(rng, people, 8, newest=-day + 0.01, oldest=-day + 0.99))
        steps.append(services.snapshot_refresh(actor=SYSTEM, now=T0 + timedelta(days=day), incremental=True))
    assert [s.data["refresh"]["mode"] for s in steps] == ["incremental"] * 3
    assert steps[-1].data["refresh"]["interactions_since_full"] == steps[-1].interactions - first.interactions
    full = services.snapshot_refresh(actor=SYSTEM, now=T0 + timedelta(days=3), since=first.window_start)
    close(figures(steps[-1]), figures(full))
    assert list(Snapshot.objects.exclude(aggregates=None).values_list("pk", flat=True)) == [full.pk]


def test_a_refresh_is_full_when_the_directory_changed_the_rows_grew_or_the_window_moved_on(people):
    rng = random.Random(3)
    interaction_record_many(events=events(rng, people, 100, newest=1, oldest=300))
    services.snapshot_refresh(actor=SYSTEM, now=T0)
    # More new rows than FULL_REFRESH_SHARE of the last full refresh's: a full one.
    interaction_record_many(events=events(rng, people, 20, newest=-0.9, oldest=-0.1))
    grown = services.snapshot_refresh(actor=SYSTEM, now=T0 + timedelta(days=1), incremental=True)
    assert grown.data["refresh"]["mode"] == "full" and "passed 10%" in grown.data["refresh"]["why"]
    assert grown.window_start == T0 + timedelta(days=1) - services.MONTHS * services.MONTH
    # Someone moved to another unit: the flows' classes changed, a full refresh.
    PersonFactory._meta.model.objects.filter(pk=people[3]).update(unit=UnitFactory(name="Elsewhere"))
    moved = services.snapshot_refresh(actor=SYSTEM, now=T0 + timedelta(days=2), incremental=True)
    assert moved.data["refresh"] == moved.data["refresh"] | {"mode": "full", "why": moved.data["refresh"]["why"]}
    assert "directory" in moved.data["refresh"]["why"]
    # Nothing new, same directory: incremental, nothing added.
    same = services.snapshot_refresh(actor=SYSTEM, now=T0 + timedelta(days=3), incremental=True)
    assert same.data["refresh"]["mode"] == "incremental" and same.data["refresh"]["new_interactions"] == 0
    # Forty days on, the window would span more than a month beyond its twelve: a full refresh.
    moved_on = services.snapshot_refresh(actor=SYSTEM, now=T0 + timedelta(days=45), incremental=True)
    assert moved_on.data["refresh"]["why"] == "the window moved on by more than a month"


def test_the_refresh_people_start_from_the_page_is_incremental(people, world, client_as):
    rng = random.Random(5)
    interaction_record_many(events=events(rng, people, 100, newest=1, oldest=300))
    services.snapshot_refresh(actor=SYSTEM)
    client_as("leader").post("/insights/refresh/")
    job = Job.objects.get(kind="insights.refresh")
    assert job.status == "succeeded"
    latest = Snapshot.objects.get(pk=job.result["snapshot_id"])
    assert latest.data["refresh"]["mode"] == "incremental"
    page = client_as("leader").get("/insights/").content.decode()
    assert "0 new interactions added to the last full refresh" in page


def test_the_stored_rollup_reads_back_as_it_was_written(people):
    rng = random.Random(9)
    recorded = events(rng, people, 50, newest=1, oldest=300)
    interaction_record_many(events=recorded)
    snapshot = services.snapshot_refresh(actor=SYSTEM, now=T0)
    blob = bytes(Snapshot.objects.get(pk=snapshot.pk).aggregates)
    stored = services.rollup.from_bytes(blob)["all"]
    assert stored.rows == snapshot.interactions == sum(max(1, len(e.target_ids)) for e in recorded)
    assert stored.last_id == snapshot.last_interaction_id
    assert services.rollup.to_bytes(services.rollup.from_bytes(blob)) == blob
