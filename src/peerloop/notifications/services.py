"""Writes of notifications: notify a person, the email outbox and its delivery.

Delivery promises (RELIABILITY.md: "retried with backoff, then a dead-letter list an
admin sees; no duplicate emails"):

- The outbox row is written in the transaction of the notification, so both exist or
  neither; delivery is enqueued only after commit.
- :func:`email_deliver` claims a row with one conditional UPDATE (queued/failed and due
  → sending) before talking to the mail server, so two workers never both send it;
  a row that is sent or being sent is never sent again.
- A failed attempt is retried after 1 min, 5 min, 30 min and 2 h; the fifth failure
  makes the row dead, listed for admins, who may send it again.
- A row left "sending" by a worker killed mid-send may or may not have left: it is
  not retried on its own (that could send it twice) but becomes dead after
  :data:`STALE_SENDING`, where an admin decides.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta
from email.mime.text import MIMEText
from email.utils import collapse_rfc2231_value
import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone

from peerloop.core.roles import Actor
from peerloop.core.services import audit_record
from peerloop.notifications.dataclasses import EmailAttachment
from peerloop.notifications.models import EmailPreference, Notification, OutgoingEmail
from peerloop.people import queries as people_queries

logger = logging.getLogger("peerloop.notifications")

# Wait before attempt n+1 after n failed attempts; one more failure after the last is dead.
BACKOFF: tuple[timedelta, ...] = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
# A send takes seconds (EMAIL_TIMEOUT is 10 s); a row "sending" for this long lost its worker.
STALE_SENDING = timedelta(minutes=15)
Status = OutgoingEmail.Status


def _check_url(url: str) -> str:
    """A link inside Peerloop ("/spaces/x/") or an http(s) address; never javascript: and the like."""
    url = url.strip()
    if url and not ((url.startswith("/") and not url.startswith("//")) or url.startswith(("http://", "https://"))):
        raise ValueError(f"url must be a path or an http(s) address, not {url[:40]!r}")
    return url


def absolute_url(url: str) -> str:
    """``url`` as a link that works from an email (site paths get PEERLOOP_SITE_URL)."""
    if url.startswith("/"):
        return str(settings.PEERLOOP_SITE_URL or "").rstrip("/") + url
    return url


def _attachment_rows(attachments: Sequence[EmailAttachment]) -> list[dict[str, str]]:
    rows = []
    for item in attachments:
        if "/" not in item.content_type or not item.filename.strip():
            raise ValueError(f"attachment {item.filename!r} needs a filename and a type/subtype content type")
        rows.append({"filename": item.filename, "content_type": item.content_type, "content": item.content})
    return rows


def email_queue(
    *,
    to: str,
    subject: str,
    text: str,
    html: str = "",
    attachments: Sequence[EmailAttachment] = (),
    dedupe_key: str,
    notification_id: int | None = None,
) -> OutgoingEmail | None:
    """Put one email in the outbox and enqueue its delivery once the transaction commits.

    Returns None when an email with ``dedupe_key`` is already in the outbox (it is
    never queued twice).
    """
    with transaction.atomic():
        if OutgoingEmail.objects.filter(dedupe_key=dedupe_key).exists():
            return None
        try:
            with transaction.atomic():  # a savepoint: a concurrent twin loses here, not the caller
                email = OutgoingEmail.objects.create(
                    notification_id=notification_id,
                    to=to,
                    subject=subject[:300].replace("\r", " ").replace("\n", " "),
                    text=text,
                    html=html,
                    attachments=_attachment_rows(attachments),
                    dedupe_key=dedupe_key,
                    next_attempt_at=timezone.now(),
                )
        except IntegrityError:
            return None
        _enqueue_delivery(email.pk)
    return email


def _enqueue_delivery(email_id: int) -> None:
    # Deliberately transaction.on_commit and not core.tasks.enqueue_on_commit: in the
    # queue's immediate mode (tests, dev) that runs the task inside the caller's
    # transaction, and an email, unlike a row, does not roll back. If the queue is down
    # the row stays queued and the periodic retry picks it up.
    from peerloop.notifications.tasks import deliver_email

    transaction.on_commit(lambda: deliver_email(email_id), robust=True)


def notify(
    *,
    recipient_id: int,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    dedupe_key: str | None = None,
    email: bool = False,
    email_attachments: Sequence[EmailAttachment] = (),
) -> Notification | None:
    """Tell one person something: an in-app notification and, when ``email`` is true, the
    person is active with an email address and has not turned email off for ``kind``, an
    email in the outbox, both in one transaction (the email is sent after commit).

    Returns None, and writes nothing, when this person was already notified with
    ``dedupe_key``. Raises ValueError for an unknown person or a url that is neither
    a site path nor an http(s) address.
    """
    url = _check_url(url)
    person = people_queries.person_get(person_id=recipient_id)
    if person is None:
        raise ValueError(f"no person {recipient_id}")
    with transaction.atomic():
        if (
            dedupe_key is not None
            and Notification.objects.filter(recipient_id=recipient_id, dedupe_key=dedupe_key).exists()
        ):
            return None
        try:
            with transaction.atomic():
                notification = Notification.objects.create(
                    recipient_id=recipient_id,
                    kind=kind[:64],
                    title=title[:200],
                    body=body,
                    url=url,
                    dedupe_key=dedupe_key,
                )
        except IntegrityError:
            return None  # a concurrent notify with the same key won
        if email and person.email and person.active and _email_wanted(recipient_id, kind):
            context = {"notification": notification, "person": person, "link": absolute_url(url)}
            context["notifications_link"] = absolute_url("/notifications/")
            email_queue(
                to=person.email,
                subject=notification.title,
                text=render_to_string("notifications/email/notification.txt", context),
                html=render_to_string("notifications/email/notification.html", context),
                attachments=email_attachments,
                dedupe_key=f"notification:{notification.pk}",
                notification_id=notification.pk,
            )
    return notification


def _email_wanted(person_id: int, kind: str) -> bool:
    from peerloop.notifications.queries import email_wanted

    return email_wanted(person_id=person_id, kind=kind[:64])


def email_preference_set(*, person_id: int, choices: dict[str, bool]) -> dict[str, bool]:
    """Set, per notification kind, whether the person wants it by email too; kinds not
    given keep their setting. Raises ValueError for an empty or overlong kind."""
    for kind in choices:
        if not kind.strip() or len(kind) > 64:
            raise ValueError(f"kind must be 1 to 64 characters, not {kind[:80]!r}")
    with transaction.atomic():
        for kind, wanted in choices.items():
            EmailPreference.objects.update_or_create(person_id=person_id, kind=kind, defaults={"email": bool(wanted)})
    return dict(EmailPreference.objects.filter(person_id=person_id).values_list("kind", "email"))


def notification_mark_read(*, person_id: int, notification_id: int) -> Notification | None:
    """Mark one of the person's notifications read (the first time only); None when it is not theirs."""
    Notification.objects.filter(pk=notification_id, recipient_id=person_id, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    return Notification.objects.filter(pk=notification_id, recipient_id=person_id).first()


def notification_mark_all_read(*, person_id: int) -> int:
    """Mark every unread notification of the person read; returns how many were unread."""
    return Notification.objects.filter(recipient_id=person_id, read_at__isnull=True).update(read_at=timezone.now())


def _message(row: OutgoingEmail) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=row.subject, body=row.text, from_email=settings.DEFAULT_FROM_EMAIL, to=[row.to]
    )
    if row.html:
        message.attach_alternative(row.html, "text/html")
    for item in row.attachments:
        main, _, params = item["content_type"].partition(";")
        maintype, _, subtype = main.strip().partition("/")
        if maintype == "text":
            # Built here so parameters survive (text/calendar; method=REQUEST); Django's
            # attach() would take them for part of the subtype.
            part = MIMEText(item["content"], subtype, "utf-8")
            for param in filter(None, (p.strip() for p in params.split(";"))):
                key, _, value = param.partition("=")
                part.set_param(key.strip(), collapse_rfc2231_value(value.strip().strip('"')))
            part.add_header("Content-Disposition", "attachment", filename=item["filename"])
            message.attach(part)
        else:
            message.attach(item["filename"], item["content"], main.strip())
    return message


