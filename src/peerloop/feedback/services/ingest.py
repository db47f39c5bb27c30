"""Feedback in: files (CSV, JSON Lines), the REST API (one item or a batch, with
idempotency keys), the inbound webhook (HMAC-SHA256), surveys and manual entry.

Every path checks all its records first and writes all of them or none: items are
stored in state ``new`` (the outbox) and the background processor tags and routes
them (services.processing), enqueued once the write commits.
"""

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
import contextlib
import contextvars
from dataclasses import dataclass, field
from datetime import UTC, datetime
import functools
import hashlib
import hmac
import io
import json
import logging
import threading
import time
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from peerloop.core.roles import Actor
from peerloop.core.sql import prepared_cursor
from peerloop.core.tabular import Dialect, ImportReport, Row, read_file
from peerloop.feedback import permissions
from peerloop.feedback.models import FeedbackItem, FeedbackSource, IngestReceipt, SourceKind, Survey
from peerloop.feedback.services.sources import source_for_kind
from peerloop.people import queries as people_queries
from peerloop.spaces import queries as spaces_queries

logger = logging.getLogger("peerloop.feedback")

MAX_TEXT = 10_000
MAX_BATCH = 1000
WEBHOOK_MAX_AGE = 300  # seconds, either way
COPY_FROM = 1000  # PostgreSQL: batches this large go through COPY
COLUMNS = ("text", "score", "channel", "segment", "product", "region", "unit", "occurred_at", "idempotency_key")
SHORT = {"channel": 80, "segment": 120, "product": 160, "idempotency_key": 200}
UPLOAD_DIALECT = Dialect(max_errors=200, delimiters=(",", ";", "\t"))


@dataclass
class ItemInput:
    """A checked item, ready to store."""

    text: str
    score: float | None = None
    channel: str = ""
    segment: str = ""
    product: str = ""
    region_id: int | None = None
    unit_id: int | None = None
    occurred_at: datetime | None = None
    idempotency_key: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


class Places:
    """Regions and units by code (both tables are small): each loaded once per ingest, when
    a record first names one."""

    def __init__(self) -> None:
        self._regions: dict[str, int] | None = None
        self._units: dict[str, int] | None = None

    @property
    def regions(self) -> dict[str, int]:
        if self._regions is None:
            self._regions = {c.lower(): i for i, c in people_queries.region_list().values_list("id", "code")}
        return self._regions

    @property
    def units(self) -> dict[str, int]:
        if self._units is None:
            self._units = {c.lower(): i for i, c in people_queries.unit_list().values_list("id", "code")}
        return self._units


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


def clean_record(values: Mapping[str, Any], *, places: Places, error: Callable[[str, str], None]) -> ItemInput | None:
    """Check one record (a row of a file, an API object, a mapped webhook payload);
    ``error(field, message)`` is called for each problem, and None returned."""
    problems = 0

    def bad(column: str, message: str) -> None:
        nonlocal problems
        problems += 1
        error(column, message)

    text = _text(values.get("text"))
    if not text:
        bad("text", "The feedback text is required.")
    elif len(text) > MAX_TEXT:
        bad("text", f"The text is longer than {MAX_TEXT} characters.")
    score: float | None = None
    raw = values.get("score")
    if raw not in (None, ""):
        try:
            score = float(raw) if not isinstance(raw, bool) else None
        except (TypeError, ValueError):
            score = None
        if score is None or score != score or not 0 <= score <= 10:
            bad("score", f"{_text(raw)!r} is not a score from 0 to 10.")
            score = None
    short: dict[str, str] = {}
    for column, limit in SHORT.items():
        short[column] = _text(values.get(column))
        if len(short[column]) > limit:
            bad(column, f"At most {limit} characters.")
    region_id = unit_id = None
    if code := _text(values.get("region")).lower():
        region_id = places.regions.get(code)
        if region_id is None:
            bad("region", f"No region with the code {code!r}.")
    if code := _text(values.get("unit")).lower():
        unit_id = places.units.get(code)
        if unit_id is None:
            bad("unit", f"No unit with the code {code!r}.")
    occurred_at = None
    raw = values.get("occurred_at")
    if raw not in (None, ""):
        occurred_at = parse_datetime(_text(raw)) if not isinstance(raw, datetime) else raw
        if occurred_at is None:
            bad("occurred_at", f"{_text(raw)!r} is not a date and time (ISO 8601, e.g. 2026-05-01T09:30:00Z).")
        elif timezone.is_naive(occurred_at):
            occurred_at = occurred_at.replace(tzinfo=UTC)
    attributes = values.get("attributes") or {}
    if not isinstance(attributes, dict):
        bad("attributes", "Attributes must be an object of names and values.")
        attributes = {}
    elif len(json.dumps(attributes, default=str)) > 10_000:
        bad("attributes", "Attributes are larger than 10,000 characters.")
    if problems:
        return None
    return ItemInput(
        text=text,
        score=score,
        channel=short["channel"],
        segment=short["segment"],
        product=short["product"],
        region_id=region_id,
        unit_id=unit_id,
        occurred_at=occurred_at,
        idempotency_key=short["idempotency_key"] or None,
        attributes=attributes,
    )


