"""A feedback worker run as its own process, for the kill -9 test (test_kill.py).

    python tests/feedback/kill_worker.py seed N       # an organization and N new items
    python tests/feedback/kill_worker.py work [K]     # drain the outbox; with K, stop forever
                                                      # inside the K-th batch, before its commit,
                                                      # after writing the file $KILL_MARKER
    python tests/feedback/kill_worker.py check        # print what was processed, as JSON

The database is the one DATABASE_URL names (SQLite file or PostgreSQL).
"""

import json
import os
from pathlib import Path
import sys
import time

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerloop.settings")

import django

django.setup()

from django.db.models import Count  # noqa: E402

from peerloop.core.models import Interaction  # noqa: E402
from peerloop.core.roles import SYSTEM  # noqa: E402
from peerloop.feedback import services  # noqa: E402
from peerloop.feedback.models import FeedbackItem, FeedbackTag, FeedbackTransition  # noqa: E402
from peerloop.feedback.services import processing  # noqa: E402
from peerloop.feedback.services.ingest import ItemInput, items_store  # noqa: E402
from peerloop.feedback.services.sources import source_for_kind  # noqa: E402
from peerloop.people import services as people_services  # noqa: E402
from peerloop.people.models import Person  # noqa: E402
from peerloop.vocabulary import services as vocabulary_services  # noqa: E402

BATCH = int(os.environ.get("KILL_BATCH", "500"))


def seed(n: int) -> None:
    region = people_services.region_create(actor=SYSTEM, name="Lima", code="lima")
    unit = people_services.unit_create(actor=SYSTEM, name="Sales Lima", code="sales-lima")
    for i in range(3):
        Person.objects.create(email=f"head{i}@example.org", name=f"Head {i}", role_family="sales", level=6,
                              unit=unit, region=region)  # fmt: skip
    topic = vocabulary_services.topic_create(actor=SYSTEM, name="Pricing", synonyms=["price"])
    services.rule_save(actor=SYSTEM, name="Pricing", role_family="sales", min_level=6, topic_id=topic.pk)
    source = source_for_kind(kind="api")
    inputs = [
        ItemInput(
            text=f"the price of order {i}" if i % 3 else f"a remark {i}", region_id=region.pk, idempotency_key=f"k{i}"
        )
        for i in range(n)
    ]
    items_store(source_id=source.pk, inputs=inputs, enqueue=False)


def work(stop_in: int | None) -> None:
    if stop_in is not None:
        original = processing.interaction_record_pairs
        calls = {"n": 0}

        def stalling(**kwargs):  # type: ignore[no-untyped-def]
            calls["n"] += 1
            if calls["n"] == stop_in:
                Path(os.environ["KILL_MARKER"]).write_text(str(os.getpid()))
                while True:  # inside the batch's transaction, until killed
                    time.sleep(1)
            return original(**kwargs)

        processing.interaction_record_pairs = stalling  # type: ignore[assignment]
    services.outbox_drain(batch=BATCH)


def check() -> None:
    per_item = FeedbackTransition.objects.filter(action="route").values("item_id").annotate(n=Count("id"))
    routed_events = Interaction.objects.filter(kind="feedback.routed").values("object_id").annotate(n=Count("id"))
    result = {
        "items": FeedbackItem.objects.count(),
        "new": FeedbackItem.objects.filter(state="new").count(),
        "routed": FeedbackItem.objects.filter(state="routed").count(),
        "with_owner": FeedbackItem.objects.filter(owner__isnull=False).count(),
        "route_rows": FeedbackTransition.objects.filter(action="route").count(),
        "items_routed_twice": sum(1 for r in per_item if r["n"] != 1),
        "tags": FeedbackTag.objects.count(),
        "routed_events": sum(r["n"] for r in routed_events),
        "items_with_two_events": sum(1 for r in routed_events if r["n"] != 1),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "seed":
        seed(int(sys.argv[2]))
    elif command == "work":
        work(int(sys.argv[2]) if len(sys.argv) > 2 else None)
    elif command == "check-then-work":  # one process start per round: the state first, then work
        check()
        sys.stdout.flush()
        work(int(sys.argv[2]))
    elif command == "check":
        check()
