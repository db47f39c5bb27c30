"""notify, marking read, and the outbox rows it writes."""

from django.core import mail
from django.db import transaction
import pytest

from peerloop.notifications import queries, services
from peerloop.notifications.dataclasses import EmailAttachment
from peerloop.notifications.models import Notification, OutgoingEmail
from tests.factories import PersonFactory


def test_notify_writes_the_notification_and_its_email(world, settings, django_capture_on_commit_callbacks):
    settings.PEERLOOP_SITE_URL = "https://peerloop.example.org"
    with django_capture_on_commit_callbacks(execute=True):
        notification = services.notify(
            recipient_id=world.member.pk,
            kind="match.new",
            title="You have a new peer match",
            body="Meet Bruno from São Paulo.",
            url="/matching/matches/1/",
            dedupe_key="match:1",
            email=True,
        )
    assert notification is not None
    row = Notification.objects.get()
    assert (row.recipient_id, row.kind, row.title, row.body, row.url, row.dedupe_key, row.read_at) == (
        world.member.pk,
        "match.new",
        "You have a new peer match",
        "Meet Bruno from São Paulo.",
        "/matching/matches/1/",
        "match:1",
        None,
    )
    email = OutgoingEmail.objects.get()
    assert (email.notification_id, email.to, email.subject, email.status, email.attempts) == (
        row.pk,
        "member@example.org",
        "You have a new peer match",
        OutgoingEmail.Status.SENT,
        1,
    )
    assert email.dedupe_key == f"notification:{row.pk}"
    assert "https://peerloop.example.org/matching/matches/1/" in email.text
    assert 'href="https://peerloop.example.org/matching/matches/1/"' in email.html
    assert [m.to for m in mail.outbox] == [["member@example.org"]]


def test_notify_and_its_email_roll_back_together(world, django_capture_on_commit_callbacks):
    class Boom(Exception):
        pass

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Boom), transaction.atomic():
        services.notify(recipient_id=world.member.pk, kind="k", title="Rolled back", email=True)
        assert Notification.objects.count() == 1
        assert OutgoingEmail.objects.count() == 1
        raise Boom
    assert Notification.objects.count() == 0
    assert OutgoingEmail.objects.count() == 0
    assert callbacks == []
    assert mail.outbox == []


def test_a_failing_outbox_write_leaves_no_notification(world):
    with pytest.raises(ValueError, match="content type"):
        services.notify(
            recipient_id=world.member.pk,
            kind="k",
            title="Broken attachment",
            email=True,
            email_attachments=[EmailAttachment("invite.ics", "calendar", "x")],
        )
    assert Notification.objects.count() == 0
    assert OutgoingEmail.objects.count() == 0


def test_the_same_dedupe_key_notifies_once(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.notify(recipient_id=world.member.pk, kind="k", title="One", dedupe_key="d", email=True)
        second = services.notify(recipient_id=world.member.pk, kind="k", title="Two", dedupe_key="d", email=True)
        other = services.notify(recipient_id=world.leader.pk, kind="k", title="Three", dedupe_key="d", email=True)
    assert first is not None
    assert second is None
    assert other is not None
    assert sorted(Notification.objects.values_list("recipient_id", "title")) == sorted(
        [(world.member.pk, "One"), (world.leader.pk, "Three")]
    )
    assert OutgoingEmail.objects.count() == 2
    assert len(mail.outbox) == 2


def test_without_a_key_every_notify_counts(world):
    services.notify(recipient_id=world.member.pk, kind="k", title="A")
    services.notify(recipient_id=world.member.pk, kind="k", title="A")
    assert Notification.objects.filter(recipient=world.member).count() == 2
    assert OutgoingEmail.objects.count() == 0  # email=False


def test_an_inactive_person_gets_no_email(db, django_capture_on_commit_callbacks):
    person = PersonFactory(active=False, email="gone@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        assert services.notify(recipient_id=person.pk, kind="k", title="Hi", email=True) is not None
    assert OutgoingEmail.objects.count() == 0
    assert mail.outbox == []


@pytest.mark.parametrize("url", ["javascript:alert(1)", "//evil.example.org/x", "data:text/html,x", "ftp://x"])
def test_unsafe_urls_are_refused(world, url):
    with pytest.raises(ValueError, match="url must be"):
        services.notify(recipient_id=world.member.pk, kind="k", title="x", url=url)
    assert Notification.objects.count() == 0


def test_an_unknown_person_is_refused(db):
    with pytest.raises(ValueError, match="no person"):
        services.notify(recipient_id=999_999, kind="k", title="x")


def test_mark_read_only_touches_the_persons_own(world):
    mine = services.notify(recipient_id=world.member.pk, kind="k", title="Mine")
    theirs = services.notify(recipient_id=world.leader.pk, kind="k", title="Theirs")
    assert mine and theirs
    assert services.notification_mark_read(person_id=world.member.pk, notification_id=theirs.pk) is None
    read = services.notification_mark_read(person_id=world.member.pk, notification_id=mine.pk)
    assert read is not None and read.read_at is not None
    first_read_at = read.read_at
    again = services.notification_mark_read(person_id=world.member.pk, notification_id=mine.pk)
    assert again is not None and again.read_at == first_read_at
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert queries.unread_count_for(person_id=world.member.pk) == 0
    assert queries.unread_count_for(person_id=world.leader.pk) == 1


def test_mark_all_read(world):
    for n in range(3):
        services.notify(recipient_id=world.member.pk, kind="k", title=f"N{n}")
    services.notify(recipient_id=world.leader.pk, kind="k", title="Leader's")
    assert services.notification_mark_all_read(person_id=world.member.pk) == 3
    assert services.notification_mark_all_read(person_id=world.member.pk) == 0
    assert queries.unread_count_for(person_id=world.member.pk) == 0
    assert queries.unread_count_for(person_id=world.leader.pk) == 1
    assert [n.title for n in queries.notification_list_for(person_id=world.member.pk, unread_only=True)] == []
    assert [n.title for n in queries.notification_list_for(person_id=world.member.pk)] == ["N2", "N1", "N0"]