# --- storing ---------------------------------------------------------------------------


ROW_COLUMNS = (
    "source_id", "idempotency_key", "text", "score", "channel", "segment", "product", "region_id", "unit_id",
    "occurred_at", "received_at", "attributes", "state", "in_fallback", "needs_triage", "submitted_by_id",
)  # fmt: skip


def _row(source_id: int, i: ItemInput, submitted_by_id: int | None, now: datetime) -> tuple:
    return (
        source_id, i.idempotency_key, i.text, i.score, i.channel, i.segment, i.product, i.region_id, i.unit_id,
        i.occurred_at or now, now, json.dumps(i.attributes), "new", False, False, submitted_by_id,
    )  # fmt: skip


def _copy_items(source_id: int, inputs: Sequence[ItemInput], submitted_by_id: int | None, now: datetime) -> None:
    """PostgreSQL: one COPY of the rows."""
    table = FeedbackItem._meta.db_table
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg 3
        with raw.copy(f"COPY {table} ({', '.join(ROW_COLUMNS)}) FROM STDIN") as copy:  # type: ignore[attr-defined]
            for i in inputs:
                copy.write_row(_row(source_id, i, submitted_by_id, now))


def _insert_items(source_id: int, inputs: Sequence[ItemInput], submitted_by_id: int | None, now: datetime) -> None:
    """SQLite: one prepared INSERT run over all rows (no model instances)."""
    table = FeedbackItem._meta.db_table
    marks = ", ".join(["%s"] * len(ROW_COLUMNS))
    sql = f"INSERT INTO {table} ({', '.join(ROW_COLUMNS)}) VALUES ({marks})"  # noqa: S608 - our own names
    with connection.cursor() as cursor:
        # Datetimes as Django stores them on SQLite (naive UTC text).
        stamp = connection.ops.adapt_datetimefield_value
        rows = []
        for i in inputs:
            row = list(_row(source_id, i, submitted_by_id, now))
            row[9], row[10] = stamp(row[9]), stamp(row[10])
            rows.append(row)
        cursor.executemany(sql, rows)


def items_store(
    *,
    source_id: int,
    inputs: Sequence[ItemInput],
    submitted_by_id: int | None = None,
    enqueue: bool = True,
    returning: bool = False,
) -> list[FeedbackItem]:
    """Write checked items in state ``new`` (in the caller's transaction), then have
    them processed once it commits. Large PostgreSQL batches go through COPY, unless
    ``returning`` asks for the stored items back (with their ids)."""
    now = timezone.now()
    created: list[FeedbackItem] = []
    if len(inputs) >= COPY_FROM and not returning:
        if connection.vendor == "postgresql":
            _copy_items(source_id, inputs, submitted_by_id, now)
        else:
            _insert_items(source_id, inputs, submitted_by_id, now)
    else:
        created = FeedbackItem.objects.bulk_create(
            [
                FeedbackItem(
                    source_id=source_id,
                    idempotency_key=i.idempotency_key,
                    text=i.text,
                    score=i.score,
                    channel=i.channel,
                    segment=i.segment,
                    product=i.product,
                    region_id=i.region_id,
                    unit_id=i.unit_id,
                    occurred_at=i.occurred_at or now,
                    received_at=now,
                    attributes=i.attributes,
                    submitted_by_id=submitted_by_id,
                )
                for i in inputs
            ],
            batch_size=2000,
        )
    if enqueue:
        enqueue_processing()
    return created


_deferred: contextvars.ContextVar[bool] = contextvars.ContextVar("feedback_processing_deferred", default=False)


@contextlib.contextmanager
def processing_deferred() -> Iterator[None]:
    """Store without enqueuing the processor: the caller drains the outbox itself (the demo)."""
    token = _deferred.set(True)
    try:
        yield
    finally:
        _deferred.reset(token)


