"""The notifications pages, the badge and the API, as their users see them."""

from django.urls import reverse
import pytest

from peerloop.notifications import services
from peerloop.notifications.models import Notification
from tests.notifications.helpers import dead_letter


def notify(person, title, **fields):
    notification = services.notify(recipient_id=person.pk, kind="test", title=title, **fields)
    assert notification is not None
    return notification


def test_the_empty_list(world, client_as):
    response = client_as("member").get(reverse("notifications:list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "No notifications yet" in body
    assert "Mark all read" not in body
    unread = client_as("member").get(reverse("notifications:list"), {"show": "unread"}).content.decode()
    assert "You're all caught up" in unread


def test_the_list_shows_only_my_notifications(world, client_as, django_assert_max_num_queries):
    for n in range(40):
        notify(world.member, f"Notice {n:02d}", url=f"/spaces/{n}/")
    notify(world.leader, "The leader's own notice")
    client = client_as("member")
    with django_assert_max_num_queries(8):
        response = client.get(reverse("notifications:list"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "40 unread" in body
    assert "Notice 39" in body and "Notice 10" in body and "Notice 09" not in body  # 30 per page
    assert 'href="/spaces/39/"' in body
    assert "The leader&#x27;s own notice" not in body and "The leader's own notice" not in body
    assert "Page 1 of 2" in body
    assert "Undelivered emails" not in body  # not an admin


def test_mark_read_with_htmx_returns_the_row(world, client_as):
    notification = notify(world.member, "Hello")
    client = client_as("member")
    response = client.post(reverse("notifications:read", args=[notification.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="notification-{notification.pk}"' in body
    assert "Mark read" not in body
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_mark_all_read(world, client_as):
    notify(world.member, "One")
    notify(world.member, "Two")
    other = notify(world.leader, "Leader's")
    response = client_as("member").post(reverse("notifications:read_all"), follow=True)
    assert "2 notifications marked read." in response.content.decode()
    assert Notification.objects.filter(recipient=world.member, read_at__isnull=True).count() == 0
    other.refresh_from_db()
    assert other.read_at is None


@pytest.mark.parametrize("role", ["leader", "guest", "admin"])
def test_another_persons_notification_is_a_404(world, client_as, role):
    notification = notify(world.member, "Private to the member")
    response = client_as(role).post(reverse("notifications:read", args=[notification.pk]))
    assert response.status_code == 404
    assert "Private to the member" not in response.content.decode()
    api = client_as(role).post(f"/api/v1/notifications/{notification.pk}/read")
    assert api.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_a_huge_id_is_a_404(world, client_as):
    assert client_as("member").post(reverse("notifications:read", args=[10**30])).status_code == 404


def test_the_badge(world, client_as):
    client = client_as("member")
    empty = client.get(reverse("notifications:_badge")).content.decode()
    assert "notif-count" not in empty
    assert 'hx-trigger="every 30s"' in empty
    for n in range(3):
        notify(world.member, f"N{n}")
    body = client.get(reverse("notifications:_badge")).content.decode()
    assert '<span class="notif-count">3</span>' in body
    assert 'aria-label="Notifications, 3 unread"' in body


def test_the_badge_stops_polling_when_the_session_ends(client):
    assert client.get(reverse("notifications:_badge"), HTTP_HX_REQUEST="true").status_code == 286
    assert client.get(reverse("notifications:_badge")).status_code == 302


def test_the_badge_as_included_by_the_top_bar_loads_itself(rf):
    from django.template.loader import render_to_string

    html = render_to_string("notifications/_badge.html", {})
    assert 'hx-trigger="load, every 30s"' in html
    assert 'hx-get="/notifications/badge/"' in html


def test_admins_see_the_dead_letters_link_and_page(world, client_as, django_assert_max_num_queries):
    for n in range(5):
        dead_letter(subject=f"Lost email {n}")
    client = client_as("admin")
    assert "Undelivered emails" in client.get(reverse("notifications:list")).content.decode()
    with django_assert_max_num_queries(8):
        body = client.get(reverse("notifications:dead_letters")).content.decode()
    assert body.count("Retry now") == 5
    assert "Lost email 4" in body


def test_the_api_lists_my_notifications(world, client_as, django_assert_max_num_queries):
    first = notify(world.member, "First", body="b", url="/x/")
    notify(world.member, "Second")
    notify(world.leader, "Not mine")
    client = client_as("member")
    with django_assert_max_num_queries(6):
        data = client.get("/api/v1/notifications").json()
    assert data["count"] == 2
    assert [item["title"] for item in data["items"]] == ["Second", "First"]
    assert data["items"][1] == {
        "id": first.pk,
        "kind": "test",
        "title": "First",
        "body": "b",
        "url": "/x/",
        "created_at": data["items"][1]["created_at"],
        "read_at": None,
    }
    read = client.post(f"/api/v1/notifications/{first.pk}/read").json()
    assert read["id"] == first.pk and read["read_at"] is not None
    unread = client.get("/api/v1/notifications", {"unread": "true"}).json()
    assert [item["title"] for item in unread["items"]] == ["Second"]
    assert client.post("/api/v1/notifications/read-all").json() == {"marked": 1}
    assert client.get("/api/v1/notifications", {"unread": "true"}).json()["count"] == 0
    assert client.get("/api/v1/notifications", {"limit": 1000}).status_code == 422
