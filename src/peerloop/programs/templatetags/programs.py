"""Template filters of the program pages."""

from django import template

register = template.Library()

# Unit labels written right after the number; any other label gets a space.
TIGHT_LABELS = frozenset({"%", "‰", "°"})


@register.filter
def metric_value(value: float | None, unit_label: str = "") -> str:
    """A metric value as people read it: at most two decimals, trailing zeros dropped,
    followed by its unit label ("42.5", "12 days", "87%"); "—" when there is none."""
    if value is None:
        return "—"
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    label = (unit_label or "").strip()
    if not label:
        return text
    return f"{text}{label}" if label in TIGHT_LABELS else f"{text}\u00a0{label}"