# Ingests that commit within DRAIN_WINDOW seconds of a drain's enqueue by this process enqueue
# nothing; that drain looks at the outbox until DRAIN_OVERLAP seconds after the window closes
# (processing.outbox_drain's ``until``), so under steady ingest the next drain is queued while
# the last still looks, and a worker takes it without waiting for its next poll of the queue.
DRAIN_WINDOW = 0.1
DRAIN_OVERLAP = 0.1
_window_lock = threading.Lock()
_window_ends = 0.0  # time.time() until which the drain this process enqueued last still looks


def enqueue_processing() -> None:
    """Have the processor tag and route what the current transaction stores, once it commits.

    Not one queued drain per ingest: a drain takes every new item, and the enqueue (a write
    to the queue's storage, shared by every web thread) cost a served API about a quarter
    of its throughput. After a commit, a process enqueues a drain told to keep looking for
    DRAIN_WINDOW seconds, unless the drain it enqueued last is still looking then
    (:func:`_drain_after_commit`). A lost enqueue is caught by the minute's sweep.
    """
    if _deferred.get():
        return
    from huey.contrib.djhuey import HUEY

    if HUEY.immediate:  # tests: the drain runs in the caller's transaction, at once
        from peerloop.core.tasks import enqueue_on_commit
        from peerloop.feedback.tasks import outbox_process_task

        enqueue_on_commit(outbox_process_task)
        return
    transaction.on_commit(_drain_after_commit, robust=True)


def _drain_after_commit() -> None:
    """Enqueue a drain unless the last one this process enqueued will look after now: it
    then finds this commit's items (its last look begins at or after its ``until``, which
    is later than the window's end)."""
    global _window_ends
    now = time.time()
    with _window_lock:
        if now < _window_ends:
            return
        _window_ends = now + DRAIN_WINDOW
    until = now + DRAIN_WINDOW + DRAIN_OVERLAP
    from peerloop.feedback.tasks import outbox_process_task

    try:
        outbox_process_task(until=until)
    except Exception:
        with _window_lock:  # nothing is looking: the next commit enqueues again
            _window_ends = 0.0
        raise


def _existing_keys(source_id: int, keys: Iterable[str]) -> dict[str, int]:
    keys = [k for k in keys if k]
    found: dict[str, int] = {}
    for offset in range(0, len(keys), 500):
        chunk = keys[offset : offset + 500]
        rows = FeedbackItem.objects.filter(source_id=source_id, idempotency_key__in=chunk)
        for key, pk in rows.values_list("idempotency_key", "id"):
            if key is not None:
                found[key] = pk
    return found


def check_records(
    records: Sequence[Mapping[str, Any]], *, source_id: int, lines: Sequence[int], report: ImportReport
) -> list[ItemInput]:
    """Every record checked; problems go to ``report`` by line and field. Keys already
    stored for the source, or repeated in the batch, are problems too."""
    places = Places()
    inputs: list[ItemInput] = []
    keyed: list[tuple[int, str]] = []
    for line, values in zip(lines, records, strict=True):

        def note(column: str, message: str, line: int = line) -> None:
            report.error(line, column, message)

        cleaned = clean_record(values, places=places, error=note)
        if cleaned is not None:
            inputs.append(cleaned)
        key = _text(values.get("idempotency_key"))
        if key and len(key) <= SHORT["idempotency_key"]:
            keyed.append((line, key))
    seen: dict[str, int] = {}
    stored = _existing_keys(source_id, [k for _, k in keyed])
    for line, key in keyed:
        if key in stored:
            report.error(line, "idempotency_key", f"The key {key!r} is already stored for this source.")
        elif key in seen:
            report.error(line, "idempotency_key", f"The key {key!r} is also on line {seen[key]}.")
        else:
            seen[key] = line
    report.sort_errors(list(COLUMNS))
    return inputs


def _source(source_id: int | None, kind: str) -> FeedbackSource:
    if source_id is None:
        return source_for_kind(kind=kind)
    source = FeedbackSource.objects.filter(pk=source_id, active=True).first()
    if source is None:
        raise ValidationError({"source_id": "No such active source."})
    return source


# --- files -----------------------------------------------------------------------------


