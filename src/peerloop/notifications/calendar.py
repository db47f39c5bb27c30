"""Calendar invitations as RFC 5545 text (iCalendar), for email attachments.

Pure: no Django import. The text uses CRLF line ends, lines folded at 75 octets
(never inside a UTF-8 character), escaped TEXT values and UTC times, with
METHOD:REQUEST so mail clients offer to add the event.
"""

from collections.abc import Sequence
from datetime import UTC, datetime
import re

PRODID = "-//Peerloop//Peerloop//EN"
FOLD_AT = 75
# Control characters other than tab and newline have no place in a calendar value.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and newlines escaped."""
    value = _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold(line: str) -> str:
    """One content line folded into CRLF-joined pieces of at most 75 octets (RFC 5545 3.1)."""
    encoded = line.encode("utf-8")
    if len(encoded) <= FOLD_AT:
        return line
    pieces: list[str] = []
    start = 0
    limit = FOLD_AT
    while start < len(encoded):
        end = min(start + limit, len(encoded))
        # Step back to the start of a UTF-8 character (continuation bytes are 10xxxxxx).
        while end < len(encoded) and (encoded[end] & 0xC0) == 0x80:
            end -= 1
        pieces.append(encoded[start:end].decode("utf-8"))
        start = end
        limit = FOLD_AT - 1  # the leading space of a continuation line counts
    return "\r\n ".join(pieces)


def utc_stamp(value: datetime) -> str:
    """A DATE-TIME in UTC form (``20250301T140000Z``); naive datetimes are refused."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("calendar times must be timezone-aware")
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _plain(value: str, what: str) -> str:
    """A value written without TEXT escaping (an address, a URI, a UID): it may not break the line."""
    value = value.strip()
    if _CONTROL.search(value) or "\n" in value or "\r" in value:
        raise ValueError(f"{what} may not contain line breaks or control characters")
    return value


def _mailto(email: str, what: str) -> str:
    email = _plain(email, what)
    if not email or "@" not in email or any(c in email for c in ' ;:,"<>'):
        raise ValueError(f"{what} {email!r} is not an email address")
    return f"mailto:{email}"


def ics_event(
    *,
    uid: str,
    title: str,
    description: str,
    start: datetime,
    end: datetime,
    organizer_email: str,
    attendee_emails: Sequence[str],
    url: str = "",
    dtstamp: datetime | None = None,
) -> str:
    """One VEVENT inside a VCALENDAR with METHOD:REQUEST, as RFC 5545 text ending in CRLF.

    ``start`` and ``end`` must be timezone-aware and ``end`` after ``start``; the same
    ``uid`` names the same event, so sending it again updates it instead of adding one.
    """
    start_stamp, end_stamp = utc_stamp(start), utc_stamp(end)
    if end <= start:
        raise ValueError("the event must end after it starts")
    uid = _plain(uid, "uid")
    if not uid:
        raise ValueError("uid is required")
    lines = [
        "BEGIN:VCALENDAR",
        f"PRODID:{PRODID}",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        "METHOD:REQUEST",
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{utc_stamp(dtstamp or datetime.now(UTC))}",
        f"DTSTART:{start_stamp}",
        f"DTEND:{end_stamp}",
        f"SUMMARY:{escape_text(title)}",
    ]
    if description:
        lines.append(f"DESCRIPTION:{escape_text(description)}")
    if url:
        lines.append(f"URL:{_plain(url, 'url')}")
    lines.append(f"ORGANIZER:{_mailto(organizer_email, 'organizer_email')}")
    for email in attendee_emails:
        lines.append(f"ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:{_mailto(email, 'attendee')}")
    lines += ["SEQUENCE:0", "STATUS:CONFIRMED", "TRANSP:OPAQUE", "END:VEVENT", "END:VCALENDAR"]
    return "".join(fold(line) + "\r\n" for line in lines)
