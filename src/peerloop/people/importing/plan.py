"""The plan of an import: every row checked against the file and the directory, and what
to write decided, before anything is written."""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from peerloop.core.tabular import Row, RowError, Table
from peerloop.people.columns import COLUMNS
from peerloop.people.importing.rows import PROGRESS_EVERY, PersonImportReport, PersonRow, code_for, normalize_row
from peerloop.people.models import Person, Region, Unit
from peerloop.people.orgchart import depths, find_manager_cycles, format_chain
from peerloop.vocabulary.queries import topic_resolve

# ---------------------------------------------------------------------------
# The plan: every row checked against the file and the database, nothing written


# A person's identity while planning: an existing person's id, or a new row's email.
Key = int | str


@dataclass
class Existing:
    """An existing person, as far as the import compares it."""

    id: int
    email: str
    external_id: str | None
    name: str
    title: str
    role_family: str
    level: int | None
    unit_id: int | None
    region_id: int | None
    location: str
    timezone: str
    manager_id: int | None
    skills: list[str]
    kind: str
    active: bool
    user_id: int | None


EXISTING_FIELDS = tuple(Existing.__dataclass_fields__)


@dataclass
class PlannedUpdate:
    person_id: int
    row: PersonRow
    changes: dict[str, tuple[Any, Any]]


@dataclass
class ImportPlan:
    """Everything an apply needs, decided before the first write."""

    report: PersonImportReport
    columns: set[str]
    creates: list[PersonRow] = field(default_factory=list)  # managers before their reports
    updates: list[PlannedUpdate] = field(default_factory=list)
    deactivate_ids: list[int] = field(default_factory=list)
    logins_to_deactivate: list[int] = field(default_factory=list)  # account ids
    new_regions: dict[str, str] = field(default_factory=dict)  # code -> name
    new_units: dict[str, str] = field(default_factory=dict)  # code -> name
    unit_parents: dict[str, str] = field(default_factory=dict)  # unit code -> parent code, changes only
    region_ids: dict[str, int] = field(default_factory=dict)  # existing codes
    unit_ids: dict[str, int] = field(default_factory=dict)
    manager_keys: dict[str, Key] = field(default_factory=dict)  # row email -> its manager's key
    row_keys: dict[str, Key] = field(default_factory=dict)  # row email -> the row's key
    topic_ids: dict[str, list[int]] = field(default_factory=dict)  # row email -> topic ids
    existing_topics: dict[int, set[int]] = field(default_factory=dict)
    row_unit: dict[str, str] = field(default_factory=dict)  # row email -> unit code
    row_region: dict[str, str] = field(default_factory=dict)  # row email -> region code


class _Places:
    """Resolves the unit or region names of a file to codes, planning the missing ones."""

    def __init__(self, rows: Iterable[tuple[int, str, str, int | None]]) -> None:
        self.ids: dict[str, int] = {}
        self.parents: dict[str, int | None] = {}
        self.names: dict[str, str] = {}
        self.by_name: dict[str, str] = {}
        self.new: dict[str, str] = {}
        self.id_to_code: dict[int, str] = {}
        for pk, code, name, parent_id in rows:
            self.ids[code] = pk
            self.id_to_code[pk] = code
            self.names[code] = name
            self.by_name.setdefault(name.lower(), code)
            self.parents[code] = parent_id

    def resolve(self, value: str) -> str:
        """The code for a value given as a code or a name (any case); a new code if unknown."""
        if value in self.ids:
            return value
        code = self.by_name.get(value.lower())
        if code is not None:
            return code
        code = code_for(value)
        if code not in self.ids and code not in self.new:
            self.new[code] = value
            self.names[code] = value
        return code

    def code_of(self, pk: int | None) -> str | None:
        return self.id_to_code.get(pk) if pk is not None else None


