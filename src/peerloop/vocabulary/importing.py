"""Importing the vocabulary from CSV or JSON (re-exported by ``services``).

Columns: kind (topic | segment | value), name, slug, parent (a topic's slug or name,
in the file or already in the vocabulary), synonyms (";"-separated), description.
Rows are matched by kind and slug (the slug defaults to the slugified name), so
importing the same file twice changes nothing. A column left out of the file keeps
the stored value; a column present but empty clears it.

The whole file is checked first and every problem reported by line and column; the
apply is one transaction, so a file with one bad row writes nothing.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from peerloop.core.roles import Actor
from peerloop.core.services import audit_record
from peerloop.core.tabular import (
    ImportReport,
    Row,
    Table,
    check_columns,
    looks_like_formula,
    read_file,
    rows_from_mappings,
    split_list,
)
from peerloop.vocabulary import queries
from peerloop.vocabulary.models import CompanyValue, Segment, Topic
from peerloop.vocabulary.terms import MAX_TERM_LENGTH, clean_term, find_cycles, normalize_synonyms, term_key

REQUIRED = ("kind", "name")
OPTIONAL = ("slug", "parent", "synonyms", "description")
KINDS = {
    "topic": "topic",
    "topics": "topic",
    "segment": "segment",
    "segments": "segment",
    "value": "value",
    "values": "value",
    "company_value": "value",
    "company value": "value",
}
SLUG_MAX = 120


@dataclass
class _Entry:
    """One row of the file, checked."""

    line: int
    kind: str
    slug: str
    name: str
    parent_ref: str | None = None  # None: the column is absent; "": no parent
    synonyms: list[str] | None = None
    description: str | None = None
    parent_slug: str | None = None


@dataclass
class _Stored:
    id: int
    name: str
    parent_slug: str | None
    synonyms: list[str]
    description: str


@dataclass
class _Plan:
    topics: list[_Entry] = field(default_factory=list)
    others: list[_Entry] = field(default_factory=list)


def _check_row(row: Row, columns: set[str], report: ImportReport) -> _Entry | None:
    errors_before = len(report.errors)
    line = row.line
    raw_kind = row.get("kind").lower()
    kind = KINDS.get(raw_kind)
    if not raw_kind:
        report.error(line, "kind", "The kind is required: topic, segment or value.")
    elif kind is None:
        report.error(line, "kind", f"Unknown kind {row.get('kind')!r}; use topic, segment or value.")
    name = clean_term(row.get("name"))
    if not name:
        report.error(line, "name", "The name is required.")
    elif len(name) > MAX_TERM_LENGTH:
        report.error(line, "name", f"The name is longer than {MAX_TERM_LENGTH} characters.")
    elif looks_like_formula(name):
        report.error(line, "name", "The name starts with =, +, - or @ (a spreadsheet formula).")
    raw_slug = row.get("slug")
    slug = slugify(raw_slug or name)
    if raw_slug and not slug:
        report.error(line, "slug", f"The slug {raw_slug!r} has no letter or digit.")
    elif len(slug) > SLUG_MAX:
        report.error(line, "slug" if raw_slug else "name", f"The slug is longer than {SLUG_MAX} characters.")
    entry = _Entry(line=line, kind=kind or "", slug=slug, name=name)
    if "description" in columns:
        entry.description = row.get("description")
        if entry.description.startswith(("=", "@", "+")):
            report.error(line, "description", "The description starts with =, + or @ (a spreadsheet formula).")
    if kind == "topic":
        if "parent" in columns:
            entry.parent_ref = clean_term(row.get("parent"))
        if "synonyms" in columns:
            entry.synonyms = normalize_synonyms(split_list(row.get("synonyms")), name=name)
            for synonym in entry.synonyms:
                if len(synonym) > MAX_TERM_LENGTH:
                    report.error(line, "synonyms", f"The synonym {synonym[:30]!r}… is longer than {MAX_TERM_LENGTH}.")
                elif looks_like_formula(synonym):
                    report.error(line, "synonyms", f"The synonym {synonym!r} starts with =, +, - or @.")
    elif kind is not None:
        for column in ("parent", "synonyms"):
            if row.get(column):
                report.error(line, column, f"Only topics have {'a parent' if column == 'parent' else 'synonyms'}.")
    return entry if len(report.errors) == errors_before else None


def _load_stored_topics() -> dict[str, _Stored]:
    rows = list(Topic.objects.values_list("id", "slug", "name", "parent_id", "synonyms", "description"))
    slug_of = {r[0]: r[1] for r in rows}
    return {
        slug: _Stored(id=i, name=name, parent_slug=slug_of.get(parent), synonyms=list(syn or []), description=desc)
        for i, slug, name, parent, syn, desc in rows
    }


def _plan_topics(entries: list[_Entry], report: ImportReport) -> dict[str, _Stored]:
    """Check the topics of the file against each other and the stored vocabulary,
    as the vocabulary would be after the import."""
    stored = _load_stored_topics()
    final: dict[str, tuple[str, list[str], int | None]] = {
        slug: (s.name, s.synonyms, None) for slug, s in stored.items()
    }
    parents: dict[str, str | None] = {slug: s.parent_slug for slug, s in stored.items()}
    for e in entries:
        old = stored.get(e.slug)
        synonyms = e.synonyms if e.synonyms is not None else (old.synonyms if old else [])
        final[e.slug] = (e.name, normalize_synonyms(synonyms, name=e.name), e.line)
    by_name = {term_key(name): slug for slug, (name, _, _) in final.items()}

    for e in entries:
        if e.parent_ref is None:
            parents[e.slug] = stored[e.slug].parent_slug if e.slug in stored else None
            continue
        if not e.parent_ref:
            parents[e.slug] = None
            continue
        ref = e.parent_ref
        parent = ref.lower() if ref.lower() in final else slugify(ref) if slugify(ref) in final else None
        parent = parent or by_name.get(term_key(ref))
        if parent is None:
            report.error(e.line, "parent", f"No topic {ref!r} in the file or the vocabulary (give a slug or a name).")
            parents[e.slug] = None
        elif parent == e.slug:
            report.error(e.line, "parent", f"{e.name} cannot be its own parent.")
            parents[e.slug] = None
        else:
            parents[e.slug] = parent
        e.parent_slug = parents[e.slug]

    lines = {e.slug: e.line for e in entries}
    for cycle in find_cycles(parents):
        in_file = [s for s in cycle[:-1] if s in lines]
        if in_file:
            first = min(in_file, key=lambda s: lines[s])
            start = cycle.index(first)
            ordered = [*cycle[start:-1], *cycle[:start], first]
            chain = " → ".join(final[s][0] for s in ordered)
            report.error(lines[first], "parent", f"The parents make a cycle: {chain}.")

    # One word, one topic: names and synonyms must not repeat across topics.
    owners: dict[str, list[tuple[str, bool]]] = {}
    for slug, (name, synonyms, _) in final.items():
        owners.setdefault(term_key(name), []).append((slug, True))
        for synonym in synonyms:
            owners.setdefault(term_key(synonym), []).append((slug, False))
    for e in entries:
        name, synonyms, _ = final[e.slug]
        for word, is_name in [(name, True), *((s, False) for s in synonyms)]:
            others = [(s, n) for s, n in owners[term_key(word)] if s != e.slug]
            if not others:
                continue
            other_slug, other_is_name = others[0]
            other_line = final[other_slug][2]
            where = f"line {other_line}" if other_line else "the vocabulary"
            role = "the name" if other_is_name else "a synonym"
            column = "name" if is_name else "synonyms"
            report.error(e.line, column, f"{word!r} is already {role} of the topic {final[other_slug][0]!r} ({where}).")
    return stored


def _plan_named(entries: list[_Entry], model: type[Segment] | type[CompanyValue], report: ImportReport) -> dict:
    stored = {
        slug: (i, name, desc) for i, slug, name, desc in model.objects.values_list("id", "slug", "name", "description")
    }
    final: dict[str, tuple[str, int | None]] = {slug: (name, None) for slug, (_, name, _) in stored.items()}
    for e in entries:
        final[e.slug] = (e.name, e.line)
    by_name: dict[str, list[str]] = {}
    for slug, (name, _) in final.items():
        by_name.setdefault(term_key(name), []).append(slug)
    label = "segment" if model is Segment else "value"
    for e in entries:
        others = [s for s in by_name[term_key(e.name)] if s != e.slug]
        if others:
            other_line = final[others[0]][1]
            where = f"line {other_line}" if other_line else "the vocabulary"
            report.error(e.line, "name", f"There is already a {label} named {e.name!r} ({where}).")
    return stored


def vocabulary_import(
    *, actor: Actor, rows: Iterable[Mapping[str, Any] | Row], dry_run: bool, first_line: int = 2
) -> ImportReport:
    """Check, then (unless ``dry_run`` or any error) apply the rows in one transaction.

    ``rows`` are mappings of column to text (or :class:`Row` objects that know their
    line); plain mappings are numbered from ``first_line`` (2: line 1 is the header).
    """
    report = ImportReport(dry_run=dry_run)
    table_rows = rows_from_mappings(rows, first_line=first_line)
    columns = {c for r in table_rows for c in r.keys}
    table = Table(sorted(columns), table_rows)
    return _import_table(actor=actor, table=table, dry_run=dry_run, report=report)


def vocabulary_import_file(
    *, actor: Actor, path: Path | None = None, data: bytes | None = None, name: str = "", dry_run: bool
) -> ImportReport:
    """Import a CSV or JSON file, given as a path or as bytes (with its file name)."""
    report = ImportReport(dry_run=dry_run)
    table = read_file(path=path, data=data, name=name)
    if table.errors:
        report.errors.extend(table.errors)
        return report
    return _import_table(actor=actor, table=table, dry_run=dry_run, report=report)


def _import_table(*, actor: Actor, table: Table, dry_run: bool, report: ImportReport) -> ImportReport:
    report.rows = len(table.rows)
    if not check_columns(table, required=REQUIRED, optional=OPTIONAL, report=report):
        return report
    columns = set(table.columns)
    entries: list[_Entry] = []
    seen: dict[tuple[str, str], int] = {}
    for row in table.rows:
        entry = _check_row(row, columns, report)
        if entry is None:
            continue
        key = (entry.kind, entry.slug)
        if key in seen:
            column = "slug" if row.get("slug") else "name"
            report.error(row.line, column, f"The {entry.kind} {entry.slug!r} already appears on line {seen[key]}.")
            continue
        seen[key] = row.line
        entries.append(entry)
    topics = [e for e in entries if e.kind == "topic"]
    segments = [e for e in entries if e.kind == "segment"]
    values = [e for e in entries if e.kind == "value"]
    stored_topics = _plan_topics(topics, report)
    stored_segments = _plan_named(segments, Segment, report)
    stored_values = _plan_named(values, CompanyValue, report)
    if report.errors:
        report.sort_errors(table.columns)
        return report
    with transaction.atomic():
        _apply_topics(topics, stored_topics, report, dry_run)
        _apply_named(segments, stored_segments, Segment, report, dry_run)
        _apply_named(values, stored_values, CompanyValue, report, dry_run)
        if not dry_run and (report.created or report.updated):
            audit_record(
                actor=actor,
                action="vocabulary.import",
                object_type="vocabulary",
                changes={"created": report.created, "updated": report.updated, "unchanged": report.unchanged},
            )
    if not dry_run:
        queries.invalidate_terms()
    return report


def _apply_topics(entries: list[_Entry], stored: dict[str, _Stored], report: ImportReport, dry_run: bool) -> None:
    now = timezone.now()
    new: list[Topic] = []
    changed: list[Topic] = []
    for e in entries:
        old = stored.get(e.slug)
        synonyms = e.synonyms if e.synonyms is not None else (old.synonyms if old else [])
        description = e.description if e.description is not None else (old.description if old else "")
        if old is None:
            report.created += 1
            new.append(Topic(name=e.name, slug=e.slug, synonyms=synonyms, description=description))
            continue
        parent_slug = e.parent_slug if e.parent_ref is not None else old.parent_slug
        same = (old.name, old.synonyms, old.description, old.parent_slug) == (
            e.name,
            synonyms,
            description,
            parent_slug,
        )
        if same:
            report.unchanged += 1
            continue
        report.updated += 1
        changed.append(
            Topic(id=old.id, name=e.name, slug=e.slug, synonyms=synonyms, description=description, updated_at=now)
        )
    if dry_run:
        return
    Topic.objects.bulk_create(new, batch_size=500)
    Topic.objects.bulk_update(changed, ["name", "synonyms", "description", "updated_at"], batch_size=500)
    # Parents last: a parent may be a topic created by this very file.
    wanted = {e.parent_slug for e in entries if e.parent_slug}
    ids = dict(Topic.objects.filter(slug__in=wanted).values_list("slug", "id"))
    by_parent: dict[int | None, list[str]] = {}
    for e in entries:
        if e.parent_ref is None and e.slug in stored:
            continue
        by_parent.setdefault(ids[e.parent_slug] if e.parent_slug else None, []).append(e.slug)
    for parent_id, slugs in by_parent.items():
        for start in range(0, len(slugs), 500):
            Topic.objects.filter(slug__in=slugs[start : start + 500]).exclude(parent_id=parent_id).update(
                parent_id=parent_id, updated_at=now
            )


def _apply_named(
    entries: list[_Entry],
    stored: dict[str, tuple[int, str, str]],
    model: type[Segment] | type[CompanyValue],
    report: ImportReport,
    dry_run: bool,
) -> None:
    now = timezone.now()
    new: list[Any] = []
    changed: list[Any] = []
    for e in entries:
        old = stored.get(e.slug)
        description = e.description if e.description is not None else (old[2] if old else "")
        if old is None:
            report.created += 1
            new.append(model(name=e.name, slug=e.slug, description=description))
        elif (old[1], old[2]) == (e.name, description):
            report.unchanged += 1
        else:
            report.updated += 1
            changed.append(model(id=old[0], name=e.name, slug=e.slug, description=description, updated_at=now))
    if not dry_run:
        model.objects.bulk_create(new, batch_size=500)
        model.objects.bulk_update(changed, ["name", "description", "updated_at"], batch_size=500)
