"""The people import's writes: person_import and person_import_file.

Every row is checked first (peerloop.people.importing); then one transaction writes
units, regions, people (managers first), their topics and the audit row.
"""

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, cast

from django.db import IntegrityError, connection, transaction
from django.db.models import Field
from django.utils import timezone

from peerloop.accounts import services as account_services
from peerloop.core.roles import Actor
from peerloop.core.services import audit_record
from peerloop.core.tabular import RowError, Table, read_file
from peerloop.people.importing import PEOPLE, ImportPlan, Key, PersonImportReport, plan_import, read_rows
from peerloop.people.models import Person, Region, Unit

Progress = Callable[[int, int], None]
WRITE_BATCH = 5_000


# --- import ---------------------------------------------------------------------------


def person_import(
    *,
    actor: Actor,
    rows: Iterable[Mapping[str, Any]],
    dry_run: bool,
    deactivate_missing: bool = False,
    progress: Progress | None = None,
) -> PersonImportReport:
    """Import people from rows (mappings of the import columns to text).

    Every row is checked first; with any error nothing is written and the report lists
    every error as (line, column, message), where the line of a row is its position
    from 1. Applying is atomic and idempotent: people are matched by external_id, then
    email, and importing the same rows again reports 0 created and 0 updated.
    ``progress(done, total)`` is called as rows are checked, then after each batch
    written; ``total`` grows once by the number of writes when the checks are done.
    """
    return _import(
        actor=actor,
        source=read_rows(rows),
        dry_run=dry_run,
        deactivate_missing=deactivate_missing,
        progress=progress,
        label="rows",
    )


def person_import_file(
    *,
    actor: Actor,
    path: Path | None = None,
    data: bytes | None = None,
    name: str = "",
    dry_run: bool,
    deactivate_missing: bool = False,
    progress: Progress | None = None,
) -> PersonImportReport:
    """Import people from a CSV or JSON file (a list of objects or JSON Lines), given as
    a path or as bytes (with its file name). Errors name the file's line and column,
    including a file that is not UTF-8 ("not UTF-8: byte 0xe9 at line 3"). Otherwise
    as :func:`person_import`."""
    return _import(
        actor=actor,
        source=read_file(path=path, data=data, name=name, dialect=PEOPLE),
        dry_run=dry_run,
        deactivate_missing=deactivate_missing,
        progress=progress,
        label=name or (Path(path).name if path is not None else ""),
    )


def _import(
    *,
    actor: Actor,
    source: Table,
    dry_run: bool,
    deactivate_missing: bool,
    progress: Progress | None,
    label: str,
) -> PersonImportReport:
    total = len(source.rows)
    if progress is not None:
        progress(0, total)
    plan = plan_import(source, deactivate_missing=deactivate_missing, progress=progress)
    report = plan.report
    report.dry_run = dry_run
    if dry_run or report.errors:
        if progress is not None:
            progress(total, total)
        return report
    writes = len(plan.creates) + len(plan.updates) + len(plan.deactivate_ids)
    counter = _Counter(progress, done=total, total=total + writes)
    counter.advance(0)
    try:
        with transaction.atomic():
            _apply(actor=actor, plan=plan, counter=counter)
            audit_record(
                actor=actor,
                action="people.import",
                object_type="import",
                object_repr=label,
                changes={
                    "rows": report.rows,
                    "created": report.created,
                    "updated": report.updated,
                    "unchanged": report.unchanged,
                    "deactivated": report.deactivated,
                    "deactivate_missing": deactivate_missing,
                    "units_created": report.units_created[:50],
                    "regions_created": report.regions_created[:50],
                },
            )
    except IntegrityError as exc:
        # The directory changed between the checks and the writes (another import or an
        # edit): the transaction rolled back, so nothing was written.
        report.errors.append(RowError(0, "", f"the directory changed during the import, run it again ({exc})"))
        report.created = report.updated = report.deactivated = 0
    return report


