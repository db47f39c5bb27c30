"""The owner's half of the loop: acknowledge, learning, acted, close with a root cause
and a lesson, reopen; correcting tags; sharing lessons with peers; the fallback queue;
the hooks other modules use (a peer discussion, a "learn from" request)."""

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from peerloop.core.permissions import NotFound, require
from peerloop.core.roles import Actor
from peerloop.core.services import InteractionEvent, interaction_record, interaction_record_many
from peerloop.feedback import delivery, permissions
from peerloop.feedback.models import (
    OPEN_STATES,
    FeedbackItem,
    FeedbackTag,
    FeedbackTransition,
    ItemState,
    Lesson,
    TagOrigin,
)
from peerloop.feedback.services._common import (
    KIND_ACKNOWLEDGED,
    KIND_ACTED,
    KIND_CLOSED,
    KIND_CLOSED_WITHIN_SLA,
    KIND_DISCUSSION,
    KIND_LEARN_FROM,
    KIND_LEARNING,
    KIND_LESSON_SHARED,
    KIND_REOPENED,
    OBJECT_ITEM,
    OBJECT_LESSON,
    item_event,
    site_url,
)
from peerloop.feedback.services.processing import _assign_to, item_reroute
from peerloop.notifications import services as notifications
from peerloop.people import queries as people_queries
from peerloop.vocabulary import queries as vocabulary_queries

# action -> (states it may start from, the state it leads to, the event it records)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str, str]] = {
    "acknowledge": ((ItemState.ROUTED,), ItemState.ACKNOWLEDGED, KIND_ACKNOWLEDGED),
    "learning": ((ItemState.ACKNOWLEDGED,), ItemState.LEARNING, KIND_LEARNING),
    "acted": ((ItemState.ACKNOWLEDGED, ItemState.LEARNING), ItemState.ACTED, KIND_ACTED),
    "close": ((ItemState.ACKNOWLEDGED, ItemState.LEARNING, ItemState.ACTED), ItemState.CLOSED, KIND_CLOSED),
    "reopen": ((ItemState.CLOSED,), ItemState.ROUTED, KIND_REOPENED),
}
PEER_WINDOW = timedelta(days=90)
MAX_PEERS = 50


def _locked(actor: Actor, item_id: int, *, write: bool = True) -> FeedbackItem:
    item = FeedbackItem.objects.select_for_update(of=("self",)).select_related("rule").filter(pk=item_id).first()
    return permissions.require_item(actor, item, write=write)


def item_transition(
    *, actor: Actor, item_id: int, action: str, note: str = "", root_cause: str = "", lesson: str = "",
    now: datetime | None = None,
) -> FeedbackItem:  # fmt: skip
    """Move an item one step through the loop, as its owner (or an admin). Closing asks
    for the root cause and the lesson (a Lesson is written and offered to peers); every
    step is a transition row and an event of the interaction stream."""
    with transaction.atomic():
        item = _locked(actor, item_id)
        return item_advance(item=item, action=action, by_id=actor.person_id, note=note, root_cause=root_cause,
                            lesson=lesson, now=now)  # fmt: skip


def item_advance(
    *, item: FeedbackItem, action: str, by_id: int | None, note: str = "", root_cause: str = "", lesson: str = "",
    now: datetime | None = None,
) -> FeedbackItem:  # fmt: skip
    """The step itself, for callers that checked who acts (item_transition; the demo).
    The caller holds the item's row lock (or is alone, as the demo is)."""
    if action not in TRANSITIONS:
        raise ValidationError({"action": f"The action is one of {', '.join(TRANSITIONS)}."})
    sources, target, kind = TRANSITIONS[action]
    now = now or timezone.now()
    root_cause, lesson = (root_cause or "").strip(), (lesson or "").strip()
    if action == "close":
        errors = {}
        if not root_cause:
            errors["root_cause"] = "Say what caused it."
        if not lesson:
            errors["lesson"] = "Say what you learned: your peers will read it."
        if len(root_cause) > 5000 or len(lesson) > 10_000:
            errors["lesson"] = "The root cause and the lesson are at most 5,000 and 10,000 characters."
        if errors:
            raise ValidationError(errors)
    with transaction.atomic():
        if item.state not in sources:
            raise ValidationError(
                {"action": f"An item that is {item.get_state_display().lower()} cannot be moved by {action!r}."}
            )
        owner_id = item.owner_id
        FeedbackTransition.objects.create(
            item_id=item.pk, at=now, action=action, from_state=item.state, to_state=target, by_id=by_id,
            owner_id=owner_id, note=note[:500],
        )  # fmt: skip
        item.state = target
        if action == "acknowledge":
            item.acknowledged_at = now
        elif action == "close":
            item.closed_at = now
        elif action == "reopen":
            item.closed_at = None
            item.acknowledged_at = None
            item.routed_at = now
            item.reminded_at = None
            item.escalated_at = None
            hours = item.rule.sla_hours if item.rule else 48
            item.due_at = now + timedelta(hours=hours)
        item.save()
        events = []
        if owner_id is not None:
            events.append(item_event(kind, actor_id=owner_id, item_id=item.pk, at=now))
            if action == "close" and item.due_at is not None and now <= item.due_at:
                events.append(item_event(KIND_CLOSED_WITHIN_SLA, actor_id=owner_id, item_id=item.pk, at=now))
        if events:
            interaction_record_many(events=events)
        delivery.item_moved(item=item, action=action, now=now)
        if action == "close" and owner_id is not None:
            written = Lesson.objects.create(
                item=item, author_id=owner_id, root_cause=root_cause, text=lesson, created_at=now
            )
            lesson_share(lesson_id=written.pk, now=now)
    return item


