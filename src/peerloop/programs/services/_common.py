"""Helpers shared by the services of programs."""

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError

# "Not given" for update functions, where None is a value (no sponsor, no end date).
UNSET: Any = object()


def clean_text(value: Any, field: str, *, limit: int, required: bool = True) -> str:
    """Short texts (up to 200 characters) have their whitespace collapsed; longer ones are trimmed."""
    text = " ".join(str(value or "").split()) if limit <= 200 else str(value or "").strip()
    if required and not text:
        raise ValidationError({field: "This field is required."})
    if len(text) > limit:
        raise ValidationError({field: f"Keep it under {limit} characters."})
    return text


def public(value: Any) -> Any:
    """A value as it may be written to the audit log (JSON)."""
    if isinstance(value, date):
        return value.isoformat()
    return value
