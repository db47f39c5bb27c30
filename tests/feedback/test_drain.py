"""One queued drain for many ingests: an ingest that commits within DRAIN_WINDOW of the drain
its process enqueued last enqueues nothing, and that drain keeps looking at the outbox until
after the window (``until``), so it takes those items."""

from huey.contrib.djhuey import HUEY
import pytest

from peerloop.feedback import services, tasks
from peerloop.feedback.models import FeedbackItem, ItemState
from peerloop.feedback.services import ingest, processing
from tests.feedback.helpers import actor_of, org

pytestmark = pytest.mark.django_db


class FakeTime:
    """The processor's clock: time passes only when it sleeps."""

    def __init__(self, during_sleep) -> None:
        self.now, self.sleeps, self.during_sleep = 1_000.0, 0, during_sleep

    def time(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps += 1
        self.now += seconds
        self.during_sleep(self.sleeps)


def test_a_drain_with_until_takes_what_commits_while_it_looks_and_stops_after_until(world, monkeypatch):
    org(world)
    actor = actor_of(world.program_owner)

    def ingest_on_the_second_sleep(sleeps: int) -> None:
        if sleeps == 2:  # stored while the drain looks, as a request whose enqueue was skipped
            with ingest.processing_deferred():
                services.items_ingest(actor=actor, records=[{"text": "Price too high", "region": "jakarta"}])

    clock = FakeTime(ingest_on_the_second_sleep)
    monkeypatch.setattr(processing, "time", clock)
    until = clock.now + 0.1
    assert processing.outbox_drain(until=until) == 1
    assert FeedbackItem.objects.get().state == ItemState.ROUTED
    assert clock.now >= until  # its last look began at or after until
    assert clock.sleeps <= 0.1 / processing.LINGER_POLL + 1


def test_a_drain_without_until_stops_at_the_first_empty_look(world, monkeypatch):
    clock = FakeTime(lambda sleeps: None)
    monkeypatch.setattr(processing, "time", clock)
    assert processing.outbox_drain() == 0
    assert clock.sleeps == 0


@pytest.fixture
def enqueued(monkeypatch) -> list[float | None]:
    """The drains enqueued (their ``until``), with the queue out of immediate mode."""
    calls: list[float | None] = []
    monkeypatch.setattr(tasks, "outbox_process_task", lambda until=None: calls.append(until))
    monkeypatch.setattr(HUEY, "immediate", False)
    monkeypatch.setattr(ingest, "_window_ends", 0.0)
    return calls


def test_ingests_within_the_window_enqueue_one_drain_that_looks_past_the_window(
    world, monkeypatch, enqueued, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(ingest, "DRAIN_WINDOW", 30.0)  # longer than any slow machine needs for three ingests
    actor = actor_of(world.program_owner)
    for n in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            services.items_ingest(actor=actor, records=[{"text": f"Price {n}"}])
    assert len(enqueued) == 1
    assert enqueued[0] is not None and enqueued[0] >= ingest._window_ends + ingest.DRAIN_OVERLAP
    assert FeedbackItem.objects.filter(state=ItemState.NEW).count() == 3  # left to that drain


def test_once_the_window_has_closed_the_next_ingest_enqueues_again(
    world, monkeypatch, enqueued, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(ingest, "DRAIN_WINDOW", 0.0)
    actor = actor_of(world.program_owner)
    for n in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            services.items_ingest(actor=actor, records=[{"text": f"Price {n}"}])
    assert len(enqueued) == 3


def test_nothing_is_enqueued_before_the_commit(world, enqueued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.items_ingest(actor=actor_of(world.program_owner), records=[{"text": "Price"}])
    assert enqueued == [] and len(callbacks) == 1
