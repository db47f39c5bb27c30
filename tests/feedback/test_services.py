"""The loop's services: routing, the state machine, audit rows and stream events,
lessons to peers, SLA, owners who leave, the fallback and triage queues."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.utils import timezone
import pytest

from peerloop.core.models import AppendOnlyError, Interaction
from peerloop.feedback import queries, services, tagging
from peerloop.feedback.models import FeedbackItem, FeedbackTag, FeedbackTransition, ItemState, Lesson
from peerloop.feedback.services import processing
from peerloop.feedback.services.ingest import ItemInput, items_store, processing_deferred
from peerloop.feedback.services.sources import source_for_kind
from peerloop.notifications.models import Notification
from peerloop.people.models import Person
from peerloop.vocabulary.models import Topic
from tests.factories import TopicFactory
from tests.feedback.helpers import actor_of, ingest, org

pytestmark = pytest.mark.django_db


def kinds(item_id: int) -> list[tuple[str, int]]:
    return list(
        Interaction.objects.filter(object_type="feedback_item", object_id=str(item_id))
        .order_by("id")
        .values_list("kind", "actor_id")
    )


def test_pricing_feedback_is_tagged_and_routed_to_the_head_of_sales_of_its_region(world):
    o = org(world)
    (item,) = ingest(world, {"text": "Your price went up again, the discount is gone", "region": "lima", "score": 3})
    assert item.state == ItemState.ROUTED
    assert item.owner_id == o.head_lima.pk
    assert item.rule_id == o.rule.pk
    assert not item.in_fallback
    tag = FeedbackTag.objects.get(item=item)
    assert (tag.topic_id, tag.origin, tag.matched) == (o.pricing_id, "rule", "price, discount")
    assert tag.confidence == pytest.approx(0.75)
    assert item.due_at - item.routed_at == timedelta(hours=24)
    assert kinds(item.pk) == [("feedback.routed", o.head_lima.pk)]
    note = Notification.objects.get(recipient=o.head_lima, kind="feedback.routed")
    assert (note.title, note.url) == ("1 new feedback item in your inbox", "http://127.0.0.1:8000/feedback/")
    (row,) = FeedbackTransition.objects.filter(item=item)
    assert (row.action, row.from_state, row.to_state, row.owner_id) == ("route", "new", "routed", o.head_lima.pk)
    assert (row.note, row.by_id, row.at) == (f"rule: {o.rule.name}", None, item.routed_at)
    event = Interaction.objects.get(object_type="feedback_item", object_id=str(item.pk))
    assert (event.occurred_at, event.target_id, event.space_id, event.weight) == (item.routed_at, None, None, 1.0)


def test_no_rule_or_no_person_goes_to_the_fallback_queue_never_lost(world):
    org(world)
    no_rule, no_region = ingest(
        world, {"text": "The shipping was late", "region": "lima"}, {"text": "Price is too high"}
    )
    for item in (no_rule, no_region):
        assert item.state == ItemState.ROUTED
        assert item.owner_id is None
        assert item.in_fallback
        (row,) = FeedbackTransition.objects.filter(item=item)
        assert (row.action, row.owner_id, row.note) == ("route", None, processing.FALLBACK_NOTE)
    assert set(queries.item_list(fallback=True).values_list("id", flat=True)) == {no_rule.pk, no_region.pk}
    assert kinds(no_rule.pk) == []


def test_without_any_active_rule_every_item_goes_to_the_fallback_queue(world):
    source = source_for_kind(kind="api")
    with processing_deferred():
        items_store(source_id=source.pk, inputs=[ItemInput(text=f"price {n}", region_id=None) for n in range(3)])
    assert processing.outbox_process() == 3
    assert set(FeedbackItem.objects.values_list("state", "owner_id", "in_fallback")) == {("routed", None, True)}
    notes = FeedbackTransition.objects.values_list("action", "note")
    assert list(notes) == [("route", processing.FALLBACK_NOTE)] * 3
    assert not Interaction.objects.filter(kind="feedback.routed").exists()


def test_untagged_feedback_goes_to_triage_and_a_correction_routes_it(world):
    o = org(world)
    (item,) = ingest(world, {"text": "I am not happy at all", "region": "jakarta"})
    assert item.needs_triage and item.in_fallback
    services.item_tags_set(actor=actor_of(world.program_owner), item_id=item.pk, topic_ids=[o.pricing_id])
    item.refresh_from_db()
    assert not item.needs_triage
    assert item.owner_id == o.head_jakarta.pk
    assert list(FeedbackTag.objects.filter(item=item).values_list("topic_id", "origin", "confidence")) == [
        (o.pricing_id, "owner", 1.0)
    ]


def test_load_is_balanced_among_several_owners(world):
    o = org(world)
    from tests.factories import account

    second = account("member", email="head2.lima@example.org", level=6, unit=o.sales_lima, region=o.lima,
                     role_family="sales")  # fmt: skip
    items = ingest(world, *[{"text": f"price question {i}", "region": "lima"} for i in range(6)])
    owners = [i.owner_id for i in items]
    assert owners.count(o.head_lima.pk) == 3
    assert owners.count(second.pk) == 3


def close(owner, item_id, **kw):
    actor = actor_of(owner)
    services.item_transition(actor=actor, item_id=item_id, action="acknowledge")
    services.item_transition(actor=actor, item_id=item_id, action="learning")
    return services.item_transition(
        actor=actor, item_id=item_id, action="close", root_cause=kw.get("root_cause", "Price list not updated"),
        lesson=kw.get("lesson", "Send the new price list a month ahead"),
    )  # fmt: skip


def test_the_loop_with_every_transition_audited_and_in_the_stream(world):
    o = org(world)
    (item,) = ingest(world, {"text": "price is wrong on the invoice", "region": "jakarta"})
    item = close(o.head_jakarta, item.pk)
    assert item.state == ItemState.CLOSED
    assert [t.action for t in queries.item_transitions(item_id=item.pk)] == [
        "route",
        "acknowledge",
        "learning",
        "close",
    ]
    assert kinds(item.pk) == [
        ("feedback.routed", o.head_jakarta.pk),
        ("feedback.acknowledged", o.head_jakarta.pk),
        ("feedback.learning", o.head_jakarta.pk),
        ("feedback.closed", o.head_jakarta.pk),
        ("feedback.closed_within_sla", o.head_jakarta.pk),
    ]
    lesson = Lesson.objects.get(item=item)
    assert (lesson.author_id, lesson.root_cause) == (o.head_jakarta.pk, "Price list not updated")
    row = FeedbackTransition.objects.filter(item=item).first()
    with pytest.raises(AppendOnlyError):
        row.save()
    reopened = services.item_transition(actor=actor_of(o.head_jakarta), item_id=item.pk, action="reopen")
    assert reopened.state == ItemState.ROUTED and reopened.closed_at is None


def test_closing_late_records_no_within_sla_event(world):
    o = org(world)
    (item,) = ingest(world, {"text": "price", "region": "jakarta"})
    actor = actor_of(o.head_jakarta)
    services.item_transition(actor=actor, item_id=item.pk, action="acknowledge")
    services.item_transition(actor=actor, item_id=item.pk, action="close", root_cause="x", lesson="y",
                             now=timezone.now() + timedelta(days=3))  # fmt: skip
    assert [k for k, _ in kinds(item.pk)] == ["feedback.routed", "feedback.acknowledged", "feedback.closed"]


def test_closing_asks_for_root_cause_and_lesson_and_bad_steps_are_refused(world):
    o = org(world)
    (item,) = ingest(world, {"text": "price", "region": "jakarta"})
    actor = actor_of(o.head_jakarta)
    with pytest.raises(ValidationError) as exc:
        services.item_transition(actor=actor, item_id=item.pk, action="learning")
    assert "cannot be moved" in str(exc.value)
    services.item_transition(actor=actor, item_id=item.pk, action="acknowledge")
    with pytest.raises(ValidationError) as exc:
        services.item_transition(actor=actor, item_id=item.pk, action="close", root_cause=" ", lesson="")
    assert set(exc.value.message_dict) == {"root_cause", "lesson"}
    assert FeedbackItem.objects.get(pk=item.pk).state == ItemState.ACKNOWLEDGED
    from peerloop.core.permissions import NotFound, PermissionDenied

    with pytest.raises(NotFound):
        services.item_transition(actor=actor_of(o.head_lima), item_id=item.pk, action="acted")
    with pytest.raises((NotFound, PermissionDenied)):
        services.item_transition(actor=actor_of(world.member), item_id=item.pk, action="acted")


def test_a_lesson_reaches_peers_at_the_same_level_in_other_units_with_the_same_tags(world):
    o = org(world)
    (mine,) = ingest(world, {"text": "the price is too high", "region": "jakarta"})
    (theirs,) = ingest(world, {"text": "discount promised but not given", "region": "lima"})
    assert theirs.owner_id == o.head_lima.pk
    item = close(o.head_jakarta, mine.pk)
    lesson = Lesson.objects.get(item=item)
    assert list(lesson.shared_with.values_list("id", flat=True)) == [o.head_lima.pk]
    note = Notification.objects.get(recipient=o.head_lima, kind="feedback.lesson")
    assert "Send the new price list" in note.body
    shared = Interaction.objects.filter(kind="feedback.lesson_shared")
    assert list(shared.values_list("actor_id", "target_id", "object_type", "object_id")) == [
        (o.head_jakarta.pk, o.head_lima.pk, "lesson", str(lesson.pk))
    ]
    # The VP (another level) and the author get nothing.
    assert not Notification.objects.filter(recipient__in=[o.vp, o.head_jakarta], kind="feedback.lesson").exists()


def test_sla_reminds_then_reassigns_to_the_backup_owner(world):
    o = org(world)
    (item,) = ingest(world, {"text": "price", "region": "lima"})
    start = item.routed_at
    assert services.sla_sweep(now=start + timedelta(hours=10)) == {"reminded": 0, "reassigned": 0}
    assert services.sla_sweep(now=start + timedelta(hours=19)) == {"reminded": 1, "reassigned": 0}
    assert services.sla_sweep(now=start + timedelta(hours=20)) == {"reminded": 0, "reassigned": 0}
    assert Notification.objects.filter(recipient=o.head_lima, kind="feedback.reminder").count() == 1
    assert services.sla_sweep(now=start + timedelta(hours=25)) == {"reminded": 0, "reassigned": 1}
    item.refresh_from_db()
    assert item.owner_id == o.vp.pk
    assert item.escalated_at is not None
    assert services.sla_sweep(now=start + timedelta(hours=44)) == {"reminded": 1, "reassigned": 0}
    # Reassigned once only: the backup is reminded, never escalated again.
    assert services.sla_sweep(now=start + timedelta(hours=80)) == {"reminded": 0, "reassigned": 0}
    assert Notification.objects.filter(recipient=o.vp, kind="feedback.assigned").count() == 1


def test_an_owner_deactivated_with_open_items_has_them_reassigned(world):
    o = org(world)
    from tests.factories import account

    other = account("member", email="other.lima@example.org", level=6, unit=o.sales_lima, region=o.lima,
                    role_family="sales")  # fmt: skip
    items = ingest(world, {"text": "price one", "region": "lima"}, {"text": "price two", "region": "lima"})
    leaving = items[0].owner_id
    Person.objects.filter(pk=leaving).update(active=False)
    assert services.owners_left_reassign() == 1
    moved = FeedbackItem.objects.get(pk=items[0].pk)
    assert moved.owner_id == other.pk if leaving != other.pk else o.head_lima.pk
    assert FeedbackItem.objects.filter(owner_id=leaving, state__in=["routed"]).count() == 0


def test_the_discussion_hook_records_a_request_and_returns_the_item(world):
    o = org(world)
    (item,) = ingest(world, {"text": "price", "region": "jakarta"})
    started = services.item_open_discussion_hook(actor=actor_of(o.head_jakarta), item_id=item.pk)
    assert started["topic_ids"] == [o.pricing_id]
    assert started["body"] == "price"
    assert kinds(item.pk)[-1] == ("feedback.discussion_requested", o.head_jakarta.pk)


def test_the_fast_event_writer_stores_what_the_ordinary_one_stores(world):
    from peerloop.core.services import InteractionEvent, interaction_record_fast, interaction_record_many

    at = timezone.now().replace(microsecond=0)
    event = InteractionEvent("feedback.routed", world.member.pk, (world.leader.pk, world.admin.pk), 7, "x", 9, 1.5, at)
    assert interaction_record_fast(events=[event]) == 2
    interaction_record_many(events=[event])
    rows = list(
        Interaction.objects.order_by("id").values_list(
            "kind", "actor_id", "target_id", "space_id", "object_type", "object_id", "weight", "occurred_at"
        )
    )
    assert rows[:2] == rows[2:]
    assert rows[0][7] == at
    fast_ids = set(Interaction.objects.order_by("id").values_list("event_id", flat=True)[:2])
    assert len(fast_ids) == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no asynchronous commit")
@pytest.mark.django_db(transaction=True)
def test_routing_commits_without_waiting_and_ingest_still_waits(world):
    """The processor's batch does not wait for the WAL flush (its items are durable since
    ingest); the setting ends with the batch, so the next write on the connection, an
    ingest, waits again."""

    def setting() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            return str(cursor.fetchone()[0])

    assert setting() == "on"
    with transaction.atomic():
        processing._commit_without_waiting()
        assert setting() == "off"
    assert setting() == "on"
    o = org(world)
    (item,) = ingest(world, {"text": "The price went up again", "region": "jakarta", "score": 2})
    services.outbox_drain()
    item.refresh_from_db()
    assert (item.state, item.owner_id) == (ItemState.ROUTED, o.head_jakarta.pk)
    assert setting() == "on"


def _foreign_keys(model) -> dict[str, tuple[str, str]]:
    """The database's own foreign-key constraints on the model's table, by column."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return {c["columns"][0]: c["foreign_key"] for c in constraints.values() if c["foreign_key"]}