def item_assign(*, actor: Actor, item_id: int, person_id: int) -> FeedbackItem:
    """A program owner or admin gives an item (e.g. from the fallback queue) to a person."""
    permissions.require_run_loop(actor, write=True)
    person = people_queries.person_get(person_id=person_id)
    if person is None or not person.active or person.kind != "employee":
        raise ValidationError({"person_id": "Choose an active employee."})
    with transaction.atomic():
        item = FeedbackItem.objects.select_for_update(of=("self",)).select_related("rule").filter(pk=item_id).first()
        if item is None:
            raise NotFound()
        if item.state not in (ItemState.ROUTED, ItemState.ACKNOWLEDGED, ItemState.LEARNING, ItemState.ACTED):
            raise ValidationError({"item": "Only open items are assigned."})
        _assign_to(item, owner_id=person.pk, by_id=actor.person_id, action="assign",
                   note=f"Assigned by {actor.label or 'a program owner'}.", now=timezone.now())  # fmt: skip
    return item


def item_tags_set(*, actor: Actor, item_id: int, topic_ids: list[int]) -> FeedbackItem:
    """The owner (or a program owner triaging) corrects an item's tags: they become the
    item's tags with confidence 1, teach the classifier, and clear triage. An item in
    the fallback queue is routed again with its new tags."""
    require(bool(topic_ids), message="Choose at least one topic.")
    topics = {t.pk for t in vocabulary_queries.topic_list().filter(pk__in=topic_ids)}
    missing = [t for t in topic_ids if t not in topics]
    if missing:
        raise ValidationError({"topic_ids": f"No topic with the id {missing[0]}."})
    with transaction.atomic():
        item = FeedbackItem.objects.select_for_update().filter(pk=item_id).first()
        if item is None or not permissions.can_see_item(actor, item):
            raise NotFound()
        require(actor.can_write, message="This token is read-only.")
        require(
            permissions.can_run_loop(actor) or item.owner_id == actor.person_id,
            message="Only the item's owner or a program owner corrects its tags.",
        )
        FeedbackTag.objects.filter(item=item).exclude(topic_id__in=topics).delete()
        for topic_id in topics:
            FeedbackTag.objects.update_or_create(
                item=item, topic_id=topic_id, defaults={"confidence": 1.0, "origin": TagOrigin.OWNER, "matched": ""}
            )
        item.needs_triage = False
        item.save(update_fields=["needs_triage"])
        FeedbackTransition.objects.create(
            item_id=item.pk, action="retag", from_state=item.state, to_state=item.state, by_id=actor.person_id,
            owner_id=item.owner_id, note=f"topics: {sorted(topics)}",
        )  # fmt: skip
        if item.in_fallback and item.state in OPEN_STATES:
            item_reroute(item=item, by_id=actor.person_id, action="route", note="Routed again after triage.")
    return item


# --- lessons ---------------------------------------------------------------------------