def _consume(rows: list[Row], total: int, progress: Callable[[int, int], None] | None) -> Iterable[Row]:
    """Hand out the rows, releasing each once taken (the plan keeps its own copy)."""
    for position in range(len(rows)):
        yield rows[position]
        rows[position] = None  # type: ignore[call-overload]
        if progress is not None and (position + 1) % PROGRESS_EVERY == 0:
            progress(position + 1, total)
    rows.clear()


def _existing_people() -> list[Existing]:
    return [Existing(*values) for values in Person.objects.order_by().values_list(*EXISTING_FIELDS)]


def plan_import(
    source: Table, *, deactivate_missing: bool, progress: Callable[[int, int], None] | None = None
) -> ImportPlan:
    """Check every row against the file and the database and decide what to write.

    Errors found reading the source are kept; every further problem is added, so a
    preview lists them all at once.
    """
    columns = {c for c in source.columns if c in COLUMNS}
    report = PersonImportReport(dry_run=True, rows=len(source.rows), errors=list(source.errors))
    plan = ImportPlan(report=report, columns=columns)
    errors = report.errors
    total = len(source.rows)
    rows = [normalize_row(source_row, errors) for source_row in _consume(source.rows, total, progress)]

    # Duplicates inside the file.
    first_line_of_email: dict[str, int] = {}
    first_line_of_id: dict[str, int] = {}
    for row in rows:
        if row.email:
            if row.email in first_line_of_email:
                errors.append(
                    RowError(
                        row.line,
                        "email",
                        f"duplicate email {row.email} (also on line {first_line_of_email[row.email]})",
                    )
                )
                row.valid = False
            else:
                first_line_of_email[row.email] = row.line
        if row.external_id:
            if row.external_id in first_line_of_id:
                errors.append(
                    RowError(
                        row.line,
                        "external_id",
                        f"duplicate external_id {row.external_id} (also on line {first_line_of_id[row.external_id]})",
                    )
                )
                row.valid = False
            else:
                first_line_of_id[row.external_id] = row.line
    file_rows = {row.email: row for row in rows if row.email and first_line_of_email.get(row.email) == row.line}

    # The people who exist: one query for them, one for their topics if the file sets topics.
    existing = _existing_people()
    by_id = {person.id: person for person in existing}
    by_email = {person.email.lower(): person for person in existing}
    by_external = {person.external_id: person for person in existing if person.external_id}
    if "topics" in columns:
        through = Person.topics.through
        for person_id, topic_id in through.objects.order_by().values_list("person_id", "topic_id"):
            plan.existing_topics.setdefault(person_id, set()).add(topic_id)

    # Match each row: external_id first, then email.
    matched: dict[str, Existing | None] = {}
    claimed: dict[int, int] = {}  # person id -> line that matched it
    for row in file_rows.values():
        person = by_external.get(row.external_id) if row.external_id else None
        if person is None:
            person = by_email.get(row.email)
            if person is not None and row.external_id and person.external_id and person.external_id != row.external_id:
                errors.append(
                    RowError(
                        row.line,
                        "external_id",
                        f"{row.email} already belongs to the person with external_id {person.external_id}",
                    )
                )
                row.valid = False
        elif row.email != person.email.lower():
            owner = by_email.get(row.email)
            if owner is not None and owner.id != person.id:
                errors.append(
                    RowError(
                        row.line,
                        "email",
                        f"{row.email} belongs to another person ({owner.name}); external_id {row.external_id} "
                        f"is {person.name} <{person.email}>",
                    )
                )
                row.valid = False
        if person is not None and person.id in claimed:
            errors.append(
                RowError(
                    row.line, "email", f"this row and line {claimed[person.id]} are the same person ({person.email})"
                )
            )
            row.valid = False
        if person is not None:
            claimed.setdefault(person.id, row.line)
        matched[row.email] = person
        plan.row_keys[row.email] = person.id if person is not None else row.email

    # Units and regions: existing ones by code or name, missing ones planned (code = slug).
    regions = _Places(
        (pk, code, name, None) for pk, code, name in Region.objects.order_by().values_list("id", "code", "name")
    )
    units = _Places(Unit.objects.order_by().values_list("id", "code", "name", "parent_id"))
    row_region: dict[str, str] = {}
    row_unit: dict[str, str] = {}
    parent_set_on: dict[str, tuple[str, int]] = {}
    for row in file_rows.values():
        if row.region and code_for(row.region):
            row_region[row.email] = regions.resolve(row.region)
        if row.unit and code_for(row.unit):
            code = units.resolve(row.unit)
            row_unit[row.email] = code
            if row.unit_parent and code_for(row.unit_parent):
                parent = units.resolve(row.unit_parent)
                earlier = parent_set_on.get(code)
                if earlier is not None and earlier[0] != parent:
                    errors.append(
                        RowError(
                            row.line,
                            "unit_parent",
                            f"unit {row.unit} is given the parent {row.unit_parent} here but another parent on "
                            f"line {earlier[1]}",
                        )
                    )
                    row.valid = False
                elif earlier is None:
                    parent_set_on[code] = (parent, row.line)
    unit_tree: dict[Key, Key | None] = {code: units.code_of(parent) for code, parent in units.parents.items()}
    for code in units.new:
        unit_tree.setdefault(code, None)
    for code, (parent, _line) in parent_set_on.items():
        unit_tree[code] = parent
    for cycle in find_manager_cycles(unit_tree):
        lines = sorted({parent_set_on[str(code)][1] for code in cycle if code in parent_set_on})
        errors.append(
            RowError(
                lines[0] if lines else 0,
                "unit_parent",
                f"unit cycle: {format_chain(cycle, lambda code: units.names.get(str(code), str(code)))}"
                + (f" (lines {', '.join(map(str, lines))})" if len(lines) > 1 else ""),
            )
        )
    for code, (parent, _line) in parent_set_on.items():
        if code in units.new or units.code_of(units.parents.get(code)) != parent:
            plan.unit_parents[code] = parent
    plan.new_regions, plan.new_units = regions.new, units.new
    plan.region_ids, plan.unit_ids = regions.ids, units.ids

    # Topics: one lookup for every distinct word in the file.
    if "topics" in columns:
        words = sorted({word for row in file_rows.values() for word in row.topics})
        resolved = topic_resolve(names=words) if words else {}
        for row in file_rows.values():
            ids: list[int] = []
            for word in row.topics:
                topic = resolved.get(word)
                if topic is None:
                    errors.append(RowError(row.line, "topics", f"unknown topic: {word!r}"))
                    row.valid = False
                elif topic.pk not in ids:
                    ids.append(topic.pk)
            plan.topic_ids[row.email] = ids

    # Managers: in the file or in the database; then no cycle in the resulting chart.
    if "manager_email" in columns:
        for row in file_rows.values():
            if not row.manager_email:
                continue
            if row.manager_email in plan.row_keys:
                plan.manager_keys[row.email] = plan.row_keys[row.manager_email]
            elif row.manager_email in by_email:
                plan.manager_keys[row.email] = by_email[row.manager_email].id
            else:
                errors.append(
                    RowError(
                        row.line,
                        "manager_email",
                        f"unknown manager: {row.manager_email} is neither in the file nor in the directory",
                    )
                )
                row.valid = False
        chart: dict[Key, Key | None] = {person.id: person.manager_id for person in existing}
        for row in file_rows.values():
            chart[plan.row_keys[row.email]] = plan.manager_keys.get(row.email)
        key_rows = {plan.row_keys[row.email]: row for row in file_rows.values()}

        def label(key: Key) -> str:
            row = key_rows.get(key)
            if row is not None:
                return f"{row.name} ({row.email})"
            person = by_id[key]  # type: ignore[index]
            return f"{person.name} ({person.email})"

        for cycle in find_manager_cycles(chart):
            lines = sorted({key_rows[key].line for key in cycle if key in key_rows})
            for key in cycle:
                if key in key_rows:
                    key_rows[key].valid = False
            errors.append(
                RowError(
                    lines[0] if lines else 0,
                    "manager_email",
                    f"manager cycle: {format_chain(cycle, label)}"
                    + (f" (lines {', '.join(map(str, lines))})" if len(lines) > 1 else ""),
                )
            )

    # What changes.
    new_rows: list[PersonRow] = []
    seen_ids: set[int] = set()
    for row in file_rows.values():
        person = matched[row.email]
        if person is not None:
            seen_ids.add(person.id)
        if not row.valid:
            continue  # counted nowhere: the preview's counts are those of the rows without errors
        if person is None:
            new_rows.append(row)
            continue
        changes = _changes(plan, row, person, row_unit.get(row.email), row_region.get(row.email), regions, units)
        if changes:
            plan.updates.append(PlannedUpdate(person.id, row, changes))
            if changes.get("active") == (True, False) and person.user_id:
                plan.logins_to_deactivate.append(person.user_id)
        else:
            report.unchanged += 1
    if deactivate_missing:
        for person in existing:
            if person.active and person.kind == Person.Kind.EMPLOYEE and person.id not in seen_ids:
                plan.deactivate_ids.append(person.id)
                if person.user_id:
                    plan.logins_to_deactivate.append(person.user_id)
    plan.creates = _managers_first(new_rows, plan.manager_keys)
    report.created = len(plan.creates)
    report.updated = len(plan.updates)
    report.deactivated = len(plan.deactivate_ids)
    report.units_created = sorted(plan.new_units.values(), key=str.lower)
    report.regions_created = sorted(plan.new_regions.values(), key=str.lower)
    plan.row_unit, plan.row_region = row_unit, row_region
    errors.sort(key=lambda error: (error.line, COLUMNS.index(error.column) if error.column in COLUMNS else -1))
    return plan


