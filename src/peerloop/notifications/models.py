"""In-app notifications and the outbox of emails waiting to be sent."""

from django.db import models
from django.db.models import Q
from django.utils import timezone


class Notification(models.Model):
    """Something Peerloop tells one person, shown in the app (and maybe emailed)."""

    recipient = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=64)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # The caller's name for "this notice"; the same key never notifies the same person twice.
    dedupe_key = models.CharField(max_length=200, null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"],
                condition=Q(dedupe_key__isnull=False),
                name="notification_dedupe_per_recipient",
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_recipient_recent"),
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def unread(self) -> bool:
        return self.read_at is None


class OutgoingEmail(models.Model):
    """One email in the outbox. Written in the transaction of what it tells, then sent
    by a task; the status moves queued → sending → sent, or failed (retried with
    backoff) and at last dead (an admin sees it and may retry)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed, will retry"
        DEAD = "dead", "Dead"

    notification = models.ForeignKey(
        Notification, null=True, blank=True, on_delete=models.SET_NULL, related_name="emails"
    )
    to = models.EmailField()
    subject = models.CharField(max_length=300)
    text = models.TextField()
    html = models.TextField(blank=True)
    # [{"filename": ..., "content_type": ..., "content": ...}], text content only.
    attachments = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    dedupe_key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status__in=["queued", "failed"]),
                name="outgoing_email_due",
            ),
            models.Index(fields=["status", "-created_at"], name="outgoing_email_status"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to}"


class EmailPreference(models.Model):
    """Whether a person wants the notifications of one kind by email too (in-app they
    always get them). No row: the sender's default (email on)."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="email_preferences")
    kind = models.CharField(max_length=64)
    email = models.BooleanField(default=True)

    class Meta:
        ordering = ["kind"]
        constraints = [models.UniqueConstraint(fields=["person", "kind"], name="email_preference_once")]

    def __str__(self) -> str:
        return f"{self.kind}: {'email' if self.email else 'in-app only'}"
