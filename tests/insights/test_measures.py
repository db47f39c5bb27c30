"""Lesson diffusion, loop latency, funnels, the program's impact and the privacy floor: exact
values on small cases worked out by hand."""

import numpy as np
import pytest

from peerloop.insights import diffusion as D
from peerloop.insights import impact as I

H = 3600


def test_diffusion_counts_other_units_people_and_the_first_crossing():
    unit = np.array([0, 0, 1, 1, 2, -1])
    result = D.diffusion(
        lessons=np.array([10, 20, 30]),
        author=np.array([0, 2, 4]),
        posted_at=np.array([0, 100 * H, 0]),
        # lesson 10: its author (ignored), a colleague, two people of unit 1 and one of unit 2;
        # lesson 20: only its own unit and someone before it was posted (ignored); 99: unknown.
        event_lesson=np.array([10, 10, 10, 10, 10, 20, 20, 99]),
        event_person=np.array([0, 1, 2, 3, 4, 3, 0, 1]),
        event_at=np.array([5 * H, 1 * H, 30 * H, 50 * H, 80 * H, 120 * H, 50 * H, 0]),
        unit=unit,
        curve_days=3,
    )
    assert result.units_reached.tolist() == [2, 0, 0]
    assert result.people_reached.tolist() == [4, 1, 0]
    assert result.hours_to_other_unit[0] == 30
    assert np.isnan(result.hours_to_other_unit[1:]).all()
    # Day 1 (30 h): unit 1 reached; day 3 (80 h): unit 2 too. Means over the three lessons.
    assert result.reach_curve.tolist() == pytest.approx([0, 1 / 3, 1 / 3, 2 / 3])
    summary = result.summary()
    assert summary["share_beyond_own_unit"] == pytest.approx(1 / 3)
    assert summary["median_hours_to_other_unit"] == 30


def test_diffusion_of_nothing():
    empty = np.array([], dtype=np.int64)
    result = D.diffusion(
        lessons=empty,
        author=empty,
        posted_at=empty,
        event_lesson=empty,
        event_person=empty,
        event_at=empty,
        unit=np.array([0]),
    )
    assert result.summary()["lessons"] == 0


def test_latency_between_stages():
    # Item 1: routed at 0, acknowledged at 2 h, closed at 10 h; item 2 acknowledged at 4 h, never
    # closed; item 3 only routed. A repeated stage counts from its first time.
    stages = D.latency(
        obj=np.array([1, 1, 1, 1, 2, 2, 3]),
        stage=np.array([0, 1, 1, 2, 0, 1, 0]),
        at=np.array([0, 2 * H, 3 * H, 10 * H, 0, 4 * H, 0]),
        stages=3,
    )
    assert [(s.count, s.median_hours) for s in stages] == [(2, 3.0), (1, 8.0)]
    assert stages[0].p90_hours == pytest.approx(3.8)


def test_funnel_is_cumulative():
    counts = D.funnel(person=np.array([0, 0, 1, 2, 2, 2]), stage=np.array([0, 1, 0, 0, 1, 2]), stages=3, population=10)
    assert counts.tolist() == [10, 3, 2, 1]


def test_difference_in_differences_by_hand():
    values = np.array(
        [
            [10, 10, 14, 16],  # treated: +5
            [20, 22, 26, 26],  # treated: +5
            [10, 12, 12, 12],  # comparison: +1
            [30, 30, 32, np.nan],  # comparison: +2 (a gap is fine)
            [np.nan, np.nan, 5, 5],  # no value before: left out
        ]
    )
    treated = np.array([True, True, False, False, True])
    result = I.difference_in_differences(values, treated, 2)
    assert (result.treated_units, result.comparison_units) == (2, 2)
    assert result.effect == pytest.approx(5 - 1.5)
    se = np.sqrt(0 / 2 + 0.5 / 2)
    assert (result.low, result.high) == pytest.approx((3.5 - 1.96 * se, 3.5 + 1.96 * se))
    assert result.improved and "improved more" in result.message
    lower = I.difference_in_differences(values, treated, 2, better="lower")
    assert lower.effect == pytest.approx(-3.5) and "did worse" in lower.message


def test_no_comparison_group_says_so_instead_of_inventing_an_effect():
    values = np.array([[1, 2], [1, 3], [1, 5]], dtype=float)
    result = I.difference_in_differences(values, np.array([True, True, True]), 1)
    assert result.effect is None and "No comparison group" in result.message
    assert I.difference_in_differences(values, np.array([True, True, False]), 0).effect is None


def test_privacy_floor_blanks_small_groups():
    matrix = np.arange(9, dtype=float).reshape(3, 3)
    out = I.suppress_matrix(matrix, np.array([5, 4, 12]))
    assert np.isnan(out[1]).all() and np.isnan(out[:, 1]).all()
    assert out[0, 0] == 0 and out[2, 2] == 8
    assert I.below_floor(np.array([0, 4, 5])).tolist() == [True, True, False]