def _row_values(row: Row) -> dict[str, Any]:
    values: dict[str, Any] = {}
    attributes: dict[str, str] = {}
    for key, cell in zip(row.keys, row.cells, strict=True):
        if key.startswith("attr_"):
            if cell:
                attributes[key[5:]] = cell
        else:
            values[key] = cell
    values["attributes"] = attributes
    return values


def item_import_file(
    *, actor: Actor, data: bytes, name: str, dry_run: bool, source_id: int | None = None
) -> ImportReport:
    """A CSV or JSON Lines file of items: columns text (required), score, channel, segment,
    product, region, unit (codes), occurred_at, idempotency_key, and attr_<name> for free
    attributes. Every problem is named by line and column; any problem writes nothing."""
    permissions.require_run_loop(actor, write=not dry_run)
    report = ImportReport(dry_run=dry_run)
    table = read_file(data=data, name=name, dialect=UPLOAD_DIALECT)
    if table.errors:
        report.errors.extend(table.errors)
        return report
    unknown = [c for c in table.columns if c not in COLUMNS and not c.startswith("attr_")]
    for column in unknown:
        report.error(1, column, f"Unknown column {column!r}; the columns are {', '.join(COLUMNS)} and attr_<name>.")
    if "text" not in table.columns:
        report.error(1, "text", "The column 'text' is missing.")
    if not table.rows:
        report.error(1, "", "The file holds no rows.")
    if report.errors:
        return report
    source = _source(source_id, SourceKind.UPLOAD)
    report.rows = len(table.rows)
    records = [_row_values(r) for r in table.rows]
    inputs = check_records(records, source_id=source.pk, lines=[r.line for r in table.rows], report=report)
    if report.errors:
        return report
    report.created = len(inputs)
    if dry_run:
        return report
    with transaction.atomic():
        items_store(source_id=source.pk, inputs=inputs, submitted_by_id=actor.person_id)
    return report


# --- the API ---------------------------------------------------------------------------


def items_ingest(
    *, actor: Actor, records: Sequence[Mapping[str, Any]], source_id: int | None = None
) -> list[FeedbackItem]:
    """One or more items from the API (at most 1000): all stored, or a ValidationError
    naming each bad record (``items[i].field``) and nothing stored. A record whose
    idempotency key is already stored for the source answers with the stored item."""
    permissions.require_run_loop(actor, write=True)
    if not records:
        raise ValidationError({"items": "Send at least one item."})
    if len(records) > MAX_BATCH:
        raise ValidationError({"items": f"At most {MAX_BATCH} items per request."})
    if len(records) == 1:
        fast = _ingest_one(records[0], source_id=source_id, submitted_by_id=actor.person_id)
        if fast is not None:
            return [fast]
    source = _source(source_id, SourceKind.API)
    places = Places()
    errors: dict[str, list[str]] = {}
    inputs: list[ItemInput] = []
    for index, values in enumerate(records):

        def note(column: str, message: str, index: int = index) -> None:
            errors.setdefault(f"items[{index}].{column}", []).append(message)

        cleaned = clean_record(values, places=places, error=note)
        if cleaned is not None:
            inputs.append(cleaned)
    if errors:
        raise ValidationError(errors)
    keys = [i.idempotency_key for i in inputs if i.idempotency_key]
    if len(set(keys)) != len(keys):
        raise ValidationError({"items": "Two items of the batch share an idempotency key."})
    with transaction.atomic(savepoint=False):
        stored = _existing_keys(source.pk, keys) if keys else {}
        new = [i for i in inputs if not i.idempotency_key or i.idempotency_key not in stored]
        created = items_store(source_id=source.pk, inputs=new, submitted_by_id=actor.person_id, returning=True)
    if not stored and not _processed_inline():
        return created  # as stored: state new, the processor runs after the commit
    by_key = {i.idempotency_key: i.pk for i in created if i.idempotency_key}
    by_key.update(stored)
    unkeyed = iter([i for i in created if not i.idempotency_key])
    ids = [by_key[i.idempotency_key] if i.idempotency_key else next(unkeyed).pk for i in inputs]
    found = FeedbackItem.objects.in_bulk(ids)
    return [found[i] for i in ids]


_ONE_CASTS = (
    "varchar", "text", "double precision", "varchar", "varchar", "varchar", "bigint", "bigint", "timestamptz",
    "timestamptz", "jsonb", "varchar", "boolean", "boolean", "bigint",
)  # fmt: skip


