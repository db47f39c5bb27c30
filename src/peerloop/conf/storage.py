"""Uploaded files: on disk under the data directory by default."""

from pathlib import Path
from typing import Any

from peerloop.conf import env


def storage(data_dir: Path) -> dict[str, Any]:
    media_root = Path(env("PEERLOOP_MEDIA_ROOT", str(data_dir / "media")) or "")
    static_root = Path(env("PEERLOOP_STATIC_ROOT", str(data_dir / "static")) or "")
    static_root.mkdir(parents=True, exist_ok=True)
    return {
        "MEDIA_ROOT": str(media_root),
        "MEDIA_URL": "/media/",
        "STATIC_ROOT": str(static_root),
        "STATIC_URL": "/static/",
        "FILE_UPLOAD_MAX_MEMORY_SIZE": 2 * 1024 * 1024,
        # Uploads over 10 MiB get 413 (RELIABILITY.md); the import limit is larger.
        "DATA_UPLOAD_MAX_MEMORY_SIZE": 10 * 1024 * 1024,
        "PEERLOOP_IMPORT_MAX_BYTES": 64 * 1024 * 1024,
    }