def email_deliver(*, email_id: int) -> None:
    """Send one outbox row through Django's mail API and mark it sent.

    Does nothing unless the row is queued or failed and due: it is claimed first with
    a conditional update (→ sending), so running this twice, or in two workers at
    once, sends it once. A failure schedules the next attempt (see :data:`BACKOFF`)
    or, after :data:`MAX_ATTEMPTS`, makes it dead.
    """
    now = timezone.now()
    claimed = (
        OutgoingEmail.objects.filter(pk=email_id, status__in=[Status.QUEUED, Status.FAILED])
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )
    if not claimed:
        return
    row = OutgoingEmail.objects.get(pk=email_id)
    try:
        with get_connection(fail_silently=False) as connection:
            connection.send_messages([_message(row)])
    except Exception as exc:  # any failure of the mail server or the network: retry later
        _record_failure(row, f"{type(exc).__name__}: {exc}")
        return
    OutgoingEmail.objects.filter(pk=row.pk, status=Status.SENDING).update(
        status=Status.SENT, sent_at=timezone.now(), next_attempt_at=None, last_error=""
    )


def _record_failure(row: OutgoingEmail, error: str) -> None:
    now = timezone.now()
    if row.attempts >= MAX_ATTEMPTS:
        fields: dict = {"status": Status.DEAD, "next_attempt_at": None}
        logger.error("email %s to %s is dead after %s attempts: %s", row.pk, row.to, row.attempts, error)
    else:
        fields = {"status": Status.FAILED, "next_attempt_at": now + BACKOFF[row.attempts - 1]}
        logger.warning("email %s attempt %s failed: %s", row.pk, row.attempts, error)
    OutgoingEmail.objects.filter(pk=row.pk, status=Status.SENDING).update(last_error=error[:2000], **fields)


