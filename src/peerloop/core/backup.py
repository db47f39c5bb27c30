"""Backup, restore and the canonical export of all of Peerloop's data.

A backup is one zip archive:

- ``manifest.json``: format, Peerloop version, database vendor, the applied
  migrations per app, the row count of every model, the media files;
- ``data/<app_label>.<model>.jsonl``: the rows of each model as JSON Lines, one
  object of Django's python serializer per line (``model``, ``pk``, ``fields``).
  Primary keys are kept; references to content types and permissions are natural
  keys (``["vocabulary", "topic"]``), so they map across databases whose content
  type ids differ (SQLite to PostgreSQL);
- ``media/<path>``: the uploaded files under MEDIA_ROOT.

The dump reads one snapshot (a read transaction), so rows written meanwhile are
either all in or all out. A restore refuses a database that holds data (unless
``force``), migrates it to the archive's migrations, loads every row in one
transaction, migrates forward if this Peerloop is newer, resets PostgreSQL's
sequences and writes the media files.

:func:`canonical_export` is all the data as sorted, stable JSON (primary keys
included), to compare two databases.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
import dataclasses
import datetime
import decimal
import json
import os
from pathlib import Path, PurePosixPath
import tempfile
from typing import Any
import uuid
import zipfile

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.management import call_command
from django.core.management.color import no_style
from django.core.serializers.python import Serializer as PythonSerializer
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils.duration import duration_iso_string

import peerloop

FORMAT = "peerloop-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
BATCH = 1000

# Created by `migrate` in every database; stored by natural key, mapped on restore.
NATURAL_LABELS = ("contenttypes.contenttype", "auth.permission")
# Django's own tables that hold data people made (sessions are left out: a restore logs everyone out).
EXTRA_LABELS = ("auth.group", "admin.logentry")

Progress = Callable[[int], None]


class BackupError(Exception):
    """The archive or the database is not fit for this backup or restore."""


# --- which models ------------------------------------------------------------------


def backup_models() -> list[type[models.Model]]:
    """Every model whose rows a backup holds (content types and permissions excluded)."""
    chosen = [
        model
        for model in apps.get_models()
        if model._meta.app_config.name.startswith("peerloop.") and model._meta.managed and not model._meta.proxy
    ]
    for label in EXTRA_LABELS:
        app_label, model_name = label.split(".")
        if apps.is_installed(f"django.contrib.{app_label}"):
            chosen.append(apps.get_model(app_label, model_name))
    return sorted(chosen, key=model_label)


def natural_models() -> list[type[models.Model]]:
    return [ContentType, Permission]


def model_label(model: type[models.Model]) -> str:
    return model._meta.label_lower


# --- serialization -------------------------------------------------------------------


class RowSerializer(PythonSerializer):
    """Django's python serializer with natural keys for content types and permissions
    only: every other reference stays a primary key, which a backup keeps."""

    _current: dict[str, Any]

    def _plain(self, obj: models.Model, field: Any) -> Any:
        return self._value_from_field(obj, field)  # type: ignore[attr-defined]

    def handle_fk_field(self, obj: models.Model, field: Any) -> None:
        related = field.remote_field.model
        raw = getattr(obj, field.get_attname())
        if raw is None:
            value: Any = None
        elif related is ContentType:
            value = list(ContentType.objects.get_for_id(raw).natural_key())
        elif related is Permission:
            value = list(getattr(obj, field.name).natural_key())
        else:
            value = self._plain(obj, field)
        self._current[field.name] = value

    def handle_m2m_field(self, obj: models.Model, field: Any) -> None:
        if not field.remote_field.through._meta.auto_created:
            return  # an explicit through model is dumped as a model of its own
        related = field.remote_field.model
        cache = getattr(obj, "_prefetched_objects_cache", {})
        rows = cache[field.name] if field.name in cache else getattr(obj, field.name).all()
        if related is ContentType or related is Permission:
            values = sorted(list(row.natural_key()) for row in rows)
        else:
            values = sorted((self._plain(row, row._meta.pk) for row in rows), key=sort_key)
        self._current[field.name] = values


def sort_key(value: Any) -> tuple:
    if isinstance(value, bool | int | float):
        return (0, value, "")
    return (1, 0, str(value))


def json_default(value: Any) -> Any:
    """Full precision, unlike DjangoJSONEncoder (which cuts microseconds)."""
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return duration_iso_string(value)
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    raise TypeError(f"cannot serialize {type(value).__name__}")


def dumps(obj: Any) -> str:
    return json.dumps(obj, default=json_default, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def model_queryset(model: type[models.Model], using: str) -> models.QuerySet:
    qs = model._base_manager.using(using).order_by("pk")
    m2m = [f.name for f in model._meta.many_to_many if f.remote_field.through._meta.auto_created]  # type: ignore[union-attr]
    if m2m:
        qs = qs.prefetch_related(*m2m)
    if model is Permission:
        qs = qs.select_related("content_type")
    return qs


def serialize_rows(model: type[models.Model], using: str, *, natural: bool = False) -> Iterator[dict]:
    """The rows of ``model`` as serializer dicts, in primary key order, in batches."""
    qs = model_queryset(model, using)
    batch: list[models.Model] = []
    for obj in qs.iterator(chunk_size=BATCH):
        batch.append(obj)
        if len(batch) >= BATCH:
            yield from RowSerializer().serialize(batch, use_natural_primary_keys=natural)
            batch = []
    if batch:
        yield from RowSerializer().serialize(batch, use_natural_primary_keys=natural)


@contextmanager
def read_snapshot(using: str) -> Iterator[None]:
    """One consistent view of the database for the whole dump, without blocking writers."""
    connection = connections[using]
    if connection.in_atomic_block:
        yield  # already inside a transaction (a test, a caller's atomic): its view is the snapshot
        return
    if connection.vendor == "postgresql":
        with transaction.atomic(using=using):
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
        return
    if connection.vendor == "sqlite":
        # Django opens SQLite transactions with BEGIN IMMEDIATE (a write lock); a
        # deferred read transaction is a WAL snapshot that lets writers carry on.
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("COMMIT")
        return
    yield


def applied_migrations(using: str) -> dict[str, list[str]]:
    recorder = MigrationRecorder(connections[using])
    if not recorder.has_table():
        return {}
    applied: dict[str, list[str]] = defaultdict(list)
    for app_label, name in sorted(recorder.applied_migrations()):
        applied[app_label].append(name)
    return dict(applied)


# --- backup --------------------------------------------------------------------------


@dataclasses.dataclass
class BackupSummary:
    path: Path
    counts: dict[str, int]
    media_files: int
    media_bytes: int

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


def media_files() -> list[tuple[Path, str]]:
    """(absolute path, archive-relative posix path) of every uploaded file."""
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir():
        return []
    found = []
    for dirpath, _dirnames, filenames in os.walk(root):
        for filename in sorted(filenames):
            path = Path(dirpath) / filename
            if path.is_file() and not path.is_symlink():
                found.append((path, path.relative_to(root).as_posix()))
    return sorted(found, key=lambda item: item[1])


def backup_write(
    *,
    path: Path,
    using: str = DEFAULT_DB_ALIAS,
    progress: Progress | None = None,
    on_total: Callable[[int], None] | None = None,
) -> BackupSummary:
    """Write the whole database and the uploaded files to one zip archive at ``path``.

    The archive appears complete or not at all (written beside, then renamed).
    ``on_total`` receives the number of rows before the dump, ``progress`` the rows
    written since its last call.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    fd, tmp_name = tempfile.mkstemp(prefix=".peerloop-backup-", suffix=".zip", dir=path.parent)
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp_name, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            with read_snapshot(using):
                every = natural_models() + backup_models()
                if on_total:
                    on_total(sum(model._base_manager.using(using).count() for model in every))
                for model in every:
                    counts[model_label(model)] = write_model(archive, model, using, progress)
                migrations = applied_migrations(using)
            files = media_files()
            media_bytes = 0
            for file_path, relative in files:
                archive.write(file_path, f"media/{relative}")
                media_bytes += file_path.stat().st_size
            manifest = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "peerloop_version": peerloop.__version__,
                "created_at": datetime.datetime.now(datetime.UTC).isoformat(),
                "database_vendor": connections[using].vendor,
                "migrations": migrations,
                "models": list(counts),
                "counts": counts,
                "media": {"files": len(files), "bytes": media_bytes},
            }
            archive.writestr(MANIFEST, json.dumps(manifest, indent=2, sort_keys=True))
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return BackupSummary(path=path, counts=counts, media_files=len(files), media_bytes=media_bytes)


