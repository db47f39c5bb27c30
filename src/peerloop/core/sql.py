"""Hand-written statements that run on every request of a hot path.

PostgreSQL plans a statement each time it receives one; for the few statements every API
request runs (the token's lookup, a single item's INSERT) planning cost more than running
them. :func:`prepared_cursor` gives a cursor whose statements PostgreSQL prepares once per
connection and then only executes. Django's own queries keep their client-side binding
(``server_side_binding`` stays off: some ORM queries are not valid with server-side
parameters), so only what runs through this cursor is prepared.

``DATABASE_PREPARE=0`` turns it off, for a connection pooler that cannot keep prepared
statements (PgBouncer before 1.21 in transaction mode).
"""

from collections.abc import Iterable, Iterator
import contextlib
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper


@contextlib.contextmanager
def prepared_cursor() -> Iterator[CursorWrapper]:
    """A cursor that runs like ``connection.cursor()`` (same transaction, same execute
    wrappers and query log, Django's errors) and, on PostgreSQL with preparing on, sends its
    parameters apart from the statement, which the server prepares on first use.
    Placeholders are ``%s``; PostgreSQL cannot infer a parameter's type in a SELECT list, so
    cast there. Meant for statements that return a few rows: the cursor is kept for the
    connection's next use, with the last result, when no query log or execute wrapper is on."""
    db = connections[DEFAULT_DB_ALIAS]  # looked up once: each attribute of ``connection`` looks it up again
    if db.vendor != "postgresql" or db.settings_dict["OPTIONS"].get("prepare_threshold") is None:
        with db.cursor() as cursor:
            yield cursor
        return
    import psycopg

    db.ensure_connection()
    db.validate_thread_sharing()
    if db.queries_logged or db.execute_wrappers:
        # What connection.cursor() wraps its cursor in: the query log, the execute wrappers.
        raw = psycopg.Cursor(db.connection)
        try:
            yield (_LoggedPrepared if db.queries_logged else CursorWrapper)(raw, db)
        finally:
            raw.close()
        return
    # Neither is on (every request in production): one psycopg cursor a connection, reused.
    # Making and closing a cursor cost as much as a quarter of running the token's query.
    kept: _Reused | None = getattr(db, _KEPT, None)
    if kept is not None and kept.cursor.connection is db.connection and not kept.cursor.closed:
        setattr(db, _KEPT, None)  # in use: a prepared_cursor opened inside this one makes its own
    else:
        kept = _Reused(psycopg.Cursor(db.connection), db)
    try:
        yield kept
    finally:
        setattr(db, _KEPT, kept)


_KEPT = "_peerloop_prepared_cursor"


class _Reused(CursorWrapper):
    """CursorWrapper's work for a cursor without execute wrappers, done directly: the
    broken-transaction check before a statement, Django's errors around every call."""

    def execute(self, sql: Any, params: Any = None) -> Any:
        self.db.validate_no_broken_transaction()
        with self.db.wrap_database_errors:
            return self.cursor.execute(sql, params)

    def fetchone(self) -> Any:
        with self.db.wrap_database_errors:
            return self.cursor.fetchone()

    def fetchall(self) -> Any:
        with self.db.wrap_database_errors:
            return self.cursor.fetchall()


class _LoggedPrepared(CursorDebugWrapper):
    """The query log's wrapper, logging the statement as written: the server-side
    parameters leave no composed text for Django to log."""

    def execute(self, sql: Any, params: Any = None) -> Any:
        with self.debug_sql(sql, params):
            return CursorWrapper.execute(self, sql, params)


def array_literal(values: Iterable[int | bool | None]) -> str:
    """A PostgreSQL array literal of ints, booleans or NULLs, for a parameter cast to
    ``bigint[]`` or ``boolean[]``: one join, where psycopg adapts a list element by element
    in Python (a tenth of a routing batch's time). Booleans are told by the first value."""
    values = list(values)
    if values and isinstance(values[0], bool):
        return "{" + ",".join(["t" if v else "f" for v in values]) + "}"
    return "{" + ",".join(["NULL" if v is None else str(int(v)) for v in values]) + "}"
