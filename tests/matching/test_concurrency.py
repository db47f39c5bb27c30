"""Two owners publishing the same round at once: exactly one wins (PostgreSQL only: SQLite
serializes writers, so there is no race to test)."""

import threading

from django.db import connection, connections
import pytest

from peerloop.core.models import AuditEntry
from peerloop.matching import services
from peerloop.matching.models import MatchRound
from peerloop.notifications.models import Notification
from peerloop.people.queries import actor_for_user
from tests.matching.helpers import matching_program, owner_actor, people

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_publishes_one_wins(world):
    setup = matching_program(world)
    people(6)
    round_ = services.round_preview(actor=owner_actor(world), setup_id=setup.pk)
    actors = [owner_actor(world), actor_for_user(world.admin.user)]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def publish(actor):  # type: ignore[no-untyped-def]
        try:
            barrier.wait(timeout=10)
            services.round_publish(actor=actor, round_id=round_.pk)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=publish, args=(a,)) for a in actors]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert MatchRound.objects.get(pk=round_.pk).status == "published"
    assert AuditEntry.objects.filter(action="matching.round_publish").count() == 1
    assert Notification.objects.filter(kind="match.paired").count() == 6
