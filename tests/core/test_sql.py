"""core.sql.prepared_cursor: statements of the hot paths, prepared once per connection on
PostgreSQL, run like any other cursor's."""

from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
import pytest

from peerloop.conf.database import databases
from peerloop.core.models import Interaction, Job
from peerloop.core.services import job_create
from peerloop.core.sql import prepared_cursor

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL prepares statements")


def test_its_statements_are_seen_by_execute_wrappers_and_run_in_the_callers_transaction():
    job_create(kind="check", label="kept", started_by_id=None)
    table = Job._meta.db_table
    with CaptureQueriesContext(connection) as seen, transaction.atomic():
        with prepared_cursor() as cursor:
            cursor.execute(f"SELECT count(*) + %s FROM {table}", [41])
            assert cursor.fetchone()[0] == 41 + Job.objects.count()
        with pytest.raises(RuntimeError), transaction.atomic():
            with prepared_cursor() as cursor:
                cursor.execute(f"DELETE FROM {table}")
            raise RuntimeError("rolls back")
    assert any("count(*) + " in query["sql"] for query in seen.captured_queries)
    assert Job.objects.filter(label="kept").exists()  # the DELETE rolled back with the block


@postgresql_only
def test_postgresql_prepares_a_statement_once_and_then_only_executes_it():
    sql = "SELECT count(*) FROM core_job WHERE status <> %s"
    for _ in range(3):
        with prepared_cursor() as cursor:
            cursor.execute(sql, ["nothing"])
            assert cursor.fetchone()[0] == 0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans + custom_plans FROM pg_prepared_statements WHERE statement LIKE %s",
            ["%core_job WHERE status <> $1%"],
        )
        assert cursor.fetchall() == [(3,)]  # one statement, executed three times


@postgresql_only
def test_the_orms_own_queries_are_not_prepared():
    for _ in range(3):
        assert not Interaction.objects.filter(kind="nothing").exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", ["%core_interaction%"])
        assert cursor.fetchone()[0] == 0


def test_preparing_is_on_for_postgresql_unless_turned_off(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgres://peerloop@db:5432/peerloop")
    monkeypatch.delenv("DATABASE_PREPARE", raising=False)
    assert databases(tmp_path)["default"]["OPTIONS"]["prepare_threshold"] == 0
    monkeypatch.setenv("DATABASE_PREPARE", "0")
    assert "prepare_threshold" not in databases(tmp_path)["default"].get("OPTIONS", {})


@postgresql_only
def test_a_cursor_opened_inside_another_is_its_own():
    with prepared_cursor() as outer:
        outer.execute("SELECT generate_series(1, %s::int)", [3])
        with prepared_cursor() as inner:
            assert inner is not outer
            inner.execute("SELECT %s::int", [7])
            assert inner.fetchone() == (7,)
        assert outer.fetchall() == [(1,), (2,), (3,)]
    with prepared_cursor() as again:
        again.execute("SELECT %s::int", [8])
        assert again.fetchone() == (8,)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_the_kept_cursor_follows_a_new_connection_and_raises_djangos_errors():
    with prepared_cursor() as first:
        first.execute("SELECT pg_backend_pid()")
        before = first.fetchone()[0]
    connection.close()
    with prepared_cursor() as second:
        second.execute("SELECT pg_backend_pid()")
        assert second.fetchone()[0] != before
    table = Job._meta.db_table
    with pytest.raises(IntegrityError), prepared_cursor() as cursor:  # Django's class, not psycopg's
        cursor.execute(f"INSERT INTO {table} (id) VALUES (NULL)")
    with prepared_cursor() as cursor:  # autocommit: the failed statement left nothing to roll back
        cursor.execute(f"SELECT count(*) FROM {table}")
        assert cursor.fetchone() == (0,)
