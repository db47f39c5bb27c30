"""Reads of the directory."""

from django.db.models import QuerySet

from peerloop.core.roles import Actor
from peerloop.people.models import Person, Region, Unit


def actor_for_user(user: object, *, scope: str = "write") -> Actor:
    """The Actor for an authenticated account (any object with the User fields)."""
    user_id = getattr(user, "pk", None)
    if user_id is None or not getattr(user, "is_authenticated", False):
        return Actor()
    person_id = Person.objects.filter(user_id=user_id, active=True).values_list("id", flat=True).first()
    return Actor(
        user_id=user_id,
        role=getattr(user, "role", None),
        person_id=person_id,
        active=bool(getattr(user, "is_active", False)),
        scope=scope,
        label=getattr(user, "email", ""),
    )


def person_get(*, person_id: int) -> Person | None:
    return Person.objects.select_related("unit", "region", "manager").filter(pk=person_id).first()


def unit_list() -> QuerySet[Unit]:
    return Unit.objects.all()


def region_list() -> QuerySet[Region]:
    return Region.objects.all()
