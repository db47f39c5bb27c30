"""The search index beside SearchDoc: an FTS5 table on SQLite, a generated tsvector
column with a GIN index on PostgreSQL. Neither is part of the model state."""

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE discussions_fts USING fts5("
    "title, body, spaces, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4 5')",
]
SQLITE_BACKWARD = ["DROP TABLE IF EXISTS discussions_fts"]
POSTGRES_FORWARD = [
    "ALTER TABLE discussions_searchdoc ADD COLUMN tsv tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('english', coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('english', left(coalesce(body, ''), 100000)), 'B')) STORED",
    "CREATE INDEX discussions_searchdoc_tsv ON discussions_searchdoc USING gin (tsv)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS discussions_searchdoc_tsv",
    "ALTER TABLE discussions_searchdoc DROP COLUMN IF EXISTS tsv",
]


def _run(statements_by_vendor):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        statements = statements_by_vendor.get(schema_editor.connection.vendor, [])
        for sql in statements:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("discussions", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        )
    ]
