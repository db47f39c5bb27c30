"""Writes of the directory: people, units, regions, and the people import.

Services do not check permissions (views and the API ask ``people.permissions``);
they enforce the directory's rules and raise ``ValidationError`` naming the field.
"""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from peerloop.accounts import services as account_services
from peerloop.core.roles import Actor, SiteRole
from peerloop.core.services import audit_record
from peerloop.people.importing import code_for, known_timezones, split_list
from peerloop.people.models import MAX_LEVEL, Person, Region, Unit
from peerloop.people.orgchart import cycle_through, format_chain
from peerloop.people.services.imports import person_import, person_import_file
from peerloop.vocabulary.queries import topic_list

PERSON_FIELDS = frozenset(
    {
        "external_id",
        "title",
        "role_family",
        "level",
        "unit_id",
        "region_id",
        "location",
        "timezone",
        "manager_id",
        "skills",
        "topic_ids",
        "active",
        "user_id",
    }
)
TEXT_LIMITS = {"name": 200, "title": 200, "role_family": 80, "location": 120, "external_id": 64}

# --- people ---------------------------------------------------------------------------


def _person_label(person_id: int) -> str:
    person = Person.objects.filter(pk=person_id).values_list("name", "email").first()
    return f"{person[0]} ({person[1]})" if person else str(person_id)


def _manager_cycle_message(person_id: int, person_label: str, manager_id: int) -> str | None:
    """The manager cycle that ``manager_id`` would close for ``person_id``, named, or None."""

    def manager_of(key: Any) -> Any:
        return Person.objects.filter(pk=key).values_list("manager_id", flat=True).first()

    chain = cycle_through(person_id, manager_id, manager_of)
    if chain is None:
        return None
    labels = {
        pk: f"{name} ({email})"
        for pk, name, email in Person.objects.filter(pk__in=set(chain)).values_list("id", "name", "email")
    }
    labels[person_id] = person_label
    return f"manager cycle: {format_chain(chain, lambda pk: labels.get(pk, str(pk)))}"


def _clean_person_fields(fields: Mapping[str, Any], *, person: Person | None) -> dict[str, Any]:
    """Check the fields of a create or update; raise ValidationError naming each bad field."""
    allowed = PERSON_FIELDS | {"email", "name", "kind"}
    unknown = sorted(set(fields) - allowed)
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "not a field of a person"))
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    for name, value in fields.items():
        if name in ("email", "name", "title", "role_family", "location", "external_id", "kind", "timezone"):
            value = " ".join(str(value or "").split()) if name == "name" else str(value or "").strip()
            limit = TEXT_LIMITS.get(name)
            if limit and len(value) > limit:
                errors[name] = f"longer than {limit} characters"
        if name == "email":
            value = value.lower()
            try:
                validate_email(value)
            except ValidationError:
                errors[name] = f"{value!r} is not an email address"
            else:
                clash = Person.objects.filter(email__iexact=value)
                if person is not None:
                    clash = clash.exclude(pk=person.pk)
                if clash.exists():
                    errors[name] = f"another person already has the email {value}"
        elif name == "name" and not value:
            errors[name] = "required"
        elif name == "external_id":
            value = value or None
            if value:
                clash = Person.objects.filter(external_id=value)
                if person is not None:
                    clash = clash.exclude(pk=person.pk)
                if clash.exists():
                    errors[name] = f"another person already has the external_id {value}"
        elif name == "kind" and value not in Person.Kind.values:
            errors[name] = "must be employee or guest"
        elif name == "timezone":
            value = value or "UTC"
            if value not in known_timezones():
                errors[name] = f"unknown timezone: {value!r}"
        elif name == "level" and value not in (None, ""):
            try:
                value = int(value)
            except (TypeError, ValueError):
                errors[name] = f"an integer from 1 to {MAX_LEVEL}"
            else:
                if not 1 <= value <= MAX_LEVEL:
                    errors[name] = f"an integer from 1 to {MAX_LEVEL}"
        elif name == "level":
            value = None
        elif name == "unit_id" and value is not None and not Unit.objects.filter(pk=value).exists():
            errors[name] = "no such unit"
        elif name == "region_id" and value is not None and not Region.objects.filter(pk=value).exists():
            errors[name] = "no such region"
        elif name == "manager_id" and value is not None:
            if not Person.objects.filter(pk=value).exists():
                errors[name] = "no such person"
            elif person is not None:
                message = _manager_cycle_message(person.pk, f"{person.name} ({person.email})", value)
                if message:
                    errors[name] = message
        elif name == "skills":
            value = split_list(";".join(value)) if isinstance(value, list | tuple) else split_list(str(value or ""))
        elif name == "topic_ids":
            value = list(dict.fromkeys(int(v) for v in value))
            known = set(topic_list().filter(pk__in=value).values_list("id", flat=True))
            missing = [v for v in value if v not in known]
            if missing:
                errors[name] = f"no such topic: {', '.join(map(str, missing))}"
        elif name == "active":
            value = bool(value)
        elif name == "user_id" and value is not None:
            clash = Person.objects.filter(user_id=value)
            if person is not None:
                clash = clash.exclude(pk=person.pk)
            if clash.exists():
                errors[name] = "this account already belongs to another person"
        clean[name] = value
    if errors:
        raise ValidationError(errors)
    return clean


def _public(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool | list | type(None)) else str(value)


@transaction.atomic
def person_create(*, actor: Actor, email: str, name: str, kind: str = Person.Kind.EMPLOYEE, **fields: Any) -> Person:
    """Create a person in the directory. ``fields`` are among PERSON_FIELDS (``topic_ids`` sets topics)."""
    clean = _clean_person_fields({"email": email, "name": name, "kind": kind, **fields}, person=None)
    topic_ids = clean.pop("topic_ids", None)
    person = Person.objects.create(**clean)
    if topic_ids:
        person.topics.set(topic_ids)
    audit_record(
        actor=actor,
        action="person.create",
        object_type="person",
        object_id=person.pk,
        object_repr=f"{person.name} <{person.email}>",
        changes={
            key: _public(value)
            for key, value in {**clean, "topic_ids": topic_ids}.items()
            if value not in (None, "", [])
        },
    )
    return person


@transaction.atomic
def person_update(*, actor: Actor, person_id: int, **fields: Any) -> Person:
    """Change a person's fields (email, name, kind and PERSON_FIELDS). A manager that
    would close a cycle is refused, naming the chain: "Ana (ana@…) → Bo (bo@…) → Ana (ana@…)"."""
    person = Person.objects.select_for_update().get(pk=person_id)
    clean = _clean_person_fields(fields, person=person)
    topic_ids = clean.pop("topic_ids", None)
    changes: dict[str, list[Any]] = {}
    for name, value in clean.items():
        old = getattr(person, name)
        if old != value:
            changes[name] = [_public(old), _public(value)]
            setattr(person, name, value)
    if topic_ids is not None:
        old_topics = sorted(person.topics.values_list("id", flat=True))
        if old_topics != sorted(topic_ids):
            person.topics.set(topic_ids)
            changes["topic_ids"] = [old_topics, sorted(topic_ids)]
    if not changes:
        return person
    person.save()
    if changes.get("active") == [True, False] and person.user_id:
        account_services.user_set_active(actor=actor, user_id=person.user_id, active=False)
    audit_record(
        actor=actor,
        action="person.update",
        object_type="person",
        object_id=person.pk,
        object_repr=f"{person.name} <{person.email}>",
        changes=changes,
    )
    return person


@transaction.atomic
def person_deactivate(*, actor: Actor, person_id: int) -> None:
    """Mark a person inactive and deactivate their login, if they have one."""
    person = Person.objects.select_for_update().get(pk=person_id)
    if person.user_id:
        account_services.user_set_active(actor=actor, user_id=person.user_id, active=False)
    if not person.active:
        return
    person.active = False
    person.save(update_fields=["active", "updated_at"])
    audit_record(
        actor=actor,
        action="person.deactivate",
        object_type="person",
        object_id=person.pk,
        object_repr=f"{person.name} <{person.email}>",
        changes={"active": [True, False]},
    )


@transaction.atomic
def person_link_user(*, person_id: int, user_id: int) -> None:
    """Make ``user_id`` the login of ``person_id``; an account belongs to one person at most."""
    person = Person.objects.select_for_update().get(pk=person_id)
    if person.user_id == user_id:
        return
    if Person.objects.filter(user_id=user_id).exclude(pk=person_id).exists():
        raise ValidationError({"user_id": "this account already belongs to another person"})
    person.user_id = user_id
    person.save(update_fields=["user", "updated_at"])


def person_export_record(*, actor: Actor) -> None:
    """Audit an export of the whole directory (it holds every person's email)."""
    audit_record(actor=actor, action="people.export", object_type="import", object_repr="people CSV")


# --- units and regions ----------------------------------------------------------------


def _clean_code(code: str | None, name: str, *, model: type[Unit] | type[Region], exclude: int | None = None) -> str:
    value = code_for(code if code else name)
    if not value:
        raise ValidationError({"code": "letters or digits are needed to make a code"})
    clash = model.objects.filter(code=value)
    if exclude is not None:
        clash = clash.exclude(pk=exclude)
    if clash.exists():
        raise ValidationError({"code": f"the code {value} is taken"})
    return value


def _clean_name(name: str, limit: int) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": "required"})
    if len(name) > limit:
        raise ValidationError({"name": f"longer than {limit} characters"})
    return name


def _unit_cycle_message(unit_id: int, parent_id: int | None) -> str | None:
    parents = dict(Unit.objects.values_list("id", "parent_id"))
    chain = cycle_through(unit_id, parent_id, parents.get)
    if chain is None:
        return None
    names = dict(Unit.objects.filter(pk__in=set(chain)).values_list("id", "name"))
    return f"unit cycle: {format_chain(chain, lambda pk: names.get(pk, str(pk)))}"


@transaction.atomic
def unit_create(*, actor: Actor, name: str, code: str | None = None, parent_id: int | None = None) -> Unit:
    name = _clean_name(name, 160)
    value = _clean_code(code, name, model=Unit)
    if parent_id is not None and not Unit.objects.filter(pk=parent_id).exists():
        raise ValidationError({"parent_id": "no such unit"})
    unit = Unit.objects.create(name=name, code=value, parent_id=parent_id)
    audit_record(
        actor=actor,
        action="unit.create",
        object_type="unit",
        object_id=unit.pk,
        object_repr=unit.name,
        changes={"name": name, "code": value, "parent_id": parent_id},
    )
    return unit


_UNSET: Any = object()


@transaction.atomic
def unit_update(
    *, actor: Actor, unit_id: int, name: str = _UNSET, code: str = _UNSET, parent_id: int | None = _UNSET
) -> Unit:
    """Rename, recode or move a unit; a parent that would make the tree loop is refused, naming the loop."""
    unit = Unit.objects.select_for_update().get(pk=unit_id)
    changes: dict[str, list[Any]] = {}
    if name is not _UNSET:
        value = _clean_name(name, 160)
        if value != unit.name:
            changes["name"] = [unit.name, value]
            unit.name = value
    if code is not _UNSET:
        value = _clean_code(code, unit.name, model=Unit, exclude=unit.pk)
        if value != unit.code:
            changes["code"] = [unit.code, value]
            unit.code = value
    if parent_id is not _UNSET and parent_id != unit.parent_id:
        if parent_id is not None and not Unit.objects.filter(pk=parent_id).exists():
            raise ValidationError({"parent_id": "no such unit"})
        message = _unit_cycle_message(unit.pk, parent_id)
        if message:
            raise ValidationError({"parent_id": message})
        changes["parent_id"] = [unit.parent_id, parent_id]
        unit.parent_id = parent_id
    if changes:
        unit.save()
        audit_record(
            actor=actor,
            action="unit.update",
            object_type="unit",
            object_id=unit.pk,
            object_repr=unit.name,
            changes=changes,
        )
    return unit


@transaction.atomic
def region_create(*, actor: Actor, name: str, code: str | None = None) -> Region:
    name = _clean_name(name, 120)
    value = _clean_code(code, name, model=Region)
    region = Region.objects.create(name=name, code=value)
    audit_record(
        actor=actor,
        action="region.create",
        object_type="region",
        object_id=region.pk,
        object_repr=region.name,
        changes={"name": name, "code": value},
    )
    return region


def person_login_ensure(*, email: str) -> int | None:
    """Give the active directory person of ``email`` a login if they have none yet
    (site role member for employees, guest for guests) and return its user id; None
    when the directory has no active person with that address.

    accounts cannot read the directory (it is the older module), so the password
    reset page reaches this through settings.PEERLOOP_LOGIN_PROVISIONER: that is how
    imported people activate their account (docs/adr/0006-activating-imported-people.md).
    """
    email = account_services.email_normalize(email)
    person = Person.objects.filter(email=email).first()
    if person is None or not person.active:
        return None
    if person.user_id is not None:
        return person.user_id
    with transaction.atomic():
        role = SiteRole.GUEST if person.kind == "guest" else SiteRole.MEMBER
        user = account_services.user_ensure(email=email, role=role)
        person_link_user(person_id=person.pk, user_id=user.pk)
    return user.pk


__all__ = [
    "person_create",
    "person_deactivate",
    "person_export_record",
    "person_import",
    "person_import_file",
    "person_link_user",
    "person_login_ensure",
    "person_update",
    "region_create",
    "unit_create",
    "unit_update",
]
