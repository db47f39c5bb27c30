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

from django.db import connection
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper


@contextlib.contextmanager
def prepared_cursor() -> Iterator[CursorWrapper]:
    """A cursor that runs like ``connection.cursor()`` (same transaction, same execute
    wrappers and query log) and, on PostgreSQL with preparing on, sends its parameters
    apart from the statement, which the server prepares on first use. Placeholders are
    ``%s``; PostgreSQL cannot infer a parameter's type in a SELECT list, so cast there."""
    if connection.vendor != "postgresql" or connection.settings_dict["OPTIONS"].get("prepare_threshold") is None:
        with connection.cursor() as cursor:
            yield cursor
        return
    import psycopg

    connection.ensure_connection()
    connection.validate_thread_sharing()
    raw = psycopg.Cursor(connection.connection)
    # What connection.cursor() wraps its cursor in: the query log when it is on, the execute wrappers always.
    cursor = (_LoggedPrepared if connection.queries_logged else CursorWrapper)(raw, connection)
    try:
        yield cursor
    finally:
        raw.close()


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
