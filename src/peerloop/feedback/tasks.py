"""Background work of the feedback loop (Huey): the outbox processor, SLA timers,
owners who left, the classifier's training. Each task is safe to run twice."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from peerloop.feedback import delivery, services
from peerloop.feedback.services import webhooks

logger = logging.getLogger("peerloop.feedback")


@db_task()
def outbox_process_task(until: float | None = None) -> None:
    """Tag and route every new item, batch by batch (each batch one transaction); with
    ``until``, keep looking for new items until then (see services.outbox_drain)."""
    services.outbox_drain(until=until)


@db_task()
def routed_notify_task(owner_items: list[list]) -> None:
    """Tell the owners of a routed batch, one notice each ([[owner id, [item ids]], ...])."""
    delivery.routed_notify(owner_items=owner_items)


@db_task()
def webhook_deliver_task(delivery_id: int) -> None:
    """One attempt at one outgoing webhook delivery; safe to run twice."""
    webhooks.webhook_deliver(delivery_id=delivery_id)


@db_periodic_task(crontab(minute="*"))
def webhook_retry_task() -> int:
    """Every minute: attempt every webhook delivery that is due (retries after backoff,
    lost enqueues); returns how many."""
    due = webhooks.webhook_retry_schedule()
    for delivery_id in due:
        webhook_deliver_task(delivery_id)
    return len(due)


@db_periodic_task(crontab(minute="*"))
def outbox_sweep_task() -> None:
    """Every minute: items whose enqueue was lost (queue down) are processed anyway."""
    services.outbox_drain()


@db_periodic_task(crontab(minute="*/5"))
def sla_task() -> None:
    """Every 5 minutes: SLA reminders and reassignment; items of owners who left."""
    counts = services.sla_sweep()
    moved = services.owners_left_reassign()
    if counts["reminded"] or counts["reassigned"] or moved:
        logger.info("feedback SLA: %s, %d items of owners who left", counts, moved)


@db_periodic_task(crontab(minute="17", hour="*/6"))
def classifier_task() -> None:
    """Every 6 hours: learn the tag classifier again from owners' corrections."""
    services.classifier_train()
