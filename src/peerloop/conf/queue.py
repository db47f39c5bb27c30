"""Task queue settings: Huey on SQLite by default, on Redis when REDIS_URL is set."""

from pathlib import Path
from typing import Any

from peerloop.conf import env, env_bool


def huey(data_dir: Path, *, testing: bool) -> dict[str, Any]:
    redis_url = env("REDIS_URL")
    common: dict[str, Any] = {
        "name": env("PEERLOOP_QUEUE_NAME", "peerloop"),
        # In tests tasks run in the calling thread unless a test asks for the real queue.
        "immediate": env_bool("PEERLOOP_QUEUE_IMMEDIATE", testing),
        "utc": True,
        "consumer": {
            "workers": int(env("PEERLOOP_WORKERS", "2") or 2),
            "worker_type": "thread",
            # An idle worker polls the queue ever more slowly, up to this many seconds; the
            # default, 10 s, let feedback that came after a quiet spell wait seconds before
            # an owner saw it (the loop promises its inbox within a second). On Redis the
            # workers block on the queue instead of polling.
            "max_delay": 0.5,
        },
    }
    if redis_url:
        return {**common, "huey_class": "huey.RedisHuey", "url": redis_url}
    return {
        **common,
        "huey_class": "huey.SqliteHuey",
        "filename": env("PEERLOOP_QUEUE_FILE", str(data_dir / "queue.sqlite3")),
    }
