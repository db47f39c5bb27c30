"""Reads of notifications and of the email outbox."""

from datetime import datetime

from django.db.models import Q, QuerySet

from peerloop.notifications.models import EmailPreference, Notification, OutgoingEmail

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


# The kinds a person may choose to get by email, as people read them; a kind not named
# here appears under its own code once the person has received it.
EMAIL_KIND_LABELS: dict[str, str] = {
    "feedback.routed": "New feedback items routed to me",
    "feedback.reminder": "Reminders of feedback waiting for my acknowledgement",
    "feedback.assigned": "Feedback reassigned to me",
    "feedback.lesson": "Lessons peers share with me",
}


def email_wanted(*, person_id: int, kind: str) -> bool:
    """Whether the person takes notifications of ``kind`` by email (yes unless they said no)."""
    return not EmailPreference.objects.filter(person_id=person_id, kind=kind, email=False).exists()


def email_preferences_for(*, person_id: int | None) -> list[tuple[str, str, bool]]:
    """(kind, label, by email) for every kind the person may choose: the known kinds, the
    kinds they received and the ones they set, in the order of the labels then by code."""
    if person_id is None:
        return []
    chosen = dict(EmailPreference.objects.filter(person_id=person_id).values_list("kind", "email"))
    received = set(Notification.objects.filter(recipient_id=person_id).values_list("kind", flat=True).distinct())
    kinds = list(EMAIL_KIND_LABELS) + sorted((received | set(chosen)) - set(EMAIL_KIND_LABELS))
    return [(kind, EMAIL_KIND_LABELS.get(kind, kind), chosen.get(kind, True)) for kind in kinds]


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