@functools.cache
def _one_statement(vendor: str) -> str:
    """INSERT of one item that resolves its source and its region's and unit's codes in the
    statement itself and does nothing on a key already stored: one round trip. No row comes
    back when the key exists, the source is missing or inactive, or a code is unknown; the
    caller then takes the checked path, which says which."""
    region = people_queries.region_list().model._meta.db_table
    unit = people_queries.unit_list().model._meta.db_table
    pg = vendor == "postgresql"

    def cast(kind: str) -> str:  # PostgreSQL cannot infer the type of a parameter in a SELECT list
        return f"%s::{kind}" if pg else "%s"

    marks = [cast(kind) for kind in _ONE_CASTS]
    marks[6] = f"(SELECT r.id FROM {region} r WHERE lower(r.code) = {cast('text')})"  # noqa: S608 - our own names
    marks[7] = f"(SELECT u.id FROM {unit} u WHERE lower(u.code) = {cast('text')})"  # noqa: S608 - our own names
    table = FeedbackItem._meta.db_table
    sources = FeedbackSource._meta.db_table
    return (
        f"INSERT INTO {table} ({', '.join(ROW_COLUMNS)}) SELECT s.id, {', '.join(marks)} FROM {sources} s "  # noqa: S608
        f"WHERE (({cast('bigint')} IS NULL AND s.slug = {cast('text')}) OR (s.id = {cast('bigint')} AND s.active)) "
        f"AND ({cast('text')} = '' OR EXISTS (SELECT 1 FROM {region} r WHERE lower(r.code) = {cast('text')})) "
        f"AND ({cast('text')} = '' OR EXISTS (SELECT 1 FROM {unit} u WHERE lower(u.code) = {cast('text')})) "
        "ON CONFLICT (source_id, idempotency_key) DO NOTHING RETURNING id, source_id, region_id, unit_id"
    )


def _one_params(
    values: Mapping[str, Any], *, source_id: int | None, submitted_by_id: int | None
) -> tuple[list[Any], ItemInput, datetime] | None:
    """The parameters of :func:`_one_statement` for one record checked in memory, the
    checked record and the time it is received; None when a check fails (the checked path
    then names the field)."""
    problems: list[str] = []
    cleaned = clean_record(values, places=_NO_PLACES, error=lambda c, m: problems.append(c))
    if cleaned is None:
        return None
    region_code = _text(values.get("region")).lower()
    unit_code = _text(values.get("unit")).lower()
    now = timezone.now()
    row = list(_row(0, cleaned, submitted_by_id, now))[1:]
    if connection.vendor != "postgresql":
        row[8], row[9] = (
            connection.ops.adapt_datetimefield_value(row[8]),
            connection.ops.adapt_datetimefield_value(row[9]),
        )
    row[6], row[7] = region_code, unit_code
    params = [*row, source_id, f"{SourceKind.API}-default", source_id, region_code, region_code, unit_code, unit_code]
    return params, cleaned, now


def _one_item(stored: tuple, cleaned: ItemInput, now: datetime, submitted_by_id: int | None) -> FeedbackItem:
    """The item :func:`_one_statement` stored, from what it returned and the record."""
    item_id, source, region_id, unit_id = stored
    return FeedbackItem(
        id=item_id, source_id=source, idempotency_key=cleaned.idempotency_key, text=cleaned.text,
        score=cleaned.score, channel=cleaned.channel, segment=cleaned.segment, product=cleaned.product,
        region_id=region_id, unit_id=unit_id, occurred_at=cleaned.occurred_at or now, received_at=now,
        attributes=cleaned.attributes, submitted_by_id=submitted_by_id,
    )  # fmt: skip


def _ingest_one(
    values: Mapping[str, Any], *, source_id: int | None, submitted_by_id: int | None
) -> FeedbackItem | None:
    """The single-item API path: the record checked in memory, stored by one statement
    (:func:`_one_statement`) and enqueued. None when that statement stored nothing: the
    checked path (items_ingest's batch path) answers, with the stored item or the error."""
    prepared = _one_params(values, source_id=source_id, submitted_by_id=submitted_by_id)
    if prepared is None:
        return None
    params, cleaned, now = prepared
    with transaction.atomic(savepoint=False), prepared_cursor() as cursor:
        cursor.execute(_one_statement(connection.vendor), params)
        stored = cursor.fetchone()
        if stored is None:
            return None
        enqueue_processing()
    if _processed_inline():
        return FeedbackItem.objects.get(pk=stored[0])  # tagged and routed already, in this transaction
    return _one_item(stored, cleaned, now, submitted_by_id)


