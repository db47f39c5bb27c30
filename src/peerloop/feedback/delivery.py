"""What the loop tells people and systems: the owners' notice of newly routed items
(in-app and by email, one per owner and batch) and the outgoing webhooks' events
(item routed, acknowledged, closed, lesson shared, SLA breached).

The drain hands over each batch with ONE call, :func:`items_routed`, which enqueues one
job after commit; the job reads the items and notifies. Each notice has a dedupe key
(owner and the batch's first item), so a job run twice tells nobody twice.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from peerloop.feedback.models import FeedbackItem, Lesson, WebhookEvent
from peerloop.feedback.services._common import site_url
from peerloop.feedback.services.webhooks import webhook_emit
from peerloop.notifications import services as notifications

# Items named one by one in the owner's notice; the rest are counted.
LISTED = 20


def items_routed(routed: Iterable[tuple[int, int]]) -> None:
    """Hand a routed batch, (owner, item) pairs, to the notifying job (enqueued once the
    batch commits)."""
    from peerloop.core.tasks import enqueue_on_commit
    from peerloop.feedback.tasks import routed_notify_task

    per_owner: dict[int, list[int]] = defaultdict(list)
    for owner_id, item_id in routed:
        per_owner[owner_id].append(item_id)
    if per_owner:
        enqueue_on_commit(routed_notify_task, [[owner, ids] for owner, ids in per_owner.items()])


def routed_notify(*, owner_items: list[list]) -> int:
    """Tell each owner, in one notice (in-app and by email, unless they turned that email
    off), about the items just routed to them; returns how many notices were written.
    Items no longer theirs or no longer routed are left out."""
    written = 0
    everything = [i for _owner, ids in owner_items for i in ids]
    routed = FeedbackItem.objects.filter(id__in=everything, owner__isnull=False).select_related("owner")
    webhook_emit(event=WebhookEvent.ITEM_ROUTED, items=[_occurrence(item, item.routed_at) for item in routed])
    for owner_id, item_ids in owner_items:
        rows = list(
            FeedbackItem.objects.filter(id__in=item_ids, owner_id=owner_id)
            .order_by("due_at", "id")
            .values_list("id", "text", "due_at")
        )
        if not rows:
            continue
        first = min(item_ids)  # the batch's first item: the same key when the job runs again
        count = len(rows)
        lines = [
            f"#{item_id} (due {due_at:%Y-%m-%d %H:%M} UTC): {' '.join(text.split())[:120]}\n"
            f"  {site_url('feedback:item', item_id)}"
            for item_id, text, due_at in rows[:LISTED]
        ]
        if count > LISTED:
            lines.append(f"… and {count - LISTED} more in your inbox.")
        note = notifications.notify(
            recipient_id=owner_id,
            kind="feedback.routed",
            title=f"{count} new feedback item{'s' if count != 1 else ''} in your inbox",
            body="Acknowledge them within their SLA; a reminder comes at three quarters of it.\n\n" + "\n".join(lines),
            url=site_url("feedback:inbox"),
            dedupe_key=f"feedback:routed:{owner_id}:{first}",
            email=True,
        )
        written += note is not None
    return written


def _stamp(at: datetime | None) -> str:
    return str(int(at.timestamp() * 1000)) if at else "0"


def item_data(item: FeedbackItem) -> dict[str, Any]:
    """An item as webhooks describe it."""
    owner = item.owner if item.owner_id else None
    return {
        "item": {
            "id": item.pk,
            "state": item.state,
            "text": item.text[:2000],
            "score": item.score,
            "segment": item.segment,
            "owner": {"id": owner.pk, "name": owner.name} if owner else None,
            "routed_at": item.routed_at.isoformat() if item.routed_at else None,
            "due_at": item.due_at.isoformat() if item.due_at else None,
            "url": site_url("feedback:item", item.pk),
        }
    }


def _occurrence(item: FeedbackItem, at: datetime | None) -> tuple[str, dict[str, Any]]:
    return f"{item.pk}:{_stamp(at)}", item_data(item)


def item_moved(*, item: FeedbackItem, action: str, now: datetime) -> None:
    """An owner acknowledged or closed an item (other steps tell no webhook)."""
    event = {"acknowledge": WebhookEvent.ITEM_ACKNOWLEDGED, "close": WebhookEvent.ITEM_CLOSED}.get(action)
    if event is not None:
        webhook_emit(event=event, items=[_occurrence(item, now)], now=now)


def sla_breached(*, item: FeedbackItem, previous_owner_id: int, now: datetime) -> None:
    """An item passed its SLA unacknowledged and went to the backup owner."""
    key, data = _occurrence(item, now)
    data["previous_owner_id"] = previous_owner_id
    webhook_emit(event=WebhookEvent.SLA_BREACHED, items=[(key, data)], now=now)


def lesson_shared(*, lesson: Lesson, peer_count: int, now: datetime) -> None:
    """A lesson was offered to peers (the peers are not named to the receiver)."""
    data = {
        "lesson": {
            "id": lesson.pk,
            "item_id": lesson.item_id,
            "author": {"id": lesson.author_id, "name": lesson.author.name},
            "root_cause": lesson.root_cause[:2000],
            "text": lesson.text[:4000],
            "peers": peer_count,
            "url": site_url("feedback:lesson", lesson.pk),
        }
    }
    webhook_emit(event=WebhookEvent.LESSON_SHARED, items=[(f"{lesson.pk}:{_stamp(now)}", data)], now=now)
