"""Keeping an uploaded import file between its preview and its apply.

Every import page previews a file before applying it. The preview stages the file in
the storage, under ``<folder>/<token><suffix>``, and remembers it in the session
under ``key`` (one staged file per kind of import and session); the apply finds it
again by its token, so a token from another session finds nothing, and an applied
file cannot be applied twice. Files nobody applied are swept a day later, when the
next file of the same folder is staged.

The functions take the session mapping and the storage; the views pass theirs.
"""

from collections.abc import MutableMapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
import uuid

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.storage import Storage
from django.utils import timezone

MAX_AGE = timedelta(days=1)
DEFAULT_MAX_BYTES = 64 * 1024 * 1024

Session = MutableMapping[str, Any]


@dataclass(frozen=True)
class Staged:
    """A staged file: its token, its name in the storage, the name it was uploaded as."""

    token: str
    path: str
    name: str


def max_upload_bytes() -> int:
    """The largest import file accepted (PEERLOOP_IMPORT_MAX_BYTES)."""
    return int(getattr(settings, "PEERLOOP_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def stage(session: Session, storage: Storage, *, key: str, folder: str, name: str, content: bytes | File) -> Staged:
    """Keep ``content`` (the uploaded file named ``name``) until it is applied; a file
    staged before under ``key`` is discarded, and stale files of ``folder`` swept."""
    discard(session, storage, key=key)
    sweep(storage, folder=folder)
    token = uuid.uuid4().hex
    suffix = Path(name).suffix.lower()[:8]
    path = storage.save(f"{folder}/{token}{suffix}", ContentFile(content) if isinstance(content, bytes) else content)
    staged = Staged(token=token, path=path, name=name[:200])
    session[key] = {"token": staged.token, "path": staged.path, "name": staged.name}
    return staged


def staged_get(session: Session, storage: Storage, *, key: str, token: str) -> Staged | None:
    """The file staged under ``key`` if ``token`` is its token and it is still stored."""
    kept = session.get(key)
    if not kept or not token or kept.get("token") != token or not storage.exists(kept["path"]):
        return None
    return Staged(token=kept["token"], path=kept["path"], name=kept["name"])


def staged_read(storage: Storage, staged: Staged) -> bytes:
    with storage.open(staged.path, "rb") as handle:
        return handle.read()


def release(session: Session, *, key: str) -> None:
    """Forget the staged file without deleting it: a background job applies (and deletes) it."""
    session.pop(key, None)


def discard(session: Session, storage: Storage, *, key: str) -> None:
    """Forget the file staged under ``key`` and delete it."""
    kept = session.pop(key, None)
    if kept and storage.exists(kept["path"]):
        storage.delete(kept["path"])


def sweep(storage: Storage, *, folder: str, max_age: timedelta = MAX_AGE) -> None:
    """Delete the files of ``folder`` staged more than ``max_age`` ago."""
    cutoff = timezone.now() - max_age
    try:
        _, names = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in names:
        path = f"{folder}/{name}"
        try:
            if storage.get_modified_time(path) < cutoff:
                storage.delete(path)
        except (FileNotFoundError, NotImplementedError):
            continue
