"""Reads of notifications and of the email outbox."""

from datetime import datetime

from django.db.models import Q, QuerySet

from peerloop.notifications.models import Notification, OutgoingEmail

# Ids beyond a 64-bit integer exist nowhere; the database would fail on them rather than answer.
MAX_ID = 2**63 - 1


def notification_list_for(*, person_id: int | None, unread_only: bool = False) -> QuerySet[Notification]:
    """A person's notifications, newest first (none for an account without a person)."""
    if person_id is None:
        return Notification.objects.none()
    qs = Notification.objects.filter(recipient_id=person_id)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-id")


def unread_count_for(*, person_id: int | None) -> int:
    if person_id is None:
        return 0
    return Notification.objects.filter(recipient_id=person_id, read_at__isnull=True).count()


def notification_get(*, notification_id: int) -> Notification | None:
    if not 0 < notification_id <= MAX_ID:
        return None
    return Notification.objects.filter(pk=notification_id).first()


def outgoing_dead_list() -> QuerySet[OutgoingEmail]:
    """The dead letters: emails given up on after the last attempt, newest first."""
    return OutgoingEmail.objects.filter(status=OutgoingEmail.Status.DEAD).order_by("-created_at", "-id")


def outgoing_get(*, email_id: int) -> OutgoingEmail | None:
    if not 0 < email_id <= MAX_ID:
        return None
    return OutgoingEmail.objects.filter(pk=email_id).first()


def outgoing_due_ids(*, now: datetime, limit: int = 500) -> list[int]:
    """Emails waiting to be sent whose time has come (queued, or failed and due for a retry)."""
    return list(
        OutgoingEmail.objects.filter(status__in=[OutgoingEmail.Status.QUEUED, OutgoingEmail.Status.FAILED])
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )
