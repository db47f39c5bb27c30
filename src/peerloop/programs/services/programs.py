"""Writes of programs: the P2P program template, its audience and its status.

A program's audience is either a directory filter (units, regions, levels, role
families) or a space, never both; neither means every active employee.
"""

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from peerloop.core.roles import Actor
from peerloop.core.services import audit_record
from peerloop.people import queries as people_queries
from peerloop.programs.models import Mechanism, Program
from peerloop.programs.services._common import UNSET, clean_text, public
from peerloop.spaces import queries as spaces_queries

AUDIENCE_KEYS = ("unit_ids", "region_ids", "levels", "role_families")
# The directory's levels (people.models.MAX_LEVEL): 1 is the front line.
MAX_LEVEL = 12
TRANSITIONS: dict[str, frozenset[str]] = {
    Program.Status.DRAFT: frozenset({Program.Status.ACTIVE}),
    Program.Status.ACTIVE: frozenset({Program.Status.PAUSED, Program.Status.CLOSED}),
    Program.Status.PAUSED: frozenset({Program.Status.ACTIVE, Program.Status.CLOSED}),
    Program.Status.CLOSED: frozenset(),
}


# --- checks ---------------------------------------------------------------------------


def _id_list(value: Any, field: str) -> list[int]:
    if not isinstance(value, list | tuple):
        raise ValidationError({"audience_filter": f"{field} must be a list of ids."})
    ids: set[int] = set()
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int | str):
            raise ValidationError({"audience_filter": f"{field} must hold ids, not {item!r}."})
        try:
            ids.add(int(item))
        except ValueError as exc:
            raise ValidationError({"audience_filter": f"{field} must hold ids, not {item!r}."}) from exc
    return sorted(ids)


def clean_audience_filter(value: Mapping[str, Any] | None) -> dict[str, list]:
    """The audience filter with known keys only, ids that exist, levels 1..12 and
    role families as trimmed texts; empty lists dropped."""
    if not value:
        return {}
    if not isinstance(value, Mapping):
        raise ValidationError({"audience_filter": "The audience filter must be an object."})
    unknown = sorted(set(value) - set(AUDIENCE_KEYS))
    if unknown:
        raise ValidationError({"audience_filter": f"Unknown key {unknown[0]!r}; use {', '.join(AUDIENCE_KEYS)}."})
    cleaned: dict[str, list] = {}
    for key, lister, label in (
        ("unit_ids", people_queries.unit_list, "unit"),
        ("region_ids", people_queries.region_list, "region"),
    ):
        ids = _id_list(value.get(key) or [], key)
        if ids:
            found = set(lister().filter(id__in=ids).values_list("id", flat=True))
            missing = [i for i in ids if i not in found]
            if missing:
                raise ValidationError({"audience_filter": f"No {label} with id {', '.join(map(str, missing))}."})
            cleaned[key] = ids
    levels = _id_list(value.get("levels") or [], "levels")
    bad = [level for level in levels if not 1 <= level <= MAX_LEVEL]
    if bad:
        raise ValidationError({"audience_filter": f"Levels go from 1 to {MAX_LEVEL}, not {bad[0]}."})
    if levels:
        cleaned["levels"] = levels
    families = value.get("role_families") or []
    if not isinstance(families, list | tuple) or not all(isinstance(f, str) for f in families):
        raise ValidationError({"audience_filter": "role_families must be a list of texts."})
    seen: dict[str, str] = {}
    for family in families:
        text = " ".join(family.split())
        if len(text) > 80:
            raise ValidationError({"audience_filter": "A role family is at most 80 characters."})
        if text and text.lower() not in seen:
            seen[text.lower()] = text
    if seen:
        cleaned["role_families"] = list(seen.values())
    return cleaned


def _check_person(person_id: int | None, field: str, *, required: bool) -> int | None:
    if person_id is None:
        if required:
            raise ValidationError({field: "Choose a person."})
        return None
    person = people_queries.person_get(person_id=person_id)
    if person is None or not person.active:
        raise ValidationError({field: f"There is no active person {person_id}."})
    if person.kind != "employee":
        raise ValidationError({field: f"{person.name} is a guest; choose an employee."})
    return person.pk


def _check_space(space_id: int | None) -> int | None:
    if space_id is None:
        return None
    space = spaces_queries.space_get(space_id=space_id)
    if space is None:
        raise ValidationError({"audience_space_id": f"There is no space {space_id}."})
    if space.archived:
        raise ValidationError({"audience_space_id": f"The space {space.name!r} is archived."})
    return space.pk


def _clean_mechanisms(mechanisms: Sequence[str]) -> list[str]:
    if isinstance(mechanisms, str):
        mechanisms = [mechanisms]
    allowed = set(Mechanism.values)
    result: list[str] = []
    for code in mechanisms:
        if code not in allowed:
            raise ValidationError({"mechanisms": f"Unknown mechanism {code!r}; use {', '.join(Mechanism.values)}."})
        if code not in result:
            result.append(code)
    return result


def _check_dates(starts_on: date | None, ends_on: date | None) -> None:
    if starts_on and ends_on and ends_on < starts_on:
        raise ValidationError({"ends_on": "The program cannot end before it starts."})


def _free_slug(name: str, *, exclude_id: int | None = None) -> str:
    base = (slugify(name) or "program")[:190]
    others = Program.objects.filter(slug__startswith=base)
    if exclude_id is not None:
        others = others.exclude(pk=exclude_id)
    taken = set(others.values_list("slug", flat=True))
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


# --- programs -------------------------------------------------------------------------