def lesson_peers(*, lesson: Lesson, now: datetime | None = None) -> list[int]:
    """Peers at the author's level in OTHER units who own recent items (90 days) carrying
    one of the item's topics."""
    now = now or timezone.now()
    author = people_queries.person_get(person_id=lesson.author_id)
    if author is None or author.level is None:
        return []
    topic_ids = list(FeedbackTag.objects.filter(item_id=lesson.item_id).values_list("topic_id", flat=True))
    if not topic_ids:
        return []
    owners = (
        FeedbackItem.objects.filter(
            tags__topic_id__in=topic_ids, received_at__gte=now - PEER_WINDOW, owner__isnull=False
        )
        .exclude(owner_id=author.pk)
        .values_list("owner_id", flat=True)
        .distinct()
    )
    peers = people_queries.person_list(levels=[author.level]).filter(pk__in=owners, kind="employee")
    if author.unit_id is not None:
        peers = peers.exclude(unit_id=author.unit_id)
    return list(peers.order_by("id").values_list("id", flat=True)[:MAX_PEERS])


def lesson_share(*, lesson_id: int, now: datetime | None = None) -> list[int]:
    """Offer a lesson to its peers (in-app notification) and record feedback.lesson_shared."""
    now = now or timezone.now()
    lesson = Lesson.objects.select_related("item", "author").get(pk=lesson_id)
    peers = lesson_peers(lesson=lesson, now=now)
    if not peers:
        return []
    already = set(lesson.shared_with.values_list("id", flat=True))
    fresh = [p for p in peers if p not in already]
    if not fresh:
        return []
    lesson.shared_with.add(*fresh)
    for peer_id in fresh:
        notifications.notify(
            recipient_id=peer_id,
            kind="feedback.lesson",
            title=f"A lesson from {lesson.author.name}",
            body=f"Root cause: {lesson.root_cause[:300]}\n\nLesson: {lesson.text[:600]}",
            url=site_url("feedback:lesson", lesson.pk),
            dedupe_key=f"feedback:lesson:{lesson.pk}",
        )
    interaction_record(
        kind=KIND_LESSON_SHARED, actor_id=lesson.author_id, target_ids=fresh, object_type=OBJECT_LESSON,
        object_id=lesson.pk, occurred_at=now,
    )  # fmt: skip
    delivery.lesson_shared(lesson=lesson, peer_count=len(fresh), now=now)
    return fresh


# --- hooks for other modules -------------------------------------------------------------


def item_open_discussion_hook(*, actor: Actor, item_id: int, question: str = "") -> dict[str, Any]:
    """The one place an item opens a peer discussion. Until a discussions module listens,
    it records ``feedback.discussion_requested`` in the interaction stream (actor: the
    owner, object: the item) and returns what a discussion needs to start."""
    item = permissions.require_item(actor, FeedbackItem.objects.filter(pk=item_id).first(), write=True)
    topics = list(FeedbackTag.objects.filter(item=item).order_by("-confidence").values_list("topic_id", flat=True))
    title = question.strip()[:200] or f"How do you handle this? (feedback #{item.pk})"
    if actor.person_id is not None:
        interaction_record(kind=KIND_DISCUSSION, actor_id=actor.person_id, object_type=OBJECT_ITEM, object_id=item.pk)
    return {"item_id": item.pk, "title": title, "body": item.text, "topic_ids": topics, "asker_id": actor.person_id}


def learn_from_request(*, actor: Actor, peer_id: int, metric_code: str = "", topic_id: int | None = None) -> int:
    """Ask a peer who does better for an intro: a notification to the peer and
    ``feedback.learn_from_requested`` in the stream (matching may pair them from it)."""
    me = permissions.require_member(actor, write=True)
    peer = people_queries.person_get(person_id=peer_id)
    if peer is None or not peer.active or peer.kind != "employee" or peer.pk == me:
        raise ValidationError({"peer_id": "Choose an active colleague other than yourself."})
    asker = people_queries.person_get(person_id=me)
    what = metric_code or "this"
    notifications.notify(
        recipient_id=peer.pk,
        kind="feedback.learn_from",
        title=f"{asker.name if asker else 'A peer'} would like to learn from you",
        body=f"Your unit does best on {what} among peers. Would you share how?",
        url=site_url("feedback:positions"),
        dedupe_key=f"feedback:learn_from:{me}:{metric_code}:{topic_id}",
    )
    interaction_record(
        kind=KIND_LEARN_FROM, actor_id=me, target_ids=[peer.pk], object_type="metric" if metric_code else "topic",
        object_id=metric_code or (topic_id or ""),
    )  # fmt: skip
    return peer.pk


def record_events(events: list[InteractionEvent]) -> int:
    return interaction_record_many(events=events)
