"""Routes of notifications. Everyone logged in has their own list; marking one read
works only for its recipient (others get a 404); the dead letters are for admins."""

from django.urls import reverse

from peerloop.notifications.services import notify
from tests.matrix import ADMIN, EVERYONE_LOGGED_IN, Case
from tests.notifications.helpers import dead_letter

SECRET_TITLE = "Private notice for one person only"


def notification_of(person) -> int:
    notification = notify(recipient_id=person.pk, kind="test", title=SECRET_TITLE, body="Details nobody else sees.")
    assert notification is not None
    return notification.pk


def dead_letter_id(world) -> int:
    return dead_letter().pk


SECRETS = {"secrets": [SECRET_TITLE, "Details nobody else sees."]}

CASES = [
    Case(
        route="notifications:list",
        url=lambda world: reverse("notifications:list"),
        allowed=EVERYONE_LOGGED_IN,
        ok=(200,),
    ),
    Case(
        route="notifications:_badge",
        url=lambda world: reverse("notifications:_badge"),
        allowed=EVERYONE_LOGGED_IN,
        ok=(200,),
    ),
    Case(
        route="notifications:read_all",
        method="POST",
        url=lambda world: reverse("notifications:read_all"),
        allowed=EVERYONE_LOGGED_IN,
        ok=(302,),
    ),
    Case(
        route="notifications:read",
        method="POST",
        url=lambda world: reverse("notifications:read", args=[notification_of(world.member)]),
        allowed=frozenset({"member"}),
        ok=(302,),
        note="only the recipient; everyone else gets a 404",
        extra=SECRETS,
    ),
    Case(
        route="notifications:dead_letters",
        url=lambda world: (dead_letter(), reverse("notifications:dead_letters"))[1],
        allowed=ADMIN,
        ok=(200,),
        extra={"secrets": ["Your peer match this week"]},
    ),
    Case(
        route="notifications:dead_letter_retry",
        method="POST",
        url=lambda world: reverse("notifications:dead_letter_retry", args=[dead_letter_id(world)]),
        allowed=ADMIN,
        ok=(302,),
    ),
    Case(
        route="GET /api/v1/notifications",
        url=lambda world: (notification_of(world.member), "/api/v1/notifications")[1],
        allowed=EVERYONE_LOGGED_IN,
        ok=(200,),
        note="each sees only their own: the member's title never reaches another role",
    ),
    Case(
        route="POST /api/v1/notifications/read-all",
        method="POST",
        url=lambda world: "/api/v1/notifications/read-all",
        allowed=EVERYONE_LOGGED_IN,
        ok=(200,),
    ),
    Case(
        route="POST /api/v1/notifications/{notification_id}/read",
        method="POST",
        url=lambda world: f"/api/v1/notifications/{notification_of(world.admin)}/read",
        allowed=ADMIN,
        ok=(200,),
        note="the admin's own notification: everyone else gets a 404, a read token a 403",
        extra=SECRETS,
    ),
    Case(
        route="notifications:email_preferences",
        method="POST",
        url=lambda world: reverse("notifications:email_preferences"),
        data=lambda world: {"email": ["feedback.routed"]},
        allowed=EVERYONE_LOGGED_IN,
        ok=(302,),
        note="each sets their own",
    ),
    Case(
        route="GET /api/v1/notifications/email-preferences",
        url=lambda world: "/api/v1/notifications/email-preferences",
        allowed=EVERYONE_LOGGED_IN,
        ok=(200,),
    ),
    Case(
        route="PUT /api/v1/notifications/email-preferences",
        method="PUT",
        url=lambda world: "/api/v1/notifications/email-preferences",
        data=lambda world: {"choices": {"feedback.routed": False}},
        allowed=EVERYONE_LOGGED_IN,
        ok=(200,),
    ),
]
