"""The people import's rows and report, and the checks of one row on its own.

The format is a CSV header or JSON keys among ``peerloop.people.columns.COLUMNS``.
"""

from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import ClassVar
import zoneinfo

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.text import slugify

from peerloop.core.tabular import ImportReport, Row, RowError
from peerloop.people.models import MAX_LEVEL, Person

MAX_LENGTHS = {
    "email": 254,
    "external_id": 64,
    "name": 200,
    "title": 200,
    "role_family": 80,
    "unit": 160,
    "unit_parent": 160,
    "region": 120,
    "location": 120,
    "timezone": 64,
}
TRUE_WORDS = frozenset({"true", "yes", "y", "1", "active"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "inactive"})
BOOLEAN_WORDS = TRUE_WORDS | FALSE_WORDS
KINDS = frozenset(Person.Kind.values)
PROGRESS_EVERY = 5_000


@dataclass
class PersonImportReport(ImportReport):
    """What a people import did (or, in a dry run, would do), with the units and
    regions it creates."""

    units_created: list[str] = field(default_factory=list)
    regions_created: list[str] = field(default_factory=list)
    shown_errors: ClassVar[int] = 1_000

    def as_dict(self) -> dict:
        result = super().as_dict()
        errors = result.pop("errors")
        result.update(units_created=list(self.units_created), regions_created=list(self.regions_created))
        result["errors"] = errors
        return result

    def summary(self) -> str:
        if self.errors:
            verb = "would be" if self.dry_run else "was"
            return f"{len(self.errors)} error(s) in {self.rows} row(s): nothing {verb} written."
        parts = [
            f"{self.created} created",
            f"{self.updated} updated",
            f"{self.unchanged} unchanged",
            f"{self.deactivated} deactivated",
        ]
        text = f"{self.rows} row(s): " + ", ".join(parts)
        if self.units_created:
            text += f"; new units: {', '.join(self.units_created)}"
        if self.regions_created:
            text += f"; new regions: {', '.join(self.regions_created)}"
        return text + ("" if not self.dry_run else " (preview: nothing written)")


@dataclass(slots=True)
class PersonRow:
    """One row, normalized. ``valid`` is False when the row has an error of its own."""

    line: int
    email: str = ""
    external_id: str | None = None
    name: str = ""
    title: str = ""
    role_family: str = ""
    level: int | None = None
    unit: str = ""
    unit_parent: str = ""
    region: str = ""
    location: str = ""
    timezone: str = "UTC"
    manager_email: str = ""
    skills: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    kind: str = Person.Kind.EMPLOYEE
    active: bool = True
    valid: bool = True


# ---------------------------------------------------------------------------
# Cells


def split_list(value: str) -> list[str]:
    """A ";"-separated cell as a list, blanks dropped, order and first spelling kept."""
    seen: set[str] = set()
    items = []
    for part in value.split(";"):
        item = part.strip()
        if item and item.lower() not in seen:
            seen.add(item.lower())
            items.append(item)
    return items


@lru_cache(maxsize=4096)
def code_for(value: str, *, max_length: int = 64) -> str:
    """The code (slug) of a unit or region named ``value``."""
    return slugify(value, allow_unicode=True)[:max_length].strip("-")


@lru_cache(maxsize=8192)
def is_email(value: str) -> bool:
    # Cached: a file names each manager on many rows.
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


@cache
def known_timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


# ---------------------------------------------------------------------------
# Rows


def normalize_row(source: Row, errors: list[RowError]) -> PersonRow:
    """Check and normalize one row on its own (no database); problems go to ``errors``."""
    values = source.values
    line = source.line
    row = PersonRow(line=line, valid=not source.invalid)
    found = len(errors)

    def fail(column: str, message: str) -> None:
        errors.append(RowError(line, column, message))

    for column, limit in MAX_LENGTHS.items():
        if len(values.get(column, "")) > limit:
            fail(column, f"longer than {limit} characters")

    email = values.get("email", "").strip().lower()
    if not email:
        fail("email", "required")
    elif not is_email(email):
        fail("email", f"not an email address: {values['email']!r}")
    row.email = email
    row.name = " ".join(values.get("name", "").split())
    if not row.name:
        fail("name", "required")
    row.external_id = values.get("external_id", "").strip() or None
    row.title = values.get("title", "").strip()
    row.role_family = values.get("role_family", "").strip()
    level = values.get("level", "").strip()
    if level:
        try:
            number = float(level)
            if not number.is_integer():
                raise ValueError
            row.level = int(number)
        except (ValueError, OverflowError):
            fail("level", f"not an integer from 1 to {MAX_LEVEL}: {level!r}")
        else:
            if not 1 <= row.level <= MAX_LEVEL:
                fail("level", f"not an integer from 1 to {MAX_LEVEL}: {level!r}")
    row.unit = values.get("unit", "").strip()
    row.unit_parent = values.get("unit_parent", "").strip()
    if row.unit_parent and not row.unit:
        fail("unit_parent", "a parent unit needs a unit in the same row")
    for column in ("unit", "unit_parent", "region"):
        value = values.get(column, "").strip()
        if value and not code_for(value):
            fail(column, f"cannot make a code from {value!r}")
    row.region = values.get("region", "").strip()
    row.location = values.get("location", "").strip()
    zone = values.get("timezone", "").strip()
    if zone and zone not in known_timezones():
        fail("timezone", f"unknown timezone: {zone!r} (use an IANA name such as Europe/Paris)")
    row.timezone = zone or "UTC"
    manager = values.get("manager_email", "").strip().lower()
    if manager and not is_email(manager):
        fail("manager_email", f"not an email address: {values['manager_email']!r}")
    row.manager_email = manager
    row.skills = split_list(values.get("skills", ""))
    row.topics = split_list(values.get("topics", ""))
    kind = values.get("kind", "").strip().lower()
    if kind and kind not in KINDS:
        fail("kind", f"must be employee or guest, not {values['kind']!r}")
    row.kind = kind if kind in KINDS else Person.Kind.EMPLOYEE
    active = values.get("active", "").strip().lower()
    if active and active not in BOOLEAN_WORDS:
        fail("active", f"must be true or false, not {values['active']!r}")
    row.active = active not in FALSE_WORDS
    if len(errors) > found:
        row.valid = False
    return row
