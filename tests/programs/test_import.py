from datetime import date

from django.core.management import call_command
from django.core.management.base import CommandError
import pytest

from peerloop.core.models import AuditEntry
from peerloop.core.roles import SYSTEM
from peerloop.core.tabular import RowError
from peerloop.programs import services
from peerloop.programs.models import MetricValue
from tests.factories import MetricFactory, UnitFactory

HEADER = "metric,unit,person,period_start,period_end,value\n"


@pytest.fixture
def org(world):
    UnitFactory(name="Sales EMEA", code="sales-emea")
    UnitFactory(name="Sales APAC", code="sales-apac")
    MetricFactory(code="cost", name="Cost per order", direction="lower")
    return world


def run(content: str, *, dry_run: bool = False):
    return services.metric_value_import_file(actor=SYSTEM, data=content.encode(), name="values.csv", dry_run=dry_run)


def stored() -> list[tuple]:
    rows = MetricValue.objects.values_list(
        "metric__code", "unit__code", "person__email", "period_start", "period_end", "value"
    )
    # Sorted here: databases disagree on where NULLs go.
    return sorted(rows, key=lambda r: (r[0], r[1] or "", r[2] or "", r[3]))


def good(org) -> str:
    return (
        HEADER
        + "nps,sales-emea,,2026-01-01,2026-01-31,41.5\n"
        + "nps,SALES-APAC,,2026-01-01,2026-01-31,38\n"
        + f"nps,,{org.member.email.upper()},2026-01-01,2026-01-31,7\n"
        + "cost,sales-emea,,2026-01-01,2026-03-31,12.25\n"
    )


def test_import_creates_values_for_units_and_people(org):
    report = run(good(org))
    assert report.errors == []
    assert (report.created, report.updated, report.unchanged) == (4, 0, 0)
    assert stored() == [
        ("cost", "sales-emea", None, date(2026, 1, 1), date(2026, 3, 31), 12.25),
        ("nps", None, org.member.email, date(2026, 1, 1), date(2026, 1, 31), 7.0),
        ("nps", "sales-apac", None, date(2026, 1, 1), date(2026, 1, 31), 38.0),
        ("nps", "sales-emea", None, date(2026, 1, 1), date(2026, 1, 31), 41.5),
    ]
    assert AuditEntry.objects.get(action="metric_values.import").changes == {"created": 4, "updated": 0, "unchanged": 0}


def test_reimport_is_an_idempotent_upsert(org):
    run(good(org))
    report = run(good(org))
    assert (report.created, report.updated, report.unchanged) == (0, 0, 4)
    report = run(HEADER + "nps,sales-emea,,2026-01-01,2026-01-31,43\nnps,sales-emea,,2026-02-01,2026-02-28,44\n")
    assert (report.created, report.updated, report.unchanged) == (1, 1, 0)
    assert MetricValue.objects.count() == 5
    assert (
        MetricValue.objects.get(unit__code="sales-emea", metric__code="nps", period_start=date(2026, 1, 1)).value == 43
    )


def test_dry_run_counts_and_writes_nothing(org):
    report = run(good(org), dry_run=True)
    assert (report.created, report.errors) == (4, [])
    assert MetricValue.objects.count() == 0


def test_every_error_is_named_by_line_and_column_and_nothing_is_written(org):
    content = (
        HEADER
        + "nps,sales-emea,,2026-01-01,2026-01-31,40\n"  # 2: fine
        + "npx,sales-emea,,2026-01-01,2026-01-31,40\n"  # 3: unknown metric
        + "nps,nowhere,,2026-01-01,2026-01-31,40\n"  # 4: unknown unit
        + "nps,,nobody@example.org,2026-01-01,2026-01-31,40\n"  # 5: unknown person
        + f"nps,sales-apac,{org.member.email},2026-01-01,2026-01-31,40\n"  # 6: both
        + "nps,,,2026-01-01,2026-01-31,40\n"  # 7: neither
        + "nps,sales-apac,,2026-13-01,01/31/2026,40\n"  # 8: bad dates
        + "nps,sales-apac,,2026-02-28,2026-02-01,40\n"  # 9: end before start
        + "nps,sales-apac,,2026-01-01,2026-01-31,4o\n"  # 10: not a number
        + "nps,sales-apac,,2026-01-01,2026-01-31,inf\n"  # 11: not finite
        + "nps,sales-apac,,2026-01-01,2026-01-31,1,5\n"  # 12: too many values
    )
    report = run(content)
    # A line with more values than the header stops the reading: that is the one error.
    assert report.errors == [
        RowError(
            12, "", "Line 12 has 7 values but the header has 6 columns (a separator inside a value must be quoted)."
        )
    ]
    report = run(
        content.rsplit("nps,sales-apac,,2026-01-01,2026-01-31,1,5\n", 1)[0]
        + '"nps","sales-apac","","2026-01-01","2026-01-31","1,5"\n'
    )
    assert report.errors == [
        RowError(3, "metric", "No metric with the code 'npx'."),
        RowError(4, "unit", "No unit with the code 'nowhere'."),
        RowError(5, "person", "No person with the email 'nobody@example.org'."),
        RowError(6, "person", "Give a unit or a person, not both."),
        RowError(7, "unit", "Give a unit code or a person's email."),
        RowError(8, "period_start", "'2026-13-01' is not a real date."),
        RowError(8, "period_end", "'01/31/2026' is not a date in the form YYYY-MM-DD."),
        RowError(9, "period_end", "The period ends (2026-02-01) before it starts (2026-02-28)."),
        RowError(10, "value", "'4o' is not a finite number."),
        RowError(11, "value", "'inf' is not a finite number."),
        RowError(12, "value", "'1,5' is not a finite number (use a dot for decimals)."),
    ]
    assert MetricValue.objects.count() == 0


