"""Did a program move its KPI? A difference in differences over unit series, and the privacy
floor: pure numpy, no Django.

The method, in plain words: for every unit, take the mean of its KPI after the program started
minus the mean before. The program's effect is how much more the participating units changed
than the comparable units that did not take part (both groups lived through the same season,
market and company news, which the comparison cancels out). The uncertainty comes from how
much units differ from each other within each group (Welch's standard error); a 95% interval
that includes zero means the data cannot tell the effect from noise.
"""

from __future__ import annotations

from dataclasses import dataclass
import math

import numpy as np

PRIVACY_FLOOR = 5  # no figure about a group of fewer people than this
MIN_UNITS = 2  # per group, to estimate a spread at all


@dataclass(frozen=True)
class Impact:
    """The effect of a program on one KPI (in the KPI's own unit, signed so that positive is better
    when ``better`` is "higher" and negative is better when it is "lower")."""

    effect: float | None  # treated change minus comparison change; None when it cannot be estimated
    low: float | None  # 95% interval
    high: float | None
    treated_change: float | None
    comparison_change: float | None
    treated_units: int
    comparison_units: int
    message: str  # what the figure means, or why there is none

    @property
    def improved(self) -> bool | None:
        return None if self.effect is None else self.effect > 0


def difference_in_differences(values: np.ndarray, treated: np.ndarray, start: int, *, better: str = "higher") -> Impact:
    """``values``: units x periods (NaN where a unit has no value); ``treated``: bool per unit;
    ``start``: the first period of the program. Units need a value both before and after."""
    if better not in ("higher", "lower"):
        raise ValueError("better must be 'higher' or 'lower'")
    values = np.asarray(values, dtype=np.float64)
    treated = np.asarray(treated, dtype=bool)
    before, after = values[:, :start], values[:, start:]
    has = np.isfinite(before).any(axis=1) & np.isfinite(after).any(axis=1)
    change = np.full(len(values), np.nan)
    change[has] = np.nanmean(after[has], axis=1) - np.nanmean(before[has], axis=1)
    t, c = change[has & treated], change[has & ~treated]
    if start <= 0 or start >= values.shape[1]:
        return _none(len(t), len(c), "The program's start leaves no period before or after it: no effect to measure.")
    if len(t) < MIN_UNITS:
        return _none(len(t), len(c), f"Fewer than {MIN_UNITS} participating units have values before and after.")
    if len(c) < MIN_UNITS:
        return _none(
            len(t),
            len(c),
            "No comparison group: fewer than two comparable units that did not take part have values before "
            "and after, so any change cannot be told apart from what would have happened anyway.",
        )
    sign = 1.0 if better == "higher" else -1.0
    effect = sign * (t.mean() - c.mean())
    se = math.sqrt(t.var(ddof=1) / len(t) + c.var(ddof=1) / len(c))
    low, high = effect - 1.96 * se, effect + 1.96 * se
    if low > 0:
        verdict = "the participating units improved more than the comparison units"
    elif high < 0:
        verdict = "the participating units did worse than the comparison units"
    else:
        verdict = "the difference is within the noise between units (the interval includes zero)"
    message = (
        f"{len(t)} participating units changed by {t.mean():+.3g} on average and {len(c)} comparison units by "
        f"{c.mean():+.3g}: {verdict}."
    )
    return Impact(float(effect), float(low), float(high), float(t.mean()), float(c.mean()), len(t), len(c), message)


def _none(treated: int, comparison: int, message: str) -> Impact:
    return Impact(None, None, None, None, None, treated, comparison, message)


def below_floor(group_sizes: np.ndarray, floor: int = PRIVACY_FLOOR) -> np.ndarray:
    """Which groups are too small to be shown (fewer than ``floor`` people)."""
    return np.asarray(group_sizes) < floor


def suppress_matrix(matrix: np.ndarray, group_sizes: np.ndarray, floor: int = PRIVACY_FLOOR) -> np.ndarray:
    """The matrix with the rows and columns of groups under the floor blanked (NaN)."""
    out = np.asarray(matrix, dtype=np.float64).copy()
    small = below_floor(group_sizes, floor)
    out[small, :] = np.nan
    out[:, small] = np.nan
    return out