def _changes(
    plan: ImportPlan,
    row: PersonRow,
    person: Existing,
    unit_code: str | None,
    region_code: str | None,
    regions: _Places,
    units: _Places,
) -> dict[str, tuple[Any, Any]]:
    """The fields the row changes on an existing person, as (old, new); only the file's columns count."""
    columns = plan.columns
    changes: dict[str, tuple[Any, Any]] = {}

    def compare(name: str, old: Any, new: Any) -> None:
        if old != new:
            changes[name] = (old, new)

    compare("email", person.email, row.email)
    if row.external_id:
        compare("external_id", person.external_id, row.external_id)
    for name in ("name", "title", "role_family", "level", "location", "timezone", "skills", "kind", "active"):
        if name in columns or name == "name":
            compare(name, getattr(person, name), getattr(row, name))
    if "unit" in columns:
        compare("unit", units.code_of(person.unit_id), unit_code)
    if "region" in columns:
        compare("region", regions.code_of(person.region_id), region_code)
    if "manager_email" in columns:
        compare("manager", person.manager_id, plan.manager_keys.get(row.email))
    if "topics" in columns:
        old = plan.existing_topics.get(person.id, set())
        new = set(plan.topic_ids.get(row.email, []))
        if old != new:
            changes["topics"] = (sorted(old), sorted(new))
    return changes


def _managers_first(rows: list[PersonRow], manager_keys: Mapping[str, Key]) -> list[PersonRow]:
    """New rows ordered so that a new manager is written before their reports."""
    new_emails = {row.email for row in rows}
    managers: dict[Key, Key | None] = {}
    for row in rows:
        manager = manager_keys.get(row.email)
        managers[row.email] = manager if isinstance(manager, str) and manager in new_emails else None
    if find_manager_cycles(managers, limit=1):
        return rows  # reported as an error already; nothing will be written
    depth = depths(managers)
    return sorted(rows, key=lambda row: depth[row.email])