def test_duplicates_inside_the_file_are_named(org):
    content = (
        HEADER
        + "nps,sales-emea,,2026-01-01,2026-01-31,40\n"
        + "NPS,Sales-Emea,,2026-01-01,2026-01-31,41\n"
        + f"nps,,{org.member.email},2026-01-01,2026-01-31,7\n"
        + f"nps,,{org.member.email},2026-01-01,2026-01-31,8\n"
    )
    assert run(content).errors == [
        RowError(3, "period_start", "The same metric, unit and period start as line 2."),
        RowError(5, "period_start", "The same metric, person and period start as line 4."),
    ]


def test_mixed_period_lengths_for_one_metric_are_refused(org):
    content = (
        HEADER
        + "nps,sales-emea,,2026-01-01,2026-01-31,40\n"
        + "nps,sales-emea,,2026-02-01,2026-02-28,41\n"
        + "nps,sales-apac,,2026-01-05,2026-01-11,42\n"
        + "cost,sales-apac,,2026-01-05,2026-01-11,3\n"
        + "nps,sales-apac,,2026-04-01,2026-06-30,42\n"
    )
    assert run(content).errors == [
        RowError(
            4,
            "period_end",
            "This period is 7 days but line 2 gives nps periods of a month; "
            "one file uses one period length per metric.",
        ),
        RowError(
            6,
            "period_end",
            "This period is a quarter but line 2 gives nps periods of a month; "
            "one file uses one period length per metric.",
        ),
    ]


def test_header_problems(org):
    assert run("metric,period_start,period_end,value\nnps,2026-01-01,2026-01-31,3\n").errors == [
        RowError(1, "unit", "The file needs a unit column, a person column, or both.")
    ]
    assert run("metric,unit,start,period_end,value\n").errors == [
        RowError(
            1,
            "start",
            "Unknown column 'start'; the columns are: metric, period_start, period_end, value, unit, person.",
        ),
        RowError(1, "period_start", "The column 'period_start' is missing."),
    ]


def test_json_rows_and_mappings(org):
    rows = [
        {"metric": "nps", "unit": "sales-emea", "period_start": "2026-01-01", "period_end": "2026-01-31", "value": 4.5}
    ]
    report = services.metric_value_import(actor=SYSTEM, rows=rows, dry_run=False, first_line=1)
    assert report.created == 1
    assert stored()[0][-1] == 4.5
    report = services.metric_value_import(actor=SYSTEM, rows=[{**rows[0], "value": "x"}], dry_run=False, first_line=1)
    assert report.errors == [RowError(1, "value", "'x' is not a finite number.")]


def test_import_reports_progress(org):
    seen = []
    services.metric_value_import_file(
        actor=SYSTEM, data=good(org).encode(), name="v.csv", dry_run=False, progress=lambda d, t: seen.append((d, t))
    )
    assert seen[-1] == (4, 4)


def test_management_command(org, tmp_path, capsys):
    path = tmp_path / "values.csv"
    path.write_text(good(org))
    call_command("import_metrics", str(path), "--dry-run", "--no-progress")
    assert "4 rows: 4 values would be created" in capsys.readouterr().out
    assert MetricValue.objects.count() == 0
    call_command("import_metrics", str(path), "--no-progress")
    assert MetricValue.objects.count() == 4
    path.write_text(HEADER + "npx,sales-emea,,2026-01-01,2026-01-31,1\n")
    with pytest.raises(CommandError, match="1 problem"):
        call_command("import_metrics", str(path), "--no-progress")
    assert "values.csv: line 2, column metric: No metric with the code 'npx'." in capsys.readouterr().err
