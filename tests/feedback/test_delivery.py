"""What the loop tells owners outside the processor: one notice per owner and batch,
in-app and by email through a real SMTP server, unless the owner turned that email off;
reminders and reassignments by email too."""

from datetime import timedelta

import pytest

from peerloop.feedback import delivery, services
from peerloop.notifications import services as notification_services
from peerloop.notifications.models import Notification, OutgoingEmail
from tests.feedback.helpers import ingest, org
from tests.notifications.helpers import parts

pytestmark = pytest.mark.django_db


def test_one_email_per_owner_and_batch_lists_their_items(world, smtp_inbox, django_capture_on_commit_callbacks):
    o = org(world)
    with django_capture_on_commit_callbacks(execute=True):
        items = ingest(
            world,
            {"text": "The price went up again", "region": "lima"},
            {"text": "No discount for loyal customers", "region": "lima"},
            {"text": "Price list is confusing", "region": "jakarta"},
        )
    lima = [i.pk for i in items if i.owner_id == o.head_lima.pk]
    assert len(lima) == 2
    by_recipient = {recipients[0]: message for _sender, recipients, message in smtp_inbox.messages}
    assert sorted(by_recipient) == ["head.jakarta@example.org", "head.lima@example.org"]
    assert len(smtp_inbox.messages) == 2
    message = by_recipient["head.lima@example.org"]
    assert message["Subject"] == "2 new feedback items in your inbox"
    text = parts(message)["text/plain"]
    for item_id in lima:
        assert f"#{item_id} (due " in text
        assert f"http://127.0.0.1:8000/feedback/items/{item_id}/" in text
    assert "The price went up again" in text and "No discount for loyal customers" in text
    assert "Price list is confusing" not in text  # Jakarta's item is not Luis's business
    note = Notification.objects.get(recipient=o.head_lima, kind="feedback.routed")
    assert note.title == "2 new feedback items in your inbox"
    assert OutgoingEmail.objects.get(notification=note).status == OutgoingEmail.Status.SENT


def test_the_notifying_job_run_twice_tells_nobody_twice(world):
    o = org(world)
    (item,) = ingest(world, {"text": "price", "region": "lima"})
    assert delivery.routed_notify(owner_items=[[o.head_lima.pk, [item.pk]]]) == 0
    assert Notification.objects.filter(recipient=o.head_lima, kind="feedback.routed").count() == 1
    assert OutgoingEmail.objects.filter(to="head.lima@example.org").count() == 1
    # Items that are no longer the person's are left out (no notice at all here).
    assert delivery.routed_notify(owner_items=[[o.head_jakarta.pk, [item.pk]]]) == 0
    assert not Notification.objects.filter(recipient=o.head_jakarta).exists()


def test_an_owner_who_turned_routed_email_off_gets_the_notice_in_app_only(
    world, smtp_inbox, django_capture_on_commit_callbacks
):
    o = org(world)
    notification_services.email_preference_set(person_id=o.head_lima.pk, choices={"feedback.routed": False})
    with django_capture_on_commit_callbacks(execute=True):
        (item,) = ingest(world, {"text": "price", "region": "lima"})
    assert Notification.objects.filter(recipient=o.head_lima, kind="feedback.routed").count() == 1
    assert smtp_inbox.messages == []
    assert not OutgoingEmail.objects.exists()
    # The reminder is another kind: still emailed.
    with django_capture_on_commit_callbacks(execute=True):
        services.sla_sweep(now=item.routed_at + timedelta(hours=19))
    assert [m["Subject"] for _s, _r, m in smtp_inbox.messages] == [f"Feedback #{item.pk} waits for you"]


def test_reminder_and_reassignment_are_emailed(world, smtp_inbox, django_capture_on_commit_callbacks):
    org(world)
    (item,) = ingest(world, {"text": "price", "region": "lima"})
    with django_capture_on_commit_callbacks(execute=True):
        assert services.sla_sweep(now=item.routed_at + timedelta(hours=19)) == {"reminded": 1, "reassigned": 0}
        assert services.sla_sweep(now=item.routed_at + timedelta(hours=25)) == {"reminded": 0, "reassigned": 1}
    subjects = sorted((recipients[0], message["Subject"]) for _s, recipients, message in smtp_inbox.messages)
    assert subjects == [
        ("head.lima@example.org", f"Feedback #{item.pk} waits for you"),
        ("vp@example.org", f"Feedback #{item.pk} is now yours"),
    ]
