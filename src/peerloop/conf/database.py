"""Database settings: SQLite embedded by default, PostgreSQL through DATABASE_URL."""

from pathlib import Path
from typing import Any

import dj_database_url

from peerloop.conf import ConfigurationError, env


def databases(data_dir: Path) -> dict[str, Any]:
    url = env("DATABASE_URL")
    if not url:
        url = f"sqlite:///{data_dir / 'peerloop.sqlite3'}"
    try:
        config = dj_database_url.parse(url, conn_max_age=0)
    except Exception as exc:  # dj_database_url raises bare ValueErrors and KeyErrors
        raise ConfigurationError(f"DATABASE_URL is not a database URL: {exc}") from exc
    engine = config["ENGINE"]
    if engine == "django.db.backends.sqlite3":
        # WAL with synchronous=NORMAL keeps acknowledged writes across a process kill;
        # IMMEDIATE transactions take the write lock up front, so concurrent writers
        # queue on the busy timeout instead of failing with "database is locked".
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA foreign_keys=ON; PRAGMA cache_size=-64000; PRAGMA temp_store=MEMORY;"
            ),
        }
        config["TEST"] = {"NAME": env("PEERLOOP_TEST_SQLITE", "")}
    elif engine == "django.db.backends.postgresql":
        config["CONN_MAX_AGE"] = int(env("DATABASE_CONN_MAX_AGE", "60") or 60)
        config["CONN_HEALTH_CHECKS"] = True
        # Statements run through core.sql.prepared_cursor are prepared on first use (the
        # ORM's cursors bind on the client and never prepare); 0 turns it off for a pooler
        # that cannot keep prepared statements.
        if env("DATABASE_PREPARE", "1") != "0":
            config["OPTIONS"] = {**config.get("OPTIONS", {}), "prepare_threshold": 0}
    else:
        raise ConfigurationError(f"Peerloop supports SQLite and PostgreSQL, not {engine}")
    return {"default": config}


def is_postgresql(config: dict[str, Any]) -> bool:
    return config["default"]["ENGINE"] == "django.db.backends.postgresql"