def write_model(archive: zipfile.ZipFile, model: type[models.Model], using: str, progress: Progress | None) -> int:
    natural = model in natural_models()
    count = 0
    with archive.open(f"data/{model_label(model)}.jsonl", "w", force_zip64=True) as out:
        pending = 0
        for row in serialize_rows(model, using, natural=natural):
            out.write(dumps(row).encode() + b"\n")
            count += 1
            pending += 1
            if progress and pending >= BATCH:
                progress(pending)
                pending = 0
        if progress and pending:
            progress(pending)
    return count


# --- restore -------------------------------------------------------------------------


@dataclasses.dataclass
class RestoreSummary:
    counts: dict[str, int]
    media_files: int
    migrated_forward: bool


def read_manifest(archive: zipfile.ZipFile) -> dict[str, Any]:
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except KeyError as exc:
        raise BackupError("This is not a Peerloop backup: it has no manifest.json.") from exc
    except ValueError as exc:
        raise BackupError(f"The backup's manifest.json is not valid JSON: {exc}") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError("This is not a Peerloop backup (its manifest names another format).")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"This backup has format version {manifest.get('format_version')}; "
            f"this Peerloop reads version {FORMAT_VERSION}."
        )
    return manifest


def database_has_data(using: str) -> bool:
    """Whether any table a backup fills already holds a row."""
    connection = connections[using]
    tables = set(connection.introspection.table_names())
    for model in backup_models():
        if model._meta.db_table in tables and model._base_manager.using(using).exists():
            return True
    return False


