"""How far and how fast lessons travel, how long feedback loops take, and participation
funnels: pure numpy over event arrays, no Django.

Events come as parallel arrays (an object key such as a lesson's id, a person index, a time in
seconds, and for latency a stage number); every function returns plain numbers or arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

HOUR = 3600.0
DAY = 86400.0


@dataclass(frozen=True)
class Diffusion:
    """Per lesson (in the order of ``lessons``): where and how fast it travelled."""

    lessons: np.ndarray  # lesson keys
    units_reached: np.ndarray  # distinct units other than the author's that took it up
    people_reached: np.ndarray  # distinct people other than the author
    hours_to_other_unit: np.ndarray  # from posting to the first person in another unit (NaN: never)
    reach_curve: np.ndarray  # mean other units reached by day 0, 1, ... after posting

    def summary(self) -> dict[str, float]:
        travelled = np.isfinite(self.hours_to_other_unit)
        return {
            "lessons": len(self.lessons),
            "share_beyond_own_unit": float(travelled.mean()) if len(self.lessons) else 0.0,
            "median_units_reached": float(np.median(self.units_reached)) if len(self.lessons) else 0.0,
            "mean_units_reached": float(self.units_reached.mean()) if len(self.lessons) else 0.0,
            "median_hours_to_other_unit": float(np.median(self.hours_to_other_unit[travelled]))
            if travelled.any()
            else float("nan"),
        }


def diffusion(
    *,
    lessons: np.ndarray,
    author: np.ndarray,
    posted_at: np.ndarray,
    event_lesson: np.ndarray,
    event_person: np.ndarray,
    event_at: np.ndarray,
    unit: np.ndarray,
    curve_days: int = 30,
) -> Diffusion:
    """Where each lesson went: the people who took it up (endorsed, adopted, received, answered
    with it; the events) and the units they belong to, other than the author's.

    ``lessons``, ``author`` (person index) and ``posted_at`` describe the lessons; the events are
    rows (lesson key, person index, time). Events about unknown lessons, by the author, or before
    the lesson was posted are ignored.
    """
    lessons = np.asarray(lessons)
    m = len(lessons)
    order = np.argsort(lessons, kind="stable")
    sorted_keys = lessons[order]
    pos = np.searchsorted(sorted_keys, event_lesson)
    pos = np.minimum(pos, max(m - 1, 0))
    known = (sorted_keys[pos] == event_lesson) if m else np.zeros(len(event_lesson), dtype=bool)
    which = order[pos]  # index into lessons
    keep = known & (event_person != author[which]) & (event_at >= posted_at[which])
    which, person, at = which[keep], event_person[keep], event_at[keep]
    person_unit = unit[person]
    own = unit[author[which]]
    other = (person_unit >= 0) & (person_unit != own)

    people_reached = _distinct_count(which, person, m)
    units_reached = _distinct_count(which[other], person_unit[other], m)
    first_other = np.full(m, np.inf)
    np.minimum.at(first_other, which[other], (at[other] - posted_at[which[other]]) / HOUR)
    hours = np.where(np.isfinite(first_other), first_other, np.nan)

    # The reach curve: for each lesson and other unit, the day it was first reached.
    curve = np.zeros(curve_days + 1)
    if m and other.any():
        key = which[other].astype(np.int64) * (int(person_unit.max()) + 1) + person_unit[other]
        day = ((at[other] - posted_at[which[other]]) // DAY).astype(np.int64)
        unique, inverse = np.unique(key, return_inverse=True)
        first = np.full(len(unique), np.iinfo(np.int64).max)
        np.minimum.at(first, inverse, day)
        first_day = first[first <= curve_days]
        curve = np.cumsum(np.bincount(first_day, minlength=curve_days + 1)[: curve_days + 1]) / m
    return Diffusion(lessons, units_reached, people_reached, hours, curve)


def _distinct_count(group: np.ndarray, value: np.ndarray, size: int) -> np.ndarray:
    """For each group 0..size-1, how many distinct values it has."""
    if len(group) == 0:
        return np.zeros(size, dtype=np.int64)
    span = int(value.max()) + 1
    pairs = np.unique(group.astype(np.int64) * span + value)
    return np.bincount(pairs // span, minlength=size)


@dataclass(frozen=True)
class StageLatency:
    """Hours from one stage to the next, over the objects that reached both."""

    stage_from: int
    stage_to: int
    count: int
    median_hours: float
    p90_hours: float


def latency(*, obj: np.ndarray, stage: np.ndarray, at: np.ndarray, stages: int) -> list[StageLatency]:
    """Time between consecutive stages (0 -> 1, 1 -> 2, ...) of objects such as feedback items:
    from the first time an object entered stage k to the first time it entered stage k + 1."""
    if len(obj) == 0:
        return [StageLatency(k, k + 1, 0, float("nan"), float("nan")) for k in range(stages - 1)]
    unique, index = np.unique(obj, return_inverse=True)
    first = np.full((len(unique), stages), np.inf)
    valid = (stage >= 0) & (stage < stages)
    np.minimum.at(first, (index[valid], stage[valid]), at[valid].astype(np.float64))
    out = []
    for k in range(stages - 1):
        both = np.isfinite(first[:, k]) & np.isfinite(first[:, k + 1])
        hours = (first[both, k + 1] - first[both, k]) / HOUR
        hours = hours[hours >= 0]
        out.append(
            StageLatency(
                k,
                k + 1,
                len(hours),
                float(np.median(hours)) if len(hours) else float("nan"),
                float(np.percentile(hours, 90)) if len(hours) else float("nan"),
            )
        )
    return out


def funnel(*, person: np.ndarray, stage: np.ndarray, stages: int, population: int) -> np.ndarray:
    """People at each step of a funnel: step 0 is the population, step k + 1 counts the distinct
    people with an event of stage k (stages are cumulative: a later stage implies the earlier)."""
    counts = np.zeros(stages + 1, dtype=np.int64)
    counts[0] = population
    if len(person) == 0:
        return counts
    deepest = np.full(int(person.max()) + 1, -1, dtype=np.int64)
    np.maximum.at(deepest, person, stage)
    reached = deepest[deepest >= 0]
    for k in range(stages):
        counts[k + 1] = int((reached >= k).sum())
    return counts
