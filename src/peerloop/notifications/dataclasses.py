"""Plain values that other modules hand to notifications (no Django import)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class EmailAttachment:
    """A text attachment of an email, e.g. a calendar invitation (``text/calendar``)."""

    filename: str
    content_type: str
    content: str
