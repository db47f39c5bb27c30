"""REST endpoints of notifications (mounted under /api/v1 by peerloop.api)."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from peerloop.core.permissions import LoginRequired
from peerloop.core.roles import Actor
from peerloop.notifications import permissions, queries, services
from peerloop.notifications.models import Notification

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    url: str
    created_at: datetime
    read_at: datetime | None


class NotificationFilters(Schema):
    unread: bool = False


class EmailPreferenceOut(Schema):
    kind: str
    label: str
    email: bool


class EmailPreferencesIn(Schema):
    choices: dict[str, bool] = Field(
        ..., description="Notification kind → whether to get it by email too; kinds not named keep their setting"
    )


class MarkedOut(Schema):
    marked: int


def _actor(request: HttpRequest) -> Actor:
    actor = getattr(request, "auth", None)
    if not isinstance(actor, Actor) or not actor.authenticated:
        raise LoginRequired()
    return actor


@router.get("/notifications", response=list[NotificationOut], summary="My notifications, newest first")
@paginate(LimitOffsetPagination)
def notification_list(request: HttpRequest, filters: Query[NotificationFilters]) -> QuerySet[Notification]:
    actor = _actor(request)
    permissions.check_list(actor)
    return queries.notification_list_for(person_id=actor.person_id, unread_only=filters.unread)


@router.post("/notifications/read-all", response=MarkedOut, summary="Mark all my notifications read")
def notification_read_all(request: HttpRequest) -> dict:
    actor = _actor(request)
    permissions.check_mark_all_read(actor)
    marked = services.notification_mark_all_read(person_id=actor.person_id) if actor.person_id else 0
    return {"marked": marked}


@router.post(
    "/notifications/{notification_id}/read", response=NotificationOut, summary="Mark one of my notifications read"
)
def notification_read(request: HttpRequest, notification_id: int) -> Notification | None:
    actor = _actor(request)
    permissions.check_mark_read(actor, queries.notification_get(notification_id=notification_id))
    assert actor.person_id is not None
    return services.notification_mark_read(person_id=actor.person_id, notification_id=notification_id)


def _preferences(person_id: int) -> list[dict]:
    return [
        {"kind": kind, "label": label, "email": email}
        for kind, label, email in queries.email_preferences_for(person_id=person_id)
    ]


@router.get("/notifications/email-preferences", response=list[EmailPreferenceOut], summary="What I get by email")
def email_preferences_get(request: HttpRequest) -> list[dict]:
    return _preferences(permissions.check_preferences(_actor(request)))


@router.put("/notifications/email-preferences", response=list[EmailPreferenceOut], summary="Choose what I get by email")
def email_preferences_put(request: HttpRequest, body: EmailPreferencesIn) -> list[dict]:
    person_id = permissions.check_preferences(_actor(request), write=True)
    try:
        services.email_preference_set(person_id=person_id, choices=body.choices)
    except ValueError as exc:
        raise ValidationError({"choices": [str(exc)]}) from exc
    return _preferences(person_id)