Target = tuple[str, str | None]  # (app label, migration name); None is Django's "zero"


def migration_targets(recorded: dict[str, list[str]], using: str) -> tuple[list[Target], bool]:
    """The migration leaves matching the archive's state, and whether this code has
    newer migrations to apply after the load. Refuses archives from a newer Peerloop."""
    loader = MigrationLoader(connections[using], ignore_no_migrations=True)
    graph = loader.graph
    unknown = [f"{app}.{name}" for app, names in recorded.items() for name in names if (app, name) not in graph.nodes]
    if unknown:
        raise BackupError(
            "This backup was made by a newer Peerloop: these migrations are unknown here: "
            + ", ".join(sorted(unknown)[:10])
        )
    applied = {(app, name) for app, names in recorded.items() for name in names}
    targets: list[Target] = []
    for app_label in sorted(loader.migrated_apps):
        app_applied = {node for node in applied if node[0] == app_label}
        if not app_applied:
            targets.append((app_label, None))
            continue
        leaves = [
            node
            for node in app_applied
            if not any(child in app_applied for child in graph.node_map[node].children if child[0] == app_label)
        ]
        targets.extend(sorted(leaves))
    newer = set(graph.nodes) - applied
    return targets, bool(newer)


def migrate_to(targets: list[Target] | None, using: str) -> None:
    """Apply (or unapply) migrations up to ``targets``, all leaves when None, and
    create content types and permissions as ``migrate`` does."""
    if targets is None:
        call_command("migrate", database=using, interactive=False, verbosity=0)
        return
    from django.core.management.sql import emit_post_migrate_signal

    connection = connections[using]
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(targets)
    if plan:
        executor.migrate(targets, plan=plan)
    emit_post_migrate_signal(0, False, using)


def backup_restore(
    *,
    path: Path,
    using: str = DEFAULT_DB_ALIAS,
    force: bool = False,
    progress: Progress | None = None,
    on_total: Callable[[int], None] | None = None,
) -> RestoreSummary:
    """Restore the archive at ``path`` into the database ``using``.

    Refuses a database holding data unless ``force`` (which replaces all of it).
    Migrates to the archive's migrations, loads every row in one transaction (all or
    nothing), then migrates forward and resets sequences; then writes the media files.
    """
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"No backup at {path}.")
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise BackupError(f"{path} is not a zip archive: {exc}") from exc
    with archive:
        manifest = read_manifest(archive)
        names = set(archive.namelist())
        labels = list(manifest.get("models", []))
        missing = [label for label in labels if f"data/{label}.jsonl" not in names]
        if missing:
            raise BackupError(f"The backup is incomplete: no data for {', '.join(missing)}.")
        known = {model_label(m) for m in natural_models() + backup_models()}
        unknown = [label for label in labels if label not in known]
        if unknown:
            raise BackupError(f"The backup holds models this Peerloop does not have: {', '.join(unknown)}.")
        if not force and database_has_data(using):
            raise BackupError(
                "The database is not empty. Restore into an empty database, or pass --force to replace it."
            )
        targets, newer = migration_targets(manifest.get("migrations", {}), using)
        migrate_to(targets, using)
        if on_total:
            on_total(sum(int(manifest["counts"].get(label, 0)) for label in labels))
        with transaction.atomic(using=using):
            if force:
                call_command("flush", database=using, interactive=False, verbosity=0)
            counts = {label: load_model(archive, label, using, progress) for label in labels}
        if newer:
            migrate_to(None, using)
        reset_sequences(using)
        media_count = restore_media(archive)
    return RestoreSummary(counts=counts, media_files=media_count, migrated_forward=newer)


def read_rows(archive: zipfile.ZipFile, label: str) -> Iterator[dict]:
    with archive.open(f"data/{label}.jsonl") as stream:
        for number, line in enumerate(stream, start=1):
            if line.strip():
                try:
                    yield json.loads(line)
                except ValueError as exc:
                    raise BackupError(f"data/{label}.jsonl line {number} is not valid JSON: {exc}") from exc


