"""Helpers shared by the services of the feedback loop."""

from datetime import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from peerloop.core.services import InteractionEvent
from peerloop.feedback.models import FeedbackItem, FeedbackTransition

# The interaction-stream kinds of the feedback loop (the contract between modules).
KIND_ROUTED = "feedback.routed"
KIND_ACKNOWLEDGED = "feedback.acknowledged"
KIND_CLOSED = "feedback.closed"
KIND_CLOSED_WITHIN_SLA = "feedback.closed_within_sla"
KIND_LESSON_SHARED = "feedback.lesson_shared"
# Kinds of the loop beyond the contract (other modules may ignore them).
KIND_LEARNING = "feedback.learning"
KIND_ACTED = "feedback.acted"
KIND_REOPENED = "feedback.reopened"
KIND_LEARN_FROM = "feedback.learn_from_requested"
KIND_DISCUSSION = "feedback.discussion_requested"

OBJECT_ITEM = "feedback_item"
OBJECT_LESSON = "lesson"


def site_url(name: str, *args: object) -> str:
    return str(settings.PEERLOOP_SITE_URL).rstrip("/") + reverse(name, args=args)


def transition_row(
    item: FeedbackItem,
    *,
    action: str,
    to_state: str,
    by_id: int | None,
    owner_id: int | None,
    note: str = "",
    at: datetime | None = None,
    from_state: str | None = None,
) -> FeedbackTransition:
    return FeedbackTransition(
        item_id=item.pk,
        at=at or timezone.now(),
        action=action,
        from_state=from_state if from_state is not None else item.state,
        to_state=to_state,
        by_id=by_id,
        owner_id=owner_id,
        note=note[:500],
    )


def item_event(kind: str, *, actor_id: int, item_id: int, at: datetime | None = None) -> InteractionEvent:
    return InteractionEvent(kind=kind, actor_id=actor_id, object_type=OBJECT_ITEM, object_id=item_id, occurred_at=at)
