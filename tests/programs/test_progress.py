from datetime import date, timedelta

from hypothesis import assume, given
from hypothesis import strategies as st
import pytest

from peerloop.programs.progress import bar_width, period_kind, progress_percent

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


def test_progress_with_a_baseline():
    assert progress_percent(40, target=50, baseline=30, lower_is_better=False) == 50.0
    assert progress_percent(30, target=50, baseline=30, lower_is_better=False) == 0.0
    assert progress_percent(60, target=50, baseline=30, lower_is_better=False) == 150.0
    # Lower is better: going down from 10 days to 6 counts as progress.
    assert progress_percent(8, target=6, baseline=10, lower_is_better=True) == 50.0


def test_progress_without_a_baseline():
    assert progress_percent(25, target=50, baseline=None, lower_is_better=False) == 50.0
    assert progress_percent(12, target=6, baseline=None, lower_is_better=True) == 50.0
    assert progress_percent(5, target=6, baseline=None, lower_is_better=True) == 100.0
    assert progress_percent(None, target=6, baseline=None, lower_is_better=True) is None


@given(latest=finite, target=finite, baseline=finite)
def test_progress_is_zero_at_baseline_and_hundred_at_target(latest, target, baseline):
    assume(abs(target - baseline) > 1e-6)
    assert progress_percent(baseline, target=target, baseline=baseline, lower_is_better=False) == pytest.approx(0)
    assert progress_percent(target, target=target, baseline=baseline, lower_is_better=False) == pytest.approx(100)
    # Moving toward the target never lowers the progress.
    step = (target - baseline) / 10
    here = progress_percent(latest, target=target, baseline=baseline, lower_is_better=False)
    closer = progress_percent(latest + step, target=target, baseline=baseline, lower_is_better=False)
    assert closer >= here - 1e-6


@given(st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)))
def test_bar_width_is_always_between_0_and_100(percent):
    assert 0 <= bar_width(percent) <= 100


def test_period_kinds():
    assert period_kind(date(2026, 2, 1), date(2026, 2, 28)) == "month"
    assert period_kind(date(2024, 2, 1), date(2024, 2, 29)) == "month"
    assert period_kind(date(2026, 4, 1), date(2026, 6, 30)) == "quarter"
    assert period_kind(date(2026, 1, 1), date(2026, 12, 31)) == "year"
    assert period_kind(date(2026, 2, 1), date(2026, 3, 31)) == "2 months"
    assert period_kind(date(2026, 1, 5), date(2026, 1, 11)) == "7 days"
    assert period_kind(date(2026, 1, 5), date(2026, 1, 5)) == "1 day"


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 1, 1)))
def test_every_calendar_month_is_a_month_and_every_week_seven_days(day):
    first = day.replace(day=1)
    next_month = (first + timedelta(days=32)).replace(day=1)
    assert period_kind(first, next_month - timedelta(days=1)) == "month"
    if day.day != 1:
        assert period_kind(day, day + timedelta(days=6)) == "7 days"