def batches(rows: Iterable[dict], size: int = BATCH) -> Iterator[list[dict]]:
    batch: list[dict] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def load_model(archive: zipfile.ZipFile, label: str, using: str, progress: Progress | None) -> int:
    model = apps.get_model(label)
    count = 0
    for batch in batches(read_rows(archive, label)):
        if model is ContentType:
            for row in batch:
                ContentType.objects.db_manager(using).get_or_create(**row["fields"])
        elif model is Permission:
            load_permissions(batch, using)
        else:
            load_batch(model, batch, using)
        count += len(batch)
        if progress:
            progress(len(batch))
    return count


def load_permissions(batch: list[dict], using: str) -> None:
    for row in batch:
        fields = row["fields"]
        content_type = ContentType.objects.db_manager(using).get_by_natural_key(*fields["content_type"])
        Permission.objects.db_manager(using).get_or_create(
            codename=fields["codename"], content_type=content_type, defaults={"name": fields["name"]}
        )


@contextmanager
def stored_timestamps(model: type[models.Model]) -> Iterator[None]:
    """auto_now fields keep the archive's values while loading."""
    changed = []
    for field in model._meta.concrete_fields:
        if isinstance(field, models.DateField) and (field.auto_now or field.auto_now_add):
            changed.append((field, field.auto_now, field.auto_now_add))
            field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in changed:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


def load_batch(model: type[models.Model], batch: list[dict], using: str) -> None:
    try:
        objects = list(serializers.deserialize("python", batch, using=using))
    except serializers.base.DeserializationError as exc:
        raise BackupError(f"Cannot load {model_label(model)}: {exc}") from exc
    if model._meta.parents:
        # bulk_create cannot write multi-table inheritance; save row by row.
        with stored_timestamps(model):
            for item in objects:
                item.save(using=using)
        return
    with stored_timestamps(model):
        model._base_manager.using(using).bulk_create([item.object for item in objects], batch_size=500)
    for field in model._meta.many_to_many:
        through: Any = field.remote_field.through
        if not through._meta.auto_created:
            continue
        source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
        links = [
            through(**{f"{source}_id": item.object.pk, f"{target}_id": related})
            for item in objects
            for related in (item.m2m_data or {}).get(field.name, [])
        ]
        if links:
            through._base_manager.using(using).bulk_create(links, batch_size=500)


def reset_sequences(using: str) -> None:
    """Point PostgreSQL's id sequences past the restored ids (SQLite needs nothing)."""
    connection = connections[using]
    statements = connection.ops.sequence_reset_sql(no_style(), natural_models() + backup_models())
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def safe_media_path(root: Path, relative: str) -> Path:
    parts = PurePosixPath(relative).parts
    if not parts or relative.startswith("/") or any(part in ("..", "") for part in parts) or "\\" in relative:
        raise BackupError(f"The backup holds an unsafe file name: {relative!r}")
    return root.joinpath(*parts)


def restore_media(archive: zipfile.ZipFile) -> int:
    root = Path(settings.MEDIA_ROOT)
    count = 0
    for info in archive.infolist():
        if not info.filename.startswith("media/") or info.is_dir():
            continue
        target = safe_media_path(root, info.filename[len("media/") :])
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=".restore-", dir=target.parent)
        with os.fdopen(fd, "wb") as out, archive.open(info) as source:
            while chunk := source.read(1024 * 1024):
                out.write(chunk)
        os.replace(tmp_name, target)
        count += 1
    return count


# --- canonical export ----------------------------------------------------------------


def canonical_export(using: str = DEFAULT_DB_ALIAS) -> dict[str, list[Any]]:
    """All data as plain values: per model label, its rows sorted by primary key
    (content types and permissions by natural key, without their database ids)."""
    export: dict[str, list[Any]] = {}
    with read_snapshot(using):
        for model in natural_models() + backup_models():
            natural = model in natural_models()
            rows = [json.loads(dumps(row)) for row in serialize_rows(model, using, natural=natural)]
            if natural:
                rows.sort(key=lambda row: dumps(row["fields"]))
            else:
                rows.sort(key=lambda row: sort_key(row["pk"]))
            export[model_label(model)] = rows
    return export


def canonical_export_json(using: str = DEFAULT_DB_ALIAS) -> str:
    """:func:`canonical_export` as sorted, stable JSON text (one model per line)."""
    export = canonical_export(using)
    lines = [f"{json.dumps(label)}:{dumps(export[label])}" for label in sorted(export)]
    return "{\n" + ",\n".join(lines) + "\n}\n"