def email_retry_schedule(*, now: datetime | None = None) -> list[int]:
    """The periodic sweep: rows left "sending" for :data:`STALE_SENDING` become dead (they
    may have been sent; an admin decides), and the ids of rows due for an attempt are
    returned for the caller to enqueue."""
    from peerloop.notifications.queries import outgoing_due_ids

    now = now or timezone.now()
    stale = OutgoingEmail.objects.filter(status=Status.SENDING, claimed_at__lt=now - STALE_SENDING).update(
        status=Status.DEAD,
        next_attempt_at=None,
        last_error="The worker stopped while sending; the email may have been delivered. "
        "Send it again only if the recipient did not get it.",
    )
    if stale:
        logger.error("%s emails were left sending by a stopped worker and are now dead letters", stale)
    return outgoing_due_ids(now=now)


def outgoing_email_retry(*, actor: Actor, email_id: int) -> OutgoingEmail | None:
    """An admin sends a dead letter again: it is queued with a fresh series of attempts
    and delivered after commit. Returns None (and changes nothing) unless it is dead.
    Writes one audit row."""
    with transaction.atomic():
        updated = OutgoingEmail.objects.filter(pk=email_id, status=Status.DEAD).update(
            status=Status.QUEUED, attempts=0, next_attempt_at=timezone.now(), claimed_at=None
        )
        if not updated:
            return None
        row = OutgoingEmail.objects.get(pk=email_id)
        audit_record(
            actor=actor,
            action="notifications.email_retry",
            object_type="notifications.OutgoingEmail",
            object_id=row.pk,
            object_repr=row.subject,
        )
        _enqueue_delivery(row.pk)
    return row