def item_ingest_receipted(
    *,
    actor: Actor,
    record: Mapping[str, Any],
    source_id: int | None,
    scope: str,
    key: str,
    body: bytes,
    respond: Callable[[FeedbackItem], tuple[int, Any]],
    keep: Callable[[Any], Any],
    item_at: Sequence[str | int],
) -> tuple[int, Any] | None:
    """One item with an idempotency key, on PostgreSQL, stored with its receipt by one
    statement in autocommit (:func:`_receipted_statement`): one round trip, as an INSERT of
    the item alone. Returns ``respond(item)``, the receipt keeping ``keep(answer)``, as
    :func:`with_receipt` would. ``item_at`` is where the item sits in the kept answer (its
    path of keys and indexes): the statement writes there the values only it knows (the
    item's id and the source, region and unit it resolved).

    None, with nothing stored, whenever this path does not answer: not PostgreSQL, the
    queue runs tasks at once, inside a transaction, a record the statement does not store
    (a bad field, a stored key, an unknown code), or the receipt's key taken by another
    request. The caller then runs :func:`with_receipt`, which answers each of those."""
    key = key.strip()[:200]
    if (
        connection.vendor != "postgresql"
        or not key
        or _processed_inline()
        or connection.in_atomic_block
        or not connection.get_autocommit()
    ):
        return None
    permissions.require_run_loop(actor, write=True)
    prepared = _one_params(record, source_id=source_id, submitted_by_id=actor.person_id)
    if prepared is None:
        return None
    params, cleaned, now = prepared
    # The answer before the item is stored: what the receipt keeps, but for what the statement fills in.
    item = _one_item((None, None, None, None), cleaned, now, actor.person_id)
    status, answer = respond(item)
    kept: list[Any] = [json.dumps(keep(answer)), [str(step) for step in item_at]]
    stamp = connection.ops.adapt_datetimefield_value(now)
    receipt: list[Any] = [scope, key, hashlib.sha256(body).hexdigest(), status, stamp]
    try:
        with prepared_cursor() as cursor:
            # Without ON CONFLICT on the receipt: a key taken by another request fails the
            # statement, and with it the item's INSERT.
            cursor.execute(_receipted_statement(), [*params, *kept, *receipt])
            stored = cursor.fetchone()
    except IntegrityError:  # Django's, from its error wrapper
        return None  # the key is another request's: with_receipt answers with its receipt
    if stored is None:
        return None
    if not _deferred.get():
        try:  # as robust as transaction.on_commit(..., robust=True): the item is stored
            _drain_after_commit()
        except Exception:
            logger.exception("enqueueing the feedback processor failed; the minute's sweep drains the item")
    item.id, item.source_id, item.region_id, item.unit_id = stored
    return respond(item)


@functools.cache
def _receipted_statement() -> str:
    """:func:`_one_statement` and the receipt's INSERT in one statement (data-modifying CTEs,
    PostgreSQL only). Its parameters: the item's, then the kept answer, the item's path in
    it, and the receipt's scope, key, digest, status and time. The receipt is written only
    when the item is, with the item's id, source, region and unit set at that path."""
    return (
        f"WITH item AS ({_one_statement('postgresql')}), "  # noqa: S608 - our own names
        "kept AS (SELECT %s::jsonb AS answer, %s::text[] AS at), "
        f"receipt AS ({_RECEIPT_INSERT}SELECT %s::text, %s::text, %s::text, %s::integer, "
        "jsonb_set(k.answer, k.at, (k.answer #> k.at) || jsonb_build_object("
        "'id', i.id, 'source_id', i.source_id, 'region_id', i.region_id, 'unit_id', i.unit_id)), "
        "%s::timestamptz FROM item i, kept k) "
        "SELECT id, source_id, region_id, unit_id FROM item"
    )


class _CodesInStatement(Places):
    """Places for :func:`_ingest_one`: codes are resolved by its statement, so any code passes here."""

    class _Any(dict):
        def get(self, key: Any, default: Any = None) -> Any:
            return 0

    @property
    def regions(self) -> dict[str, int]:
        return self._Any()

    @property
    def units(self) -> dict[str, int]:
        return self._Any()


_NO_PLACES = _CodesInStatement()


def _processed_inline() -> bool:
    """True when the queue runs tasks at once (tests, PEERLOOP_QUEUE_IMMEDIATE): stored
    items were tagged and routed already and must be read again."""
    from huey.contrib.djhuey import HUEY

    return bool(HUEY.immediate) and not _deferred.get()


