"""Email delivery through a real SMTP server: attachments, retries with backoff, dead
letters, and never the same email twice."""

from datetime import UTC, datetime, timedelta
import threading

from django.db import connection
from django.urls import reverse
from django.utils import timezone
import icalendar
import pytest

from peerloop.core.models import AuditEntry
from peerloop.core.roles import SYSTEM
from peerloop.notifications import services, tasks
from peerloop.notifications.calendar import ics_event
from peerloop.notifications.dataclasses import EmailAttachment
from peerloop.notifications.models import OutgoingEmail
from tests.notifications.helpers import dead_letter, parts

Status = OutgoingEmail.Status
START = datetime(2025, 3, 4, 14, 0, tzinfo=UTC)


def queue_email(*, to: str = "member@example.org", key: str = "test:1") -> OutgoingEmail:
    row = services.email_queue(to=to, subject="Your peer match", text="Meet Bruno.", dedupe_key=key)
    assert row is not None
    return row


def make_due(row: OutgoingEmail) -> None:
    """Let the backoff time pass for this row."""
    OutgoingEmail.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def test_notify_sends_the_email_with_its_calendar_invitation(world, smtp_inbox, django_capture_on_commit_callbacks):
    ics = ics_event(
        uid="match-1@peerloop",
        title="Peer match: Member and Leader",
        description="Agenda: pricing, onboarding",
        start=START,
        end=START + timedelta(minutes=30),
        organizer_email="peerloop@example.org",
        attendee_emails=["member@example.org", "leader@example.org"],
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(
            recipient_id=world.member.pk,
            kind="match.new",
            title="You have a new peer match",
            body="Say hello.",
            url="/matching/",
            email=True,
            email_attachments=[EmailAttachment("invite.ics", "text/calendar; method=REQUEST", ics)],
        )
    assert len(smtp_inbox.messages) == 1
    sender, recipients, message = smtp_inbox.messages[0]
    assert (sender, recipients) == ("peerloop@example.org", ["member@example.org"])
    assert message["Subject"] == "You have a new peer match"
    bodies = parts(message)
    assert set(bodies) == {"text/plain", "text/html", "text/calendar"}
    assert "Say hello." in bodies["text/plain"]
    [attachment] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert attachment.get_filename() == "invite.ics"
    assert attachment.get_param("method") == "REQUEST"
    calendar = icalendar.Calendar.from_ical(attachment.get_payload(decode=True))
    assert str(calendar["METHOD"]) == "REQUEST"
    [event] = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == "Peer match: Member and Leader"
    assert str(event["DESCRIPTION"]) == "Agenda: pricing, onboarding"
    assert event.decoded("DTSTART") == START
    assert [str(a) for a in event["ATTENDEE"]] == ["mailto:member@example.org", "mailto:leader@example.org"]
    row = OutgoingEmail.objects.get()
    assert (row.status, row.attempts, row.last_error, row.next_attempt_at) == (Status.SENT, 1, "", None)
    assert row.sent_at is not None


def test_running_delivery_twice_sends_once(db, smtp_inbox):
    row = queue_email()
    services.email_deliver(email_id=row.pk)
    services.email_deliver(email_id=row.pk)
    tasks.deliver_email.call_local(row.pk)
    assert len(smtp_inbox.messages) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.SENT, 1)


@pytest.mark.django_db(transaction=True)
def test_a_second_worker_does_not_send_what_the_first_is_sending(smtp_inbox):
    """Worker A has claimed the row and is talking to the mail server; worker B runs
    the same delivery meanwhile (another thread, its own database connection)."""
    # Written directly: through email_queue it would be delivered as soon as it commits.
    row = OutgoingEmail.objects.create(
        to="member@example.org", subject="Your peer match", text="Meet Bruno.", dedupe_key="race"
    )
    smtp_inbox.hold = threading.Event()
    errors: list[BaseException] = []

    def worker_a() -> None:
        try:
            services.email_deliver(email_id=row.pk)
        except BaseException as exc:  # reported to the test thread
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=worker_a)
    thread.start()
    assert smtp_inbox.arrived.wait(timeout=20), "worker A never reached the mail server"
    assert OutgoingEmail.objects.get(pk=row.pk).status == Status.SENDING
    services.email_deliver(email_id=row.pk)  # worker B
    assert smtp_inbox.messages == []
    smtp_inbox.hold.set()
    thread.join(timeout=30)
    assert errors == []
    assert len(smtp_inbox.messages) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.SENT, 1)


