"""kill -9 of the worker in the middle of a batch: no item lost, none processed twice.

The worker is a real process (tests/feedback/kill_worker.py) on a real database of its
own: an SQLite file, or a PostgreSQL database next to the test database when the tests
run on PostgreSQL. Each round it stops inside a batch's transaction (after writing tags,
owners and transitions, before the commit) and is killed with SIGKILL; a last run drains
the outbox. Then every item was routed exactly once.
"""

import json
import os
from pathlib import Path
import signal
import subprocess
import sys
import time

from django.db import connection
import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tests" / "feedback" / "kill_worker.py"
# 20 rounds in CI (RELIABILITY.md: "kill -9 of a worker in the middle of a batch, 20
# times"), 4 locally; each round commits one batch and is killed in the next.
ROUNDS = 20 if os.environ.get("CI", "").lower() in ("1", "true", "yes") else 4
BATCH = 200
ITEMS = (ROUNDS + 2) * BATCH


def _database_url(tmp_path: Path) -> str:
    if connection.vendor != "postgresql":
        return f"sqlite:///{tmp_path / 'kill.sqlite3'}"
    import psycopg

    settings = connection.settings_dict
    name = f"{settings['NAME']}_kill"
    params = {"host": settings["HOST"] or "127.0.0.1", "port": settings["PORT"] or 5432, "user": settings["USER"]}
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    return f"postgres://{params['user']}@{params['host']}:{params['port']}/{name}"


def _run(env: dict, *args: str) -> str:
    done = subprocess.run([sys.executable, str(SCRIPT), *args], env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.mark.slow
def test_killing_the_worker_mid_batch_loses_nothing_and_duplicates_nothing(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(tmp_path),
        "PEERLOOP_PROFILE": "test",
        "PEERLOOP_QUEUE_IMMEDIATE": "0",
        "PEERLOOP_DATA_DIR": str(tmp_path),
        "PEERLOOP_QUEUE_FILE": str(tmp_path / "queue.sqlite3"),
        "KILL_MARKER": str(tmp_path / "in-batch"),
        "KILL_BATCH": str(BATCH),
    }
    migrate = subprocess.run(
        [sys.executable, "-m", "peerloop", "migrate", "--no-input", "-v", "0"], env=env, capture_output=True, text=True
    )
    assert migrate.returncode == 0, migrate.stderr[-3000:]
    _run(env, "seed", str(ITEMS))
    marker = Path(env["KILL_MARKER"])

    def committed_whole_batches(state: dict) -> None:
        # Nothing of a killed batch is visible: only whole batches were committed.
        assert state["routed"] % BATCH == 0 and state["new"] == ITEMS - state["routed"]
        assert state["items_routed_twice"] == 0

    for round_ in range(ROUNDS):
        marker.unlink(missing_ok=True)
        # The worker prints the state the last kill left, then stops in its second batch:
        # the first commits, the second is killed.
        worker = subprocess.Popen(
            [sys.executable, str(SCRIPT), "check-then-work", "2"], env=env, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )  # fmt: skip
        while not marker.exists():
            assert worker.poll() is None, worker.stderr.read().decode()[-3000:] if worker.stderr else ""
            time.sleep(0.05)
        os.kill(worker.pid, signal.SIGKILL)
        assert worker.wait() == -signal.SIGKILL
        assert worker.stdout is not None
        before = json.loads(worker.stdout.readline())
        committed_whole_batches(before)
        assert before["routed"] == round_ * BATCH
    last = json.loads(_run(env, "check"))
    committed_whole_batches(last)
    assert last["routed"] == ROUNDS * BATCH
    _run(env, "work")
    final = json.loads(_run(env, "check"))
    assert final["items"] == ITEMS
    assert final["new"] == 0
    assert final["routed"] == ITEMS
    assert final["route_rows"] == ITEMS
    assert final["items_routed_twice"] == 0
    # Two items in three mention the price: one rule tag each, and an owner each.
    priced = sum(1 for i in range(ITEMS) if i % 3)
    assert final["tags"] == priced
    assert final["with_owner"] == priced
    assert final["routed_events"] == priced
    assert final["items_with_two_events"] == 0