class IdempotencyConflict(ValidationError):
    """The key was used before with another body (422)."""


def with_receipt(
    *, scope: str, key: str, body: bytes, work: Callable[[], tuple[int, Any]], keep: Callable[[Any], Any] | None = None
) -> tuple[int, Any]:
    """Run ``work`` once per (scope, key): a retry with the same body gets the first answer;
    with another body, IdempotencyConflict. Concurrent requests with one key wait for the
    first (the receipt row is written after the work, in the same transaction). ``keep``
    turns work's answer into the JSON the receipt keeps (default: through ``json`` with
    ``str`` for what it cannot encode); the first request gets work's answer itself, a
    retry the kept JSON."""
    digest = hashlib.sha256(body).hexdigest()
    key = key.strip()[:200]
    if not key:
        raise ValidationError({"Idempotency-Key": "The key is empty."})

    def answer(receipt: IngestReceipt) -> tuple[int, Any]:
        if receipt.body_sha256 != digest:
            raise IdempotencyConflict({"Idempotency-Key": "This key was used with another request body."})
        return receipt.status, receipt.response

    try:
        with transaction.atomic():
            status, response = work()
            stored = keep(response) if keep is not None else json.loads(json.dumps(response, default=str))
            # Written last, in the work's transaction, without a lookup first: a retry, or a
            # concurrent request with the same key (it waits on this row's unique index, or
            # on an item's key), finds the row taken, rolls its own work back and answers
            # with the receipt of the first.
            if not _receipt_claim(scope=scope, key=key, digest=digest, status=status, response=stored):
                raise _Taken
    except IdempotencyConflict:
        raise
    except ValidationError:
        # A retry whose items are stored by now (a webhook's keys) is no error: the first
        # answer stands.
        if (earlier := IngestReceipt.objects.filter(scope=scope, key=key).first()) is not None:
            return answer(earlier)
        raise
    except (IntegrityError, _Taken):
        existing = IngestReceipt.objects.filter(scope=scope, key=key).first()
        if existing is None:
            raise
        return answer(existing)
    return status, response


class _Taken(Exception):
    """The receipt's (scope, key) was written first by another request: roll back."""


_RECEIPT_INSERT = (
    f'INSERT INTO {IngestReceipt._meta.db_table} (scope, "key", body_sha256, status, response, created_at) '
)
_RECEIPT_SQL = _RECEIPT_INSERT + "VALUES (%s, %s, %s, %s, %s, %s)"


def _receipt_claim(*, scope: str, key: str, digest: str, status: int, response: Any) -> bool:
    """Write the receipt unless one exists for (scope, key); True when written."""
    sql = _RECEIPT_SQL + ' ON CONFLICT (scope, "key") DO NOTHING RETURNING id'
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with prepared_cursor() as cursor:
        cursor.execute(sql, [scope, key, digest, status, json.dumps(response), now])
        return cursor.fetchone() is not None


# --- the webhook -----------------------------------------------------------------------