class _RowWriter:
    """Writes people with plain ``executemany`` statements.

    The ORM's bulk_create spends most of a large import preparing values field by
    field; the import has checked every value already, so it hands the driver rows of
    plain values (docs/benchmarks.md, "People import").
    """

    INSERT_FIELDS = (
        "created_at",
        "updated_at",
        "email",
        "external_id",
        "name",
        "title",
        "role_family",
        "level",
        "unit",
        "region",
        "location",
        "timezone",
        "manager",
        "skills",
        "kind",
        "active",
    )

    def __init__(self, now: Any) -> None:
        meta = Person._meta
        quote = connection.ops.quote_name
        self.table = quote(meta.db_table)
        self.now = meta.get_field("updated_at").get_db_prep_save(now, connection)
        self.skills_field = meta.get_field("skills")
        self.columns = {
            name: quote(cast(Field, meta.get_field(name)).column or name) for name in (*self.INSERT_FIELDS, "id")
        }
        fields = ", ".join(self.columns[name] for name in self.INSERT_FIELDS)
        marks = ", ".join(["%s"] * len(self.INSERT_FIELDS))
        # Identifiers come from the model and are quoted; values are parameters.
        self.insert_sql = f"INSERT INTO {self.table} ({fields}) VALUES ({marks})"  # noqa: S608
        through = Person.topics.through._meta
        self.links_sql = (
            f"INSERT INTO {quote(through.db_table)} ({quote(through.get_field('person').column)}, "  # noqa: S608
            f"{quote(through.get_field('topic').column)}) VALUES (%s, %s)"
        )
        self.last_id = Person.objects.order_by("-id").values_list("id", flat=True).first() or 0

    def skills(self, value: list[str]) -> Any:
        return self.skills_field.get_db_prep_save(value, connection)

    def person_values(self, row: Any, *, unit_id: int | None, region_id: int | None, manager_id: int | None) -> tuple:
        return (
            self.now,
            self.now,
            row.email,
            row.external_id,
            row.name,
            row.title,
            row.role_family,
            row.level,
            unit_id,
            region_id,
            row.location,
            row.timezone,
            manager_id,
            self.skills(row.skills),
            row.kind,
            row.active,
        )

    def insert_people(self, rows: list[tuple], emails: list[str]) -> dict[str, int]:
        """Insert the rows and return the new ids by email."""
        with connection.cursor() as cursor:
            cursor.executemany(self.insert_sql, rows)
        wanted = set(emails)
        # New ids come after the last one seen; anyone missing is looked up by email.
        found = {
            email: pk
            for email, pk in Person.objects.filter(id__gt=self.last_id).values_list("email", "id")
            if email in wanted
        }
        for chunk in _chunks(sorted(wanted - found.keys()), 500):
            found.update(Person.objects.filter(email__in=chunk).values_list("email", "id"))
        if found:
            self.last_id = max(self.last_id, *found.values())
        return found

    def update_people(self, names: tuple[str, ...], rows: list[tuple]) -> None:
        """``rows`` hold the values of ``names`` then the person's id."""
        assignments = ", ".join(f"{self.columns[name]} = %s" for name in (*names, "updated_at"))
        sql = f"UPDATE {self.table} SET {assignments} WHERE {self.columns['id']} = %s"  # noqa: S608
        skills_at = names.index("skills") if "skills" in names else None
        prepared = []
        for row in rows:
            values = list(row)
            if skills_at is not None:
                values[skills_at] = self.skills(values[skills_at])
            prepared.append((*values[:-1], self.now, values[-1]))
        with connection.cursor() as cursor:
            cursor.executemany(sql, prepared)

    def insert_links(self, links: list[tuple[int, int]]) -> None:
        with connection.cursor() as cursor:
            cursor.executemany(self.links_sql, links)


class _Counter:
    def __init__(self, progress: Progress | None, *, done: int, total: int) -> None:
        self.progress, self.done, self.total = progress, done, total

    def advance(self, by: int) -> None:
        self.done += by
        if self.progress is not None:
            self.progress(self.done, self.total)


