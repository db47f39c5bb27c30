"""Email preferences: per kind of notification, in the page and the API; notify honours them."""

import json

from django.urls import reverse
import pytest

from peerloop.notifications import services
from peerloop.notifications.models import EmailPreference, Notification, OutgoingEmail

pytestmark = pytest.mark.django_db


def test_notify_skips_the_email_of_a_kind_turned_off_but_keeps_the_notice(world):
    services.email_preference_set(person_id=world.member.pk, choices={"feedback.routed": False})
    services.notify(recipient_id=world.member.pk, kind="feedback.routed", title="2 new items", email=True)
    services.notify(recipient_id=world.member.pk, kind="feedback.reminder", title="Item waits", email=True)
    assert Notification.objects.filter(recipient=world.member).count() == 2
    assert list(OutgoingEmail.objects.values_list("subject", flat=True)) == ["Item waits"]


def test_the_page_lists_kinds_and_saves_the_ticked_ones(world, client_as):
    services.notify(recipient_id=world.member.pk, kind="match.new", title="A new match")
    client = client_as("member")
    body = client.get(reverse("notifications:list")).content.decode()
    assert "Email me about" in body
    assert "New feedback items routed to me" in body
    assert 'value="match.new" checked' in body
    response = client.post(reverse("notifications:email_preferences"), {"email": ["feedback.reminder"]})
    assert response.status_code == 302
    saved = dict(EmailPreference.objects.filter(person=world.member).values_list("kind", "email"))
    assert saved == {
        "feedback.routed": False,
        "feedback.reminder": True,
        "feedback.assigned": False,
        "feedback.lesson": False,
        "match.new": False,
    }
    assert 'value="feedback.reminder" checked' in client.get(reverse("notifications:list")).content.decode()


def test_the_api_reads_and_sets_preferences(world, client_as):
    client = client_as("leader")
    url = "/api/v1/notifications/email-preferences"
    before = client.get(url).json()
    assert {"kind": "feedback.routed", "label": "New feedback items routed to me", "email": True} in before
    response = client.put(url, json.dumps({"choices": {"feedback.routed": False}}), content_type="application/json")
    assert response.status_code == 200
    assert {"kind": "feedback.routed", "label": "New feedback items routed to me", "email": False} in response.json()
    bad = client.put(url, json.dumps({"choices": {"": False}}), content_type="application/json")
    assert bad.status_code == 422
    assert "kind must be 1 to 64 characters" in bad.content.decode()
    assert list(EmailPreference.objects.filter(person=world.leader).values_list("kind", "email")) == [
        ("feedback.routed", False)
    ]