def test_a_down_server_is_retried_with_backoff_then_dead(world, smtp_down, client_as):
    row = queue_email()
    expected = [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2)]
    for attempt, wait in enumerate(expected, start=1):
        before = timezone.now()
        services.email_deliver(email_id=row.pk)
        after = timezone.now()
        row.refresh_from_db()
        assert (row.status, row.attempts) == (Status.FAILED, attempt)
        assert before + wait <= row.next_attempt_at <= after + wait
        assert "Connection refused" in row.last_error or "ConnectionRefused" in row.last_error
        # Not due yet: another run does nothing.
        services.email_deliver(email_id=row.pk)
        row.refresh_from_db()
        assert row.attempts == attempt
        make_due(row)
    services.email_deliver(email_id=row.pk)
    row.refresh_from_db()
    assert (row.status, row.attempts, row.next_attempt_at) == (Status.DEAD, 5, None)
    # Dead is final until an admin acts.
    services.email_deliver(email_id=row.pk)
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.DEAD, 5)
    # The admin sees it on the dead-letter page.
    page = client_as("admin").get(reverse("notifications:dead_letters"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Your peer match" in body
    assert "to member@example.org" in body
    assert reverse("notifications:dead_letter_retry", args=[row.pk]) in body


def test_retry_now_sends_a_dead_letter_once(world, smtp_inbox, client_as, django_capture_on_commit_callbacks):
    row = dead_letter()
    admin = client_as("admin")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(reverse("notifications:dead_letter_retry", args=[row.pk]))
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.SENT, 1)
    assert len(smtp_inbox.messages) == 1
    assert smtp_inbox.messages[0][1] == ["member@example.org"]
    audit = AuditEntry.objects.get(action="notifications.email_retry")
    assert (audit.object_id, audit.actor_label) == (str(row.pk), "admin@example.org")
    # A second click on a row that is no longer dead changes nothing.
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(reverse("notifications:dead_letter_retry", args=[row.pk]))
    assert len(smtp_inbox.messages) == 1
    assert AuditEntry.objects.filter(action="notifications.email_retry").count() == 1
    assert "Every email was delivered" in admin.get(reverse("notifications:dead_letters")).content.decode()


def test_the_periodic_task_sends_what_is_due(db, smtp_inbox):
    due = queue_email(key="due")
    later = queue_email(key="later")
    OutgoingEmail.objects.filter(pk=later.pk).update(
        status=Status.FAILED, attempts=1, next_attempt_at=timezone.now() + timedelta(minutes=1)
    )
    assert tasks.retry_due_emails.call_local() == 1
    assert len(smtp_inbox.messages) == 1
    due.refresh_from_db()
    later.refresh_from_db()
    assert (due.status, later.status) == (Status.SENT, Status.FAILED)
    make_due(later)
    assert tasks.retry_due_emails.call_local() == 1
    later.refresh_from_db()
    assert (later.status, later.attempts) == (Status.SENT, 2)
    assert tasks.retry_due_emails.call_local() == 0
    assert len(smtp_inbox.messages) == 2


def test_a_row_left_sending_by_a_killed_worker_becomes_dead_not_resent(db, smtp_inbox):
    row = queue_email()
    OutgoingEmail.objects.filter(pk=row.pk).update(
        status=Status.SENDING, attempts=1, claimed_at=timezone.now() - services.STALE_SENDING - timedelta(seconds=1)
    )
    fresh = queue_email(key="fresh")
    OutgoingEmail.objects.filter(pk=fresh.pk).update(status=Status.SENDING, attempts=1, claimed_at=timezone.now())
    assert services.email_retry_schedule() == []
    row.refresh_from_db()
    fresh.refresh_from_db()
    assert row.status == Status.DEAD
    assert "may have been delivered" in row.last_error
    assert fresh.status == Status.SENDING
    assert smtp_inbox.messages == []


def test_queueing_the_same_key_twice_queues_once(db):
    assert services.email_queue(to="a@example.org", subject="s", text="t", dedupe_key="k") is not None
    assert services.email_queue(to="a@example.org", subject="s", text="t", dedupe_key="k") is None
    assert OutgoingEmail.objects.count() == 1


def test_retry_of_something_not_dead_changes_nothing(db):
    row = queue_email()
    assert services.outgoing_email_retry(actor=SYSTEM, email_id=row.pk) is None
    row.refresh_from_db()
    assert row.status == Status.QUEUED
    assert AuditEntry.objects.count() == 0