def _chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _apply(*, actor: Actor, plan: ImportPlan, counter: _Counter) -> None:
    """Write a checked plan. Runs inside the import's transaction."""
    now = timezone.now()
    region_ids = dict(plan.region_ids)
    if plan.new_regions:
        created = Region.objects.bulk_create([Region(code=code, name=name) for code, name in plan.new_regions.items()])
        region_ids.update({region.code: region.pk for region in created})
    unit_ids = dict(plan.unit_ids)
    if plan.new_units:
        created_units = Unit.objects.bulk_create([Unit(code=code, name=name) for code, name in plan.new_units.items()])
        unit_ids.update({unit.code: unit.pk for unit in created_units})
    if plan.unit_parents:
        moved = [
            Unit(pk=unit_ids[code], parent_id=unit_ids[parent], updated_at=now)
            for code, parent in plan.unit_parents.items()
        ]
        Unit.objects.bulk_update(moved, ["parent", "updated_at"], batch_size=500)

    person_ids: dict[str, int] = {}  # the email of every new person -> id

    def person_id(key: Key | None) -> int | None:
        if key is None:
            return None
        return key if isinstance(key, int) else person_ids[key]

    writer = _RowWriter(now)
    links: list[tuple[int, int]] = []

    # New people, managers before their reports: a batch is written (and its ids read
    # back) before any row whose new manager is still in it.
    batch: list[tuple] = []
    batch_emails: list[str] = []

    def flush() -> None:
        if not batch:
            return
        person_ids.update(writer.insert_people(batch, batch_emails))
        for email in batch_emails:
            links.extend((person_ids[email], topic_id) for topic_id in plan.topic_ids.get(email, ()))
        counter.advance(len(batch))
        batch.clear()
        batch_emails.clear()

    for row in plan.creates:
        manager = plan.manager_keys.get(row.email)
        if isinstance(manager, str) and manager not in person_ids:
            flush()
        unit_code = plan.row_unit.get(row.email)
        region_code = plan.row_region.get(row.email)
        batch.append(
            writer.person_values(
                row,
                unit_id=unit_ids[unit_code] if unit_code else None,
                region_id=region_ids[region_code] if region_code else None,
                manager_id=person_id(manager),
            )
        )
        batch_emails.append(row.email)
        if len(batch) >= WRITE_BATCH:
            flush()
    flush()

    # Changed people, grouped by the fields that change so each update sets only those.
    groups: dict[tuple[str, ...], list[tuple]] = {}
    replaced_topics: list[int] = []
    topic_only = 0
    for update in plan.updates:
        row, changes = update.row, update.changes
        if "topics" in changes:
            replaced_topics.append(update.person_id)
            links.extend((update.person_id, t) for t in plan.topic_ids.get(row.email, ()))
        names = tuple(sorted(name for name in changes if name != "topics"))
        if not names:
            topic_only += 1
            continue
        values: list[Any] = []
        for name in names:
            if name == "unit":
                code = plan.row_unit.get(row.email)
                values.append(unit_ids[code] if code else None)
            elif name == "region":
                code = plan.row_region.get(row.email)
                values.append(region_ids[code] if code else None)
            elif name == "manager":
                values.append(person_id(plan.manager_keys.get(row.email)))
            else:
                values.append(getattr(row, name))
        groups.setdefault(names, []).append((*values, update.person_id))
    for names, people in groups.items():
        for chunk in _chunks(people, WRITE_BATCH):
            writer.update_people(names, chunk)
            counter.advance(len(chunk))
    if replaced_topics:
        through = Person.topics.through
        for id_chunk in _chunks(replaced_topics, 500):
            through.objects.filter(person_id__in=id_chunk).delete()
    for link_chunk in _chunks(links, 10_000):
        writer.insert_links(link_chunk)
    counter.advance(topic_only)

    for chunk in _chunks(plan.deactivate_ids, 500):
        Person.objects.filter(pk__in=chunk).update(active=False, updated_at=now)
        counter.advance(len(chunk))
    for user_id in plan.logins_to_deactivate:
        account_services.user_set_active(actor=actor, user_id=user_id, active=False)
