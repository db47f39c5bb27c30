"""The interaction stream: one row per edge, append-only, all or nothing in bulk."""

from datetime import UTC, datetime

from django.db import transaction
import pytest

from peerloop.core.models import AppendOnlyError, Interaction
from peerloop.core.services import (
    InteractionEvent,
    interaction_record,
    interaction_record_many,
    interaction_record_pairs,
)
from tests.factories import PersonFactory

WHEN = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


@pytest.mark.django_db
def test_one_row_per_target_sharing_the_event():
    ana, bo, cy = PersonFactory.create_batch(3)
    rows = interaction_record(kind="meeting.held", actor_id=ana.pk, target_ids=[bo.pk, cy.pk], occurred_at=WHEN)
    stored = list(Interaction.objects.order_by("target_id").values_list("actor_id", "target_id", "kind", "occurred_at"))
    assert stored == [(ana.pk, bo.pk, "meeting.held", WHEN), (ana.pk, cy.pk, "meeting.held", WHEN)]
    assert rows[0].event_id == rows[1].event_id


@pytest.mark.django_db
def test_an_event_without_target_is_one_row():
    ana = PersonFactory()
    interaction_record(kind="space.joined", actor_id=ana.pk, space_id=7, object_type="space", object_id=7)
    row = Interaction.objects.get()
    assert (row.target_id, row.space_id, row.object_id) == (None, 7, "7")


@pytest.mark.django_db
def test_pairs_are_one_event_each_as_the_ordinary_writer_stores_them():
    """The batch writer (built by the server from arrays on PostgreSQL) stores what
    interaction_record stores for the same event, each pair an event of its own."""
    ana, bo = PersonFactory.create_batch(2)
    pairs = [(ana.pk, 11), (bo.pk, 12), (ana.pk, 13)]
    assert interaction_record_pairs(kind="item.routed", object_type="item", pairs=pairs, at=WHEN) == 3
    assert interaction_record_pairs(kind="item.routed", object_type="item", pairs=[], at=WHEN) == 0
    interaction_record(kind="item.routed", actor_id=ana.pk, object_type="item", object_id=11, occurred_at=WHEN)
    columns = ("kind", "actor_id", "target_id", "space_id", "object_type", "object_id", "weight", "occurred_at")
    rows = list(Interaction.objects.order_by("id").values_list(*columns))
    assert rows[:3] == [("item.routed", actor, None, None, "item", str(obj), 1.0, WHEN) for actor, obj in pairs]
    assert rows[3] == rows[0]
    assert Interaction.objects.values("event_id").distinct().count() == 4


@pytest.mark.django_db
def test_rows_are_append_only():
    ana = PersonFactory()
    (row,) = interaction_record(kind="message.sent", actor_id=ana.pk)
    row.kind = "edited"
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        row.delete()
    assert Interaction.objects.get().kind == "message.sent"


@pytest.mark.django_db
def test_negative_weight_is_refused():
    ana = PersonFactory()
    with pytest.raises(ValueError, match="weight"):
        interaction_record(kind="message.sent", actor_id=ana.pk, weight=-1)
    assert Interaction.objects.count() == 0


@pytest.mark.django_db
def test_many_events_in_batches():
    ana, bo = PersonFactory.create_batch(2)
    events = (
        InteractionEvent(kind="message.sent", actor_id=ana.pk, target_ids=[bo.pk], occurred_at=WHEN) for _ in range(7)
    )
    assert interaction_record_many(events=events, batch_size=3) == 7
    assert Interaction.objects.filter(actor=ana, target=bo, occurred_at=WHEN).count() == 7
    assert Interaction.objects.values("event_id").distinct().count() == 7


@pytest.mark.django_db(transaction=True)
def test_many_events_are_all_or_nothing():
    ana = PersonFactory()
    events = [
        InteractionEvent(kind="message.sent", actor_id=ana.pk),
        InteractionEvent(kind="message.sent", actor_id=ana.pk, weight=-2),
    ]
    with pytest.raises(ValueError), transaction.atomic():
        interaction_record_many(events=events, batch_size=1)
    assert Interaction.objects.count() == 0
