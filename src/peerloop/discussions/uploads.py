"""What an uploaded file is, by its first bytes (never by its name). Pure: no Django.

Only the types below are accepted. Images are checked for their pixel size from the
header alone, so a 20,000 x 20,000 image is refused without being decoded.
"""

from dataclasses import dataclass
import re
import struct

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000


@dataclass(frozen=True)
class FileKind:
    content_type: str
    extension: str
    is_image: bool


PNG = FileKind("image/png", "png", True)
JPEG = FileKind("image/jpeg", "jpg", True)
GIF = FileKind("image/gif", "gif", True)
WEBP = FileKind("image/webp", "webp", True)
PDF = FileKind("application/pdf", "pdf", False)
ZIP_OFFICE = FileKind("application/zip", "zip", False)
TEXT = FileKind("text/plain", "txt", False)


class UploadRefused(ValueError):
    """The file is refused; ``status`` is 413 for size, 415 for type."""

    def __init__(self, message: str, status: int = 415) -> None:
        super().__init__(message)
        self.status = status


def _image_size(head: bytes, kind: FileKind) -> tuple[int, int] | None:
    if kind is PNG and len(head) >= 24:
        w, h = struct.unpack(">II", head[16:24])
        return w, h
    if kind is GIF and len(head) >= 10:
        w, h = struct.unpack("<HH", head[6:10])
        return w, h
    if kind is JPEG:
        i = 2
        while i + 9 < len(head):
            if head[i] != 0xFF:
                i += 1
                continue
            marker = head[i + 1]
            if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
                h, w = struct.unpack(">HH", head[i + 5 : i + 9])
                return w, h
            (length,) = struct.unpack(">H", head[i + 2 : i + 4])
            i += 2 + length
    return None


def sniff(head: bytes) -> FileKind | None:
    """The kind of file that starts with ``head`` (at least its first 64 KiB), or None."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"PK\x03\x04"):
        return ZIP_OFFICE
    sample = head[:4096]
    if b"\x00" not in sample:
        try:
            text = sample.decode("utf-8")
        except UnicodeDecodeError:
            return None
        if re.search(r"<\s*(html|script|svg|!doctype|iframe|body)", text, re.IGNORECASE):
            return None  # markup is never served back as a file
        return TEXT
    return None


def check(*, head: bytes, size: int) -> FileKind:
    """The accepted kind of an upload of ``size`` bytes starting with ``head``; raises
    UploadRefused with the reason otherwise."""
    if size > MAX_BYTES:
        raise UploadRefused(f"The file is {size / 1048576:.1f} MiB; the limit is 10 MiB.", status=413)
    if size == 0:
        raise UploadRefused("The file is empty.", status=422)
    kind = sniff(head)
    if kind is None:
        raise UploadRefused("This type of file is not accepted: images (PNG, JPEG, GIF, WebP), PDF, ZIP or plain text.")
    if kind.is_image:
        dims = _image_size(head, kind)
        if dims is not None and dims[0] * dims[1] > MAX_PIXELS:
            raise UploadRefused(f"The image is {dims[0]} x {dims[1]} pixels; the limit is 40 megapixels.", status=413)
    return kind


_UNSAFE = re.compile(r"[^\w.\- ()]+", re.UNICODE)


def clean_name(name: str, kind: FileKind) -> str:
    """A display name with no path, markup or control characters, ending in the real type's extension."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = _UNSAFE.sub("_", stem).strip(" ._")[:100] or "file"
    return f"{stem}.{kind.extension}"