class WebhookRefused(Exception):
    """The request is not from the source's sender: 401, nothing stored."""

    status = 401

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def signature_for(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>`` of HMAC-SHA256(secret, "<timestamp>." + body): what senders put in
    the X-Peerloop-Signature header."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def _dig(payload: Any, path: str) -> Any:
    for part in path.split("."):
        if isinstance(payload, dict):
            payload = payload.get(part)
        elif isinstance(payload, list) and part.isdigit() and int(part) < len(payload):
            payload = payload[int(part)]
        else:
            return None
    return payload


def map_payload(payload: Mapping[str, Any], mapping: Mapping[str, str]) -> dict[str, Any]:
    """The item fields of one sender's object: mapped paths first, same-named keys otherwise."""
    values = {name: payload.get(name) for name in (*COLUMNS, "attributes") if name in payload}
    for name, path in mapping.items():
        values[name] = _dig(payload, path)
    return values


def webhook_receive(
    *, source_slug: str, body: bytes, signature: str, timestamp: str, event_id: str = "", now: float | None = None
) -> tuple[int, dict[str, Any]]:
    """One delivery of an inbound webhook: checked (source, timestamp within 300 s,
    signature in constant time), then its items stored once per event id (the
    X-Peerloop-Event header, else the body's digest): a replay gets the first answer."""
    source = FeedbackSource.objects.filter(slug=source_slug, kind=SourceKind.WEBHOOK, active=True).first()
    if source is None or not source.secret:
        raise WebhookRefused("Unknown webhook.")
    try:
        sent = int(timestamp)
    except (TypeError, ValueError) as exc:
        raise WebhookRefused("The X-Peerloop-Timestamp header must be a Unix time.") from exc
    current = time.time() if now is None else now
    if abs(current - sent) > WEBHOOK_MAX_AGE:
        raise WebhookRefused("The timestamp is more than 300 seconds away; refusing a stale or replayed delivery.")
    expected = signature_for(source.secret, str(sent), body)
    if not hmac.compare_digest(expected.encode(), (signature or "").strip().encode()):
        raise WebhookRefused("The signature does not match.")
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError({"body": "The body is not valid JSON."}) from exc
    objects = payload if isinstance(payload, list) else [payload]
    if not objects or not all(isinstance(o, dict) for o in objects) or len(objects) > MAX_BATCH:
        raise ValidationError({"body": f"Send one JSON object, or a list of 1 to {MAX_BATCH} objects."})
    key = event_id.strip() or hashlib.sha256(body).hexdigest()

    def work() -> tuple[int, dict[str, Any]]:
        records = [map_payload(o, source.mapping) for o in objects]
        report = ImportReport(dry_run=False)
        inputs = check_records(records, source_id=source.pk, lines=range(len(records)), report=report)
        if report.errors:
            raise ValidationError(
                {f"items[{e.line}].{e.column}": [e.message] for e in report.errors}  # type: ignore[dict-item]
            )
        items_store(source_id=source.pk, inputs=inputs)
        return 202, {"accepted": len(inputs), "event": key}

    return with_receipt(scope=f"webhook:{source.pk}", key=key, body=body, work=work)


# --- surveys and manual entry ----------------------------------------------------------


def survey_answer(*, actor: Actor, survey_id: int, score: float | None, text: str = "") -> FeedbackItem:
    """A member's or guest's answer to a survey, stored as an item of its source."""
    guest_spaces = spaces_queries.space_ids_for_person(person_id=actor.person_id) if actor.person_id else set()
    survey = permissions.require_survey(
        actor, Survey.objects.filter(pk=survey_id).first(), guest_space_ids=guest_spaces, write=True
    )
    errors: dict[str, str] = {}
    text = (text or "").strip()
    if survey.kind == Survey.Kind.NPS and (score is None or score != int(score) or not 0 <= score <= 10):
        errors["score"] = "Choose a score from 0 to 10."
    if survey.kind == Survey.Kind.CSAT and (score is None or score != int(score) or not 1 <= score <= 5):
        errors["score"] = "Choose a score from 1 to 5."
    if survey.kind == Survey.Kind.TEXT:
        score = None
        if not text:
            errors["text"] = "Write your answer."
    if len(text) > MAX_TEXT:
        errors["text"] = f"At most {MAX_TEXT} characters."
    if errors:
        raise ValidationError(errors)
    person = people_queries.person_get(person_id=actor.person_id) if actor.person_id else None
    body = text or f"{survey.question} — {score:g}"
    item = ItemInput(
        text=body,
        score=score,
        channel="survey",
        region_id=person.region_id if person and actor.is_internal else None,
        unit_id=person.unit_id if person and actor.is_internal else None,
        attributes={"survey": survey.pk, "survey_kind": survey.kind},
    )
    with transaction.atomic():
        (stored,) = items_store(
            source_id=survey.source_id, inputs=[item], submitted_by_id=actor.person_id, returning=True
        )
    stored.refresh_from_db()
    return stored


def item_enter(*, actor: Actor, values: Mapping[str, Any]) -> FeedbackItem:
    """An employee records feedback they heard (manual entry)."""
    permissions.require_member(actor, write=True)
    errors: dict[str, list[str]] = {}
    cleaned = clean_record(values, places=Places(), error=lambda c, m: errors.setdefault(c, []).append(m))
    if cleaned is None:
        raise ValidationError(errors)
    cleaned.idempotency_key = None
    source = source_for_kind(kind=SourceKind.MANUAL)
    with transaction.atomic():
        (item,) = items_store(source_id=source.pk, inputs=[cleaned], submitted_by_id=actor.person_id, returning=True)
    item.refresh_from_db()
    return item


def csv_of(records: Iterable[Mapping[str, Any]]) -> bytes:
    """A CSV file of records (used by the demo and benchmarks)."""
    import csv

    rows = list(records)
    columns = list(dict.fromkeys(k for r in rows for k in r))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()
