"""What the loop tells people and systems outside the processor's transaction: the owners'
notice of newly routed items (in-app and by email, one per owner and batch).

The drain hands over each batch with ONE call, :func:`items_routed`, which enqueues one
job after commit; the job reads the items and notifies. Each notice has a dedupe key
(owner and the batch's first item), so a job run twice tells nobody twice.
"""

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Min

from peerloop.core.services import InteractionEvent
from peerloop.feedback.models import FeedbackItem
from peerloop.feedback.services._common import KIND_ROUTED, site_url
from peerloop.notifications import services as notifications

# Items named one by one in the owner's notice; the rest are counted.
LISTED = 20


def items_routed(events: Iterable[InteractionEvent]) -> None:
    """Hand a routed batch to the notifying job (enqueued once the batch commits)."""
    from peerloop.core.tasks import enqueue_on_commit
    from peerloop.feedback.tasks import routed_notify_task

    per_owner: dict[int, list[int]] = defaultdict(list)
    for event in events:
        if event.kind == KIND_ROUTED and event.object_id != "":
            per_owner[event.actor_id].append(int(event.object_id))
    if per_owner:
        enqueue_on_commit(routed_notify_task, [[owner, ids] for owner, ids in per_owner.items()])


def routed_notify(*, owner_items: list[list]) -> int:
    """Tell each owner, in one notice (in-app and by email, unless they turned that email
    off), about the items just routed to them; returns how many notices were written.
    Items no longer theirs or no longer routed are left out."""
    written = 0
    for owner_id, item_ids in owner_items:
        rows = list(
            FeedbackItem.objects.filter(id__in=item_ids, owner_id=owner_id)
            .order_by("due_at", "id")
            .values_list("id", "text", "due_at")
        )
        if not rows:
            continue
        first = FeedbackItem.objects.filter(id__in=item_ids).aggregate(first=Min("id"))["first"]
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