def test_the_database_checks_only_the_rows_a_batch_can_lose_meanwhile(db):
    """ADR 0010: the rows routing writes per item name their item and their owner without a
    database check (items and people are never deleted); the tag's topic and the item's
    rule, which can be deleted while a batch runs, keep theirs."""
    assert set(_foreign_keys(FeedbackTag)) == {"topic_id"}
    assert "item_id" not in _foreign_keys(FeedbackTransition)
    assert "owner_id" not in _foreign_keys(FeedbackTransition)
    item_keys = _foreign_keys(FeedbackItem)
    assert "rule_id" in item_keys and "owner_id" not in item_keys
    assert "actor_id" not in _foreign_keys(Interaction)


def test_the_orm_still_refuses_to_delete_an_owner_and_cascades_a_topic(world):
    o = org(world)
    (item,) = ingest(world, {"text": "The price went up again", "region": "jakarta", "score": 2})
    services.outbox_drain()
    with pytest.raises(ProtectedError):
        o.head_jakarta.delete()
    assert FeedbackTag.objects.filter(item=item, topic_id=o.pricing_id).exists()
    Topic.objects.filter(pk=o.pricing_id).delete()
    assert not FeedbackTag.objects.filter(item=item).exists()


@pytest.mark.django_db(transaction=True)
def test_a_batch_tagged_with_a_topic_deleted_meanwhile_fails_whole_and_routes_again(world, monkeypatch):
    """The topic's check stays in the database: a batch whose rulebook still held a topic
    that is gone fails at commit, and its items stay new for the next drain."""
    org(world)
    with processing_deferred():
        (item,) = ingest(world, {"text": "The price went up again", "region": "jakarta", "score": 2})
    gone = TopicFactory(name="Gone", slug="gone")
    gone_id = gone.pk
    gone.delete()
    real = processing.tags_for_texts
    monkeypatch.setattr(
        processing, "tags_for_texts", lambda texts: [[tagging.Tag(gone_id, 0.9, "rule", "gone")] for _ in texts]
    )
    with pytest.raises(IntegrityError):
        processing.outbox_process()
    item.refresh_from_db()
    assert item.state == ItemState.NEW and item.owner_id is None
    assert not FeedbackTag.objects.filter(item=item).exists()
    assert not FeedbackTransition.objects.filter(item=item).exists()
    monkeypatch.setattr(processing, "tags_for_texts", real)
    assert services.outbox_drain() == 1
    item.refresh_from_db()
    assert item.state == ItemState.ROUTED


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan of PostgreSQL's UPDATE from arrays")
def test_routing_finds_its_batch_by_index_not_by_reading_every_item(world):
    """With thousands of new items and their statistics known, the batch's UPDATE looked up
    its items through an index; joined to the arrays alone, PostgreSQL hashed the table."""
    org(world)
    source = source_for_kind(kind="api")
    inputs = [ItemInput(text=f"The price went up again ({n})", region_id=None) for n in range(6000)]
    with processing_deferred():
        items_store(source_id=source.pk, inputs=inputs)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {FeedbackItem._meta.db_table}")
    plans: list[str] = []

    def explain(execute, sql, params, many, context):
        if f"UPDATE {FeedbackItem._meta.db_table} AS i" in sql and not sql.startswith("EXPLAIN"):
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN " + sql, params)
                plans.append("\n".join(row[0] for row in cursor.fetchall()))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(explain):
        assert processing.outbox_process(batch=300) == 300
    assert len(plans) == 1
    assert "Seq Scan on feedback_feedbackitem" not in plans[0], plans[0]
