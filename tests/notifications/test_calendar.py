"""The .ics text of notifications.calendar, read back by an independent parser (icalendar)."""

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st
import icalendar
import pytest

from peerloop.notifications.calendar import fold, ics_event

START = datetime(2025, 3, 4, 14, 0, tzinfo=UTC)
END = START + timedelta(minutes=30)
STAMP = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def event(**overrides):
    fields = {
        "uid": "match-17-round-3@peerloop",
        "title": "Peer match: Ana and Bruno",
        "description": "Talk about pricing.",
        "start": START,
        "end": END,
        "organizer_email": "peerloop@example.org",
        "attendee_emails": ["ana@example.org", "bruno@example.org"],
        "url": "https://peerloop.example.org/matching/matches/17/",
        "dtstamp": STAMP,
    }
    fields.update(overrides)
    return ics_event(**fields)


def test_the_event_parses_with_every_field():
    text = event()
    calendar = icalendar.Calendar.from_ical(text)
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(calendar["VERSION"]) == "2.0"
    [vevent] = calendar.walk("VEVENT")
    assert str(vevent["UID"]) == "match-17-round-3@peerloop"
    assert str(vevent["SUMMARY"]) == "Peer match: Ana and Bruno"
    assert str(vevent["DESCRIPTION"]) == "Talk about pricing."
    assert vevent.decoded("DTSTART") == START
    assert vevent.decoded("DTEND") == END
    assert vevent.decoded("DTSTAMP") == STAMP
    assert str(vevent["ORGANIZER"]) == "mailto:peerloop@example.org"
    assert [str(a) for a in vevent["ATTENDEE"]] == ["mailto:ana@example.org", "mailto:bruno@example.org"]
    assert str(vevent["URL"]) == "https://peerloop.example.org/matching/matches/17/"


def test_lines_end_in_crlf_and_fit_75_octets():
    text = event(description="Ünïcödé " * 40 + "\nsecond line; with, punctuation\\", title="Jakarta ↔ São Paulo " * 5)
    assert text.endswith("\r\n")
    lines = text.split("\r\n")[:-1]
    assert "\n" not in text.replace("\r\n", "")
    assert max(len(line.encode()) for line in lines) <= 75
    assert "DTSTART:20250304T140000Z" in lines


def test_times_are_written_in_utc():
    jakarta = timezone(timedelta(hours=7))
    text = event(start=datetime(2025, 3, 4, 21, 0, tzinfo=jakarta), end=datetime(2025, 3, 4, 22, 0, tzinfo=jakarta))
    assert "DTSTART:20250304T140000Z\r\n" in text
    assert "DTEND:20250304T150000Z\r\n" in text


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"start": datetime(2025, 3, 4, 14, 0)}, "timezone-aware"),
        ({"end": START}, "end after it starts"),
        ({"attendee_emails": ["x@example.org\r\nATTENDEE:mailto:evil@example.org"]}, "line breaks"),
        ({"organizer_email": "not an email"}, "not an email address"),
        ({"url": "https://example.org/\nX-EVIL:1"}, "line breaks"),
        ({"uid": ""}, "uid is required"),
    ],
)
def test_bad_input_is_refused(overrides, message):
    with pytest.raises(ValueError, match=message):
        event(**overrides)


def test_folding_never_splits_a_character():
    line = "SUMMARY:" + "é" * 100
    folded = fold(line)
    assert folded.replace("\r\n ", "") == line
    assert all(len(piece.encode()) <= 75 for piece in folded.split("\r\n"))


@given(title=st.text(max_size=300), description=st.text(max_size=600))
def test_any_text_round_trips(title, description):
    """Whatever a title or description holds, the parser reads back exactly that text
    (line ends normalized to \\n, control characters dropped) and no extra property."""
    text = event(title=title, description=description)
    [vevent] = icalendar.Calendar.from_ical(text).walk("VEVENT")

    def expected(value: str) -> str:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
        return "".join(c for c in value if c in "\t\n" or not (ord(c) < 32 or ord(c) == 127))

    assert str(vevent.get("SUMMARY", "")) == expected(title)
    if description:
        assert str(vevent.get("DESCRIPTION", "")) == expected(description)
    assert sorted(vevent.keys()) == sorted(
        [
            "UID",
            "DTSTAMP",
            "DTSTART",
            "DTEND",
            "SUMMARY",
            "ORGANIZER",
            "ATTENDEE",
            "URL",
            "SEQUENCE",
            "STATUS",
            "TRANSP",
        ]
        + (["DESCRIPTION"] if description else [])
    )