def program_create(
    *,
    actor: Actor,
    name: str,
    objective: str,
    owner_id: int,
    sponsor_id: int | None = None,
    mechanisms: Sequence[str] = (),
    audience_filter: dict | None = None,
    audience_space_id: int | None = None,
    expected_outcomes: str = "",
    status: str = "draft",
    starts_on: date | None = None,
    ends_on: date | None = None,
) -> Program:
    """Create a program (draft or active). Its audience is a directory filter or a space."""
    fields: dict[str, Any] = {
        "name": clean_text(name, "name", limit=200),
        "objective": clean_text(objective, "objective", limit=5000),
        "expected_outcomes": clean_text(expected_outcomes, "expected_outcomes", limit=5000, required=False),
        "mechanisms": _clean_mechanisms(mechanisms),
        "audience_filter": clean_audience_filter(audience_filter),
        "owner_id": _check_person(owner_id, "owner_id", required=True),
        "sponsor_id": _check_person(sponsor_id, "sponsor_id", required=False),
        "starts_on": starts_on,
        "ends_on": ends_on,
    }
    fields["audience_space_id"] = _check_space(audience_space_id)
    if fields["audience_filter"] and fields["audience_space_id"]:
        raise ValidationError({"audience_space_id": "Choose a directory filter or a space as the audience, not both."})
    if status not in (Program.Status.DRAFT, Program.Status.ACTIVE):
        raise ValidationError({"status": "A new program is a draft or active."})
    _check_dates(starts_on, ends_on)
    with transaction.atomic():
        program = Program(slug=_free_slug(fields["name"]), status=status, **fields)
        try:
            with transaction.atomic():
                program.save()
        except IntegrityError as exc:
            raise ValidationError(
                {"name": "A program with this name was created at the same moment; try again."}
            ) from exc
        audit_record(
            actor=actor,
            action="program.create",
            object_type="programs.program",
            object_id=program.pk,
            object_repr=program.name,
            changes={key: public(value) for key, value in fields.items()} | {"status": status},
        )
    return program


def program_update(
    *,
    actor: Actor,
    program_id: int,
    name: str = UNSET,
    objective: str = UNSET,
    expected_outcomes: str = UNSET,
    mechanisms: Sequence[str] = UNSET,
    audience_filter: dict | None = UNSET,
    audience_space_id: int | None = UNSET,
    owner_id: int = UNSET,
    sponsor_id: int | None = UNSET,
    starts_on: date | None = UNSET,
    ends_on: date | None = UNSET,
    status: str = UNSET,
) -> Program:
    """Change the given fields of a program (others stay) in one transaction; a new
    status must be a move program_set_status allows."""
    with transaction.atomic():
        program = Program.objects.select_for_update().filter(pk=program_id).first()
        if program is None:
            raise ValidationError({"program_id": f"There is no program {program_id}."})
        fields: dict[str, Any] = {}
        if name is not UNSET:
            fields["name"] = clean_text(name, "name", limit=200)
        if objective is not UNSET:
            fields["objective"] = clean_text(objective, "objective", limit=5000)
        if expected_outcomes is not UNSET:
            fields["expected_outcomes"] = clean_text(expected_outcomes, "expected_outcomes", limit=5000, required=False)
        if mechanisms is not UNSET:
            fields["mechanisms"] = _clean_mechanisms(mechanisms or [])
        if audience_filter is not UNSET:
            fields["audience_filter"] = clean_audience_filter(audience_filter)
        if audience_space_id is not UNSET:
            fields["audience_space_id"] = _check_space(audience_space_id)
        if owner_id is not UNSET:
            fields["owner_id"] = _check_person(owner_id, "owner_id", required=True)
        if sponsor_id is not UNSET:
            fields["sponsor_id"] = _check_person(sponsor_id, "sponsor_id", required=False)
        if starts_on is not UNSET:
            fields["starts_on"] = starts_on
        if ends_on is not UNSET:
            fields["ends_on"] = ends_on
        if status is not UNSET and status != program.status:
            _check_transition(program, status)
            fields["status"] = status
        final_filter = fields.get("audience_filter", program.audience_filter)
        final_space = fields.get("audience_space_id", program.audience_space_id)
        if final_filter and final_space:
            raise ValidationError(
                {"audience_space_id": "Choose a directory filter or a space as the audience, not both."}
            )
        _check_dates(fields.get("starts_on", program.starts_on), fields.get("ends_on", program.ends_on))
        changes: dict[str, list[Any]] = {}
        for key, value in fields.items():
            old = getattr(program, key)
            if old != value:
                changes[key] = [public(old), public(value)]
                setattr(program, key, value)
        if changes:
            program.save()
            audit_record(
                actor=actor,
                action="program.update",
                object_type="programs.program",
                object_id=program.pk,
                object_repr=program.name,
                changes=changes,
            )
    return program


def _check_transition(program: Program, status: str) -> None:
    if status not in Program.Status.values:
        raise ValidationError({"status": f"Unknown status {status!r}; use {', '.join(Program.Status.values)}."})
    if status not in TRANSITIONS[program.status]:
        allowed = sorted(TRANSITIONS[program.status])
        hint = f"; from {program.status} it can go to {' or '.join(allowed)}" if allowed else " (closed is final)"
        raise ValidationError({"status": f"A {program.status} program cannot become {status}{hint}."})


def program_set_status(*, actor: Actor, program_id: int, status: str) -> Program:
    """Move a program along draft → active → paused/closed (paused → active resumes).
    Setting the status it already has changes nothing; other moves are refused."""
    with transaction.atomic():
        program = Program.objects.select_for_update().filter(pk=program_id).first()
        if program is None:
            raise ValidationError({"program_id": f"There is no program {program_id}."})
        if program.status == status:
            return program
        _check_transition(program, status)
        old = program.status
        program.status = status
        program.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            action="program.status",
            object_type="programs.program",
            object_id=program.pk,
            object_repr=program.name,
            changes={"status": [old, status]},
        )
    return program
