"""A real consumer runs real work: ``peerloop worker`` in a subprocess, the queue on
Huey's SQLite storage (on Redis when REDIS_URL is set), the job in a database the
test and the worker share.

The database: on PostgreSQL the suite's test database (a transactional test, so the
worker sees committed rows); on SQLite, whose test database may live in memory, this
test points its connection at a migrated file under tmp_path for its duration.
"""

from collections.abc import Iterator
import os
from pathlib import Path
import signal
import subprocess
import sys
import time
from urllib.parse import quote
import uuid

from django.core.management import call_command
from django.db import connections, transaction
from django.db.utils import load_backend
from huey.contrib.djhuey import HUEY
from huey.storage import RedisStorage, SqliteStorage
import pytest

from peerloop.core.models import Job
from peerloop.core.services import job_create
from peerloop.core.tasks import enqueue_on_commit, queue_probe

REDIS_URL = os.environ.get("REDIS_URL", "")
REQUIRED = os.environ.get("PEERLOOP_QUEUE_REAL") == "1"
WAIT_SECONDS = 60  # a deadline for a stuck worker, not a speed assertion

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shared_database(tmp_path: Path) -> Iterator[dict[str, str]]:
    """Environment for the worker so it opens the database this test uses."""
    default = connections["default"]
    if default.vendor == "postgresql":
        s = default.settings_dict
        auth = quote(s["USER"] or "") + (f":{quote(s['PASSWORD'])}" if s.get("PASSWORD") else "")
        yield {"DATABASE_URL": f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"}
        return
    settings_dict = {**default.settings_dict, "NAME": str(tmp_path / "peerloop.sqlite3")}
    shared = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, "default")
    connections["default"] = shared
    try:
        call_command("migrate", interactive=False, verbosity=0)
        yield {}
    finally:
        shared.close()
        connections["default"] = default


@pytest.fixture
def real_queue(tmp_path: Path) -> Iterator[dict[str, str]]:
    """Switch this process's Huey from immediate mode to the storage the worker reads."""
    name = f"peerloop-test-{uuid.uuid4().hex[:8]}"
    env = {"PEERLOOP_QUEUE_NAME": name}
    storage: RedisStorage | SqliteStorage
    if REDIS_URL:
        storage = RedisStorage(name, url=REDIS_URL)
        try:
            storage.conn.ping()
        except Exception as exc:
            if REQUIRED:
                pytest.fail(f"PEERLOOP_QUEUE_REAL=1 but Redis at {REDIS_URL} is unreachable: {exc}")
            pytest.skip(f"Redis at {REDIS_URL} is unreachable: {exc}")
        env["REDIS_URL"] = REDIS_URL
    else:
        queue_file = tmp_path / "queue.sqlite3"
        storage = SqliteStorage(name, filename=str(queue_file))
        env["PEERLOOP_QUEUE_FILE"] = str(queue_file)
    saved = (HUEY.name, HUEY._immediate, HUEY.storage)
    HUEY.name, HUEY._immediate, HUEY.storage = name, False, storage
    try:
        yield env
    finally:
        storage.flush_all()
        HUEY.name, HUEY._immediate, HUEY.storage = saved


def worker_environment(tmp_path: Path, env: dict[str, str]) -> dict[str, str]:
    full_env = {
        **os.environ,
        "PEERLOOP_PROFILE": "test",
        "PEERLOOP_QUEUE_IMMEDIATE": "0",
        "PEERLOOP_DATA_DIR": str(tmp_path),
        "PEERLOOP_WORKERS": "1",
        **env,
    }
    for name in ("DATABASE_URL", "REDIS_URL"):
        if name not in env:
            full_env.pop(name, None)
    return full_env


def start_worker(tmp_path: Path, env: dict[str, str]) -> tuple[subprocess.Popen, Path]:
    full_env = worker_environment(tmp_path, env)
    log = tmp_path / "worker.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "peerloop", "worker", "--max-delay", "0.5"],
        env=full_env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    return process, log


def stop_worker(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_for_job(job_id: uuid.UUID, process: subprocess.Popen, log: Path) -> Job:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        job = Job.objects.get(pk=job_id)
        if job.finished:
            return job
        if process.poll() is not None:
            pytest.fail(f"the worker exited with {process.returncode}:\n{log.read_text()}")
        time.sleep(0.1)
    pytest.fail(f"the worker did not finish the job within {WAIT_SECONDS} s:\n{log.read_text()}")


def test_a_worker_process_runs_enqueued_work(tmp_path, shared_database, real_queue):
    # A task enqueued in a transaction that rolls back is never enqueued.
    with transaction.atomic():
        lost = job_create(kind="core.queue_probe", label="Rolled back", started_by_id=None)
        enqueue_on_commit(queue_probe, str(lost.pk))
        transaction.set_rollback(True)
    assert HUEY.pending_count() == 0

    with transaction.atomic():
        job = job_create(kind="core.queue_probe", label="Queue check", started_by_id=None)
        enqueue_on_commit(queue_probe, str(job.pk), steps=5)
        assert HUEY.pending_count() == 0  # not before the commit
    assert HUEY.pending_count() == 1
    assert Job.objects.get(pk=job.pk).status == Job.Status.QUEUED

    process, log = start_worker(tmp_path, {**shared_database, **real_queue})
    try:
        finished = wait_for_job(job.pk, process, log)
        # The operator's check runs the same round trip from another process.
        check = subprocess.run(
            [sys.executable, "-m", "peerloop", "manage", "queue_check", "--timeout", str(WAIT_SECONDS)],
            env=worker_environment(tmp_path, {**shared_database, **real_queue}),
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        stop_worker(process)
    assert check.returncode == 0, check.stderr + log.read_text()
    assert check.stdout.strip() == f"A consumer ran the probe (worker pid {process.pid})."

    assert finished.status == Job.Status.SUCCEEDED, finished.message
    assert (finished.done, finished.total, finished.percent) == (5, 5, 100)
    assert finished.result == {"worker_pid": process.pid, "steps": 5}
    assert process.pid != os.getpid()
    assert finished.started_at is not None
    assert finished.finished_at is not None
    assert finished.started_at <= finished.finished_at
    assert HUEY.pending_count() == 0
    assert not Job.objects.filter(label="Rolled back").exists()
