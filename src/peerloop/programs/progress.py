"""Pure arithmetic of programs (no Django): KPI progress and period lengths."""

from calendar import monthrange
from datetime import date
import math


def progress_percent(
    latest: float | None, *, target: float, baseline: float | None, lower_is_better: bool
) -> float | None:
    """How far ``latest`` has come toward ``target``, in percent (may exceed 0..100).

    With a baseline: 0 at the baseline, 100 at the target, whichever way the target
    lies. Without one: the ratio to the target (inverted when lower is better).
    None when it cannot be said (no value yet, or a zero to divide by).
    """
    if latest is None or not math.isfinite(latest):
        return None
    if baseline is not None and target != baseline:
        return (latest - baseline) / (target - baseline) * 100.0
    if lower_is_better:
        if latest <= target:
            return 100.0
        return target / latest * 100.0 if latest > 0 and target >= 0 else None
    if target == 0:
        return 100.0 if latest >= 0 else None
    return latest / target * 100.0


def bar_width(percent: float | None) -> int:
    """The share of a progress bar to fill: 0..100."""
    if percent is None or not math.isfinite(percent):
        return 0
    return round(min(100.0, max(0.0, percent)))


def _month_end(day: date) -> date:
    return day.replace(day=monthrange(day.year, day.month)[1])


def period_kind(start: date, end: date) -> str:
    """What a period is, so one file can be checked for one length per metric:
    "month", "quarter", "year" for calendar periods, otherwise "N days"."""
    if start.day == 1 and end == _month_end(end):
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        if months == 1:
            return "month"
        if months == 3 and start.month in (1, 4, 7, 10):
            return "quarter"
        if months == 12 and start.month == 1:
            return "year"
        return f"{months} months"
    days = (end - start).days + 1
    return "1 day" if days == 1 else f"{days} days"
