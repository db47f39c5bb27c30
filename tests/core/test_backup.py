"""Backup and restore: the restored database exports exactly what the original did."""

import json
import os
from pathlib import Path
import subprocess
import sys
import uuid
import zipfile

from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
import pytest

from peerloop.core.backup import (
    BackupError,
    backup_restore,
    backup_write,
    canonical_export,
    canonical_export_json,
    safe_media_path,
)
from peerloop.people.models import Person
from tests.core.backup_seed import seed

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return Path(settings.MEDIA_ROOT)


def files_under(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def rewrite_archive(source: Path, target: Path, change) -> None:
    """Copy a zip, passing each (name, bytes) through ``change`` (None drops it)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            result = change(info.filename, old.read(info))
            if result is not None:
                new.writestr(info.filename, result)


@pytest.mark.django_db
def test_archive_holds_the_manifest_the_rows_and_the_files(media, tmp_path):
    seed()
    summary = backup_write(path=tmp_path / "backup.zip")
    with zipfile.ZipFile(summary.path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        people = [json.loads(line) for line in archive.read("data/people.person.jsonl").splitlines()]
        tags = [json.loads(line) for line in archive.read("data/vocabulary.taggeditem.jsonl").splitlines()]
        users = [json.loads(line) for line in archive.read("data/accounts.user.jsonl").splitlines()]
        assert archive.read("media/imports/people ü.csv") == b"email,name\nana@example.org,Ana\n"
    assert manifest["format"] == "peerloop-backup"
    assert manifest["peerloop_version"] == "0.1.0"
    assert manifest["database_vendor"] == connection.vendor
    assert manifest["counts"]["people.person"] == Person.objects.count() == 4
    assert manifest["counts"]["vocabulary.taggeditem"] == 1
    assert manifest["media"] == {"files": 2, "bytes": 256 + len(b"email,name\nana@example.org,Ana\n")}
    applied = MigrationRecorder(connection).applied_migrations()
    assert sum(len(names) for names in manifest["migrations"].values()) == len(applied)
    assert [row["pk"] for row in people] == sorted(Person.objects.values_list("pk", flat=True))
    # content types travel by natural key, everything else by primary key
    assert tags[0]["fields"]["content_type"] == ["people", "person"]
    member = Person.objects.get(email="member@example.org")
    assert tags[0]["fields"]["object_id"] == str(member.pk)
    admin_row = next(row for row in users if row["fields"]["email"] == "admin@example.org")
    assert admin_row["fields"]["groups"] == [Group.objects.get(name="Auditors").pk]
    leader_row = next(row for row in users if row["fields"]["email"] == "leader@example.org")
    assert leader_row["fields"]["user_permissions"] == [["view_person", "people", "person"]]


@pytest.mark.django_db(transaction=True)
def test_backup_then_restore_into_an_empty_database_gives_an_identical_export(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    seed()
    before = canonical_export_json()
    files = files_under(tmp_path / "media")
    backup_write(path=tmp_path / "backup.zip")

    call_command("flush", interactive=False, verbosity=0)
    assert Person.objects.count() == 0
    settings.MEDIA_ROOT = str(tmp_path / "restored-media")
    summary = backup_restore(path=tmp_path / "backup.zip")

    assert canonical_export_json() == before
    assert files_under(tmp_path / "restored-media") == files
    assert summary.media_files == 2
    assert summary.counts["people.person"] == 4
    # sequences point past the restored ids: new rows get new ids
    newcomer = Person.objects.create(email="new@example.org", name="Newcomer")
    assert newcomer.pk > max(Person.objects.exclude(pk=newcomer.pk).values_list("pk", flat=True))


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_database_with_data_and_force_replaces_it(media, tmp_path):
    seed()
    before = canonical_export()
    backup_write(path=tmp_path / "backup.zip")
    Person.objects.filter(email="guest@example.org").update(name="Changed after the backup")

    with pytest.raises(BackupError, match="not empty"):
        backup_restore(path=tmp_path / "backup.zip")
    assert Person.objects.get(email="guest@example.org").name == "Changed after the backup"

    backup_restore(path=tmp_path / "backup.zip", force=True)
    assert canonical_export() == before


@pytest.mark.django_db(transaction=True)
def test_a_failed_load_writes_nothing(media, tmp_path):
    seed()
    backup_write(path=tmp_path / "backup.zip")
    broken = tmp_path / "broken.zip"
    rewrite_archive(
        tmp_path / "backup.zip",
        broken,
        lambda name, data: data + b"{not json\n" if name == "data/vocabulary.topic.jsonl" else data,
    )
    call_command("flush", interactive=False, verbosity=0)
    with pytest.raises(BackupError, match=r"vocabulary.topic.jsonl line 3 is not valid JSON"):
        backup_restore(path=broken)
    assert Person.objects.count() == 0


@pytest.mark.django_db
def test_restore_refuses_an_archive_of_a_newer_peerloop(media, tmp_path):
    backup_write(path=tmp_path / "backup.zip")

    def future(name, data):
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["migrations"]["core"].append("0999_from_the_future")
        return json.dumps(manifest)

    rewrite_archive(tmp_path / "backup.zip", tmp_path / "future.zip", future)
    with pytest.raises(BackupError, match=r"newer Peerloop.*core.0999_from_the_future"):
        backup_restore(path=tmp_path / "future.zip")


@pytest.mark.django_db
def test_restore_refuses_what_is_not_a_backup(media, tmp_path):
    (tmp_path / "notes.zip").write_text("hello")
    with pytest.raises(BackupError, match="not a zip archive"):
        backup_restore(path=tmp_path / "notes.zip")
    with zipfile.ZipFile(tmp_path / "other.zip", "w") as archive:
        archive.writestr("readme.txt", "hi")
    with pytest.raises(BackupError, match=r"no manifest\.json"):
        backup_restore(path=tmp_path / "other.zip")
    with pytest.raises(BackupError, match="No backup at"):
        backup_restore(path=tmp_path / "missing.zip")


@pytest.mark.parametrize("name", ["../escape.txt", "a/../../b", "/etc/passwd", "a\\..\\b", ""])
def test_media_names_cannot_escape_the_media_root(tmp_path, name):
    with pytest.raises(BackupError, match="unsafe file name"):
        safe_media_path(tmp_path, name)


@pytest.mark.django_db
def test_commands_report_and_refuse_with_a_clear_error(media, tmp_path, capsys):
    seed()
    call_command("backup", str(tmp_path / "b.zip"), "--no-progress")
    assert "Wrote " in capsys.readouterr().out
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(tmp_path / "b.zip"), "--no-progress")
    call_command("canonical_export", str(tmp_path / "export.json"))
    export = json.loads((tmp_path / "export.json").read_text())
    assert [row["fields"]["email"] for row in export["people.person"]][:1] == ["admin@example.org"]


# --- across processes and databases ---------------------------------------------------


def postgres_server_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        return url.rsplit("/", 1)[0]
    return os.environ.get("PEERLOOP_TEST_POSTGRES", "postgres://root@127.0.0.1:5432")


def postgres_or_skip() -> str:
    import psycopg

    server = postgres_server_url()
    try:
        psycopg.connect(f"{server}/postgres", connect_timeout=3).close()
    except psycopg.Error as exc:
        reason = f"PostgreSQL is not reachable at {server}: {exc}".strip()
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true requires the SQLite to PostgreSQL test. {reason}")
        pytest.skip(reason)
    return server


def peerloop(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "peerloop", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"peerloop {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def environment(data_dir: Path, database_url: str | None = None) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "PEERLOOP_MEDIA_ROOT", "REDIS_URL", "PEERLOOP_TEST_SQLITE")
    }
    env.update(
        PEERLOOP_PROFILE="test",
        PEERLOOP_DATA_DIR=str(data_dir),
        PYTHONPATH=str(ROOT),
        DJANGO_SETTINGS_MODULE="peerloop.settings",
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


@pytest.mark.slow
def test_sqlite_to_postgresql(tmp_path):
    import psycopg

    server = postgres_or_skip()
    source = environment(tmp_path / "sqlite")
    # One process migrates, seeds, backs up and exports the SQLite database (fewer Django start-ups).
    script = (
        "import django; django.setup()\n"
        "from django.core.management import call_command\n"
        "from tests.core.backup_seed import seed\n"
        "call_command('migrate', verbosity=0)\n"
        "seed()\n"
        f"call_command('backup', {str(tmp_path / 'backup.zip')!r}, '--no-progress')\n"
        f"call_command('canonical_export', {str(tmp_path / 'sqlite.json')!r})\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=source, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr

    name = f"peerloop_restore_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        target = environment(tmp_path / "pg", f"{server}/{name}")
        out = peerloop(target, "restore", str(tmp_path / "backup.zip"), "--no-progress")
        assert "uploaded files" in out
        peerloop(target, "manage", "canonical_export", str(tmp_path / "postgresql.json"))
        sqlite_export = (tmp_path / "sqlite.json").read_text()
        assert (tmp_path / "postgresql.json").read_text() == sqlite_export
        assert '"Sôn Nguyễn"' in sqlite_export
        assert files_under(tmp_path / "pg" / "media") == files_under(tmp_path / "sqlite" / "media")
        # PostgreSQL's sequences continue after the restored ids
        with psycopg.connect(f"{server}/{name}", autocommit=True) as db:
            max_id = db.execute("SELECT max(id) FROM people_person").fetchone()[0]
            next_id = db.execute(
                "INSERT INTO people_person (created_at, updated_at, email, name, title, role_family, location, "
                "timezone, skills, kind, active) VALUES (now(), now(), 'x@example.org', 'X', '', '', '', 'UTC', "
                "'[]', 'employee', true) RETURNING id"
            ).fetchone()[0]
        assert next_id > max_id
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
