from datetime import date

import pytest

from peerloop.core.roles import SYSTEM
from peerloop.programs import queries, services
from peerloop.programs.models import MetricValue
from tests.factories import MembershipFactory, MetricFactory, PersonFactory, ProgramFactory, UnitFactory


def value(metric, unit, start, end, amount):
    return MetricValue.objects.create(metric=metric, unit=unit, period_start=start, period_end=end, value=amount)


@pytest.fixture
def org(world):
    """Two sales units (one with a subunit) and a support unit, with people at levels 4 and 6."""
    sales = UnitFactory(name="Sales", code="sales")
    sales_north = UnitFactory(name="Sales North", code="sales-north", parent=sales)
    support = UnitFactory(name="Support", code="support")
    people = {
        "ana": PersonFactory(name="Ana", unit=sales, level=4, role_family="sales"),
        "bo": PersonFactory(name="Bo", unit=sales_north, level=4, role_family="sales"),
        "cy": PersonFactory(name="Cy", unit=support, level=6, role_family="support"),
        "di": PersonFactory(name="Di", unit=support, level=4, role_family="support", active=False),
    }
    return {"world": world, "sales": sales, "sales_north": sales_north, "support": support, **people}


def test_audience_from_a_directory_filter_includes_subunits(org):
    program = ProgramFactory(owner=org["world"].program_owner, audience_filter={"unit_ids": [org["sales"].pk]})
    assert {p.name for p in queries.program_audience(program=program)} == {"Ana", "Bo"}
    program.audience_filter = {"levels": [4], "role_families": ["support", "sales"]}
    # Di is inactive; the world's member is a level-4 salesperson too.
    expected = {org["ana"].pk, org["bo"].pk, org["world"].member.pk}
    assert {p.pk for p in queries.program_audience(program=program)} == expected


def test_audience_from_a_space_is_its_active_members(org):
    space = org["world"].private_space
    MembershipFactory(space=space, person=org["cy"])
    MembershipFactory(space=space, person=org["di"])  # inactive: not in the audience
    program = ProgramFactory(owner=org["world"].program_owner, audience_space=space)
    assert {p.pk for p in queries.program_audience(program=program)} == {org["world"].member.pk, org["cy"].pk}


def test_audience_of_everyone_is_every_active_employee(org):
    program = ProgramFactory(owner=org["world"].program_owner)
    names = {p.pk for p in queries.program_audience(program=program)}
    assert org["world"].guest.pk not in names
    assert org["di"].pk not in names
    assert {org["ana"].pk, org["cy"].pk, org["world"].member.pk} <= names


def test_kpi_progress_averages_the_audience_units_for_the_latest_period(org):
    world = org["world"]
    nps = world.metric
    program = ProgramFactory(owner=world.program_owner, audience_filter={"unit_ids": [org["sales"].pk]})
    services.kpi_set(actor=SYSTEM, program_id=program.pk, metric_id=nps.pk, target=50, baseline=30)
    jan, feb = (date(2026, 1, 1), date(2026, 1, 31)), (date(2026, 2, 1), date(2026, 2, 28))
    value(nps, org["sales"], *jan, 10)
    value(nps, org["sales"], *feb, 36)
    value(nps, org["sales_north"], *feb, 44)
    value(nps, org["support"], *feb, 99)  # not the audience's unit
    value(nps, org["support"], date(2026, 3, 1), date(2026, 3, 31), 99)  # a later period, but not theirs
    [progress] = queries.kpi_progress(program=program)
    assert (progress.latest, progress.period_start, progress.period_end, progress.units) == (
        40.0,
        date(2026, 2, 1),
        date(2026, 2, 28),
        2,
    )
    assert progress.percent == 50.0
    assert progress.bar == 50
    assert not progress.achieved


def test_kpi_progress_without_data_or_for_lower_is_better(org):
    world = org["world"]
    cost = MetricFactory(code="cost", name="Cost", direction="lower")
    program = ProgramFactory(owner=world.program_owner, audience_filter={"unit_ids": [org["support"].pk]})
    services.kpi_set(actor=SYSTEM, program_id=program.pk, metric_id=world.metric.pk, target=50)
    services.kpi_set(actor=SYSTEM, program_id=program.pk, metric_id=cost.pk, target=8, baseline=12)
    value(cost, org["support"], date(2026, 1, 1), date(2026, 1, 31), 7)
    by_metric = {k.metric.code: k for k in queries.kpi_progress(program=program)}
    assert (by_metric["nps"].latest, by_metric["nps"].percent, by_metric["nps"].bar) == (None, None, 0)
    assert by_metric["nps"].label == "no data yet"
    assert (by_metric["cost"].percent, by_metric["cost"].bar, by_metric["cost"].achieved) == (125.0, 100, True)


def test_kpi_progress_for_many_programs_takes_a_fixed_number_of_queries(org, django_assert_max_num_queries):
    world = org["world"]
    metrics = [world.metric, MetricFactory(code="cost", name="Cost")]
    programs = []
    for n in range(12):
        spec = {"unit_ids": [org["sales"].pk]} if n % 3 == 0 else {"levels": [4, 6]} if n % 3 == 1 else {}
        program = ProgramFactory(owner=world.program_owner, audience_filter=spec)
        if n % 4 == 0:
            program.audience_filter = {}
            program.audience_space = world.private_space
            program.save()
        for metric in metrics:
            services.kpi_set(actor=SYSTEM, program_id=program.pk, metric_id=metric.pk, target=50, baseline=0)
        programs.append(program)
    for unit in (org["sales"], org["sales_north"], org["support"], world.unit):
        value(world.metric, unit, date(2026, 1, 1), date(2026, 1, 31), 25)
    # KPIs, the unit tree, the audiences' units, the latest periods, their values.
    with django_assert_max_num_queries(5):
        progress = queries.kpi_progress_for(programs=programs)
    assert len(progress) == 12
    assert all(len(kpis) == 2 for kpis in progress.values())
    assert progress[programs[0].pk][1].percent == 50.0  # space audience: the member's unit reports 25
    assert progress[programs[3].pk][1].units == 2  # sales and its subunit


def test_program_list_carries_owner_sponsor_and_kpi_count(org, django_assert_num_queries):
    world = org["world"]
    services.kpi_set(actor=SYSTEM, program_id=world.program.pk, metric_id=world.metric.pk, target=50)
    ProgramFactory(owner=world.program_owner, name="Another", status="active")
    with django_assert_num_queries(1):
        rows = [
            (p.name, p.owner.name, p.sponsor.name if p.sponsor else None, p.kpi_count) for p in queries.program_list()
        ]
    assert rows == [
        ("Another", world.program_owner.name, None, 0),
        ("Regional leaders learn", world.program_owner.name, world.leader.name, 1),
    ]
    assert [p.name for p in queries.program_list(status="active")] == ["Another"]


def test_metric_value_series_filters(org):
    world = org["world"]
    nps = world.metric
    value(nps, org["sales"], date(2026, 1, 1), date(2026, 1, 31), 1)
    value(nps, org["sales"], date(2026, 2, 1), date(2026, 2, 28), 2)
    value(nps, org["support"], date(2026, 2, 1), date(2026, 2, 28), 3)
    MetricValue.objects.create(
        metric=nps, person=org["ana"], period_start=date(2026, 2, 1), period_end=date(2026, 2, 28), value=4
    )
    series = queries.metric_value_series
    assert [v.value for v in series(metric_id=nps.pk)] == [1, 2, 3, 4]
    assert [v.value for v in series(metric_id=nps.pk, unit_ids=[org["sales"].pk])] == [1, 2]
    assert [v.value for v in series(metric_id=nps.pk, person_ids=[org["ana"].pk])] == [4]
    assert [v.value for v in series(metric_id=nps.pk, since=date(2026, 2, 1))] == [2, 3, 4]
    visible = queries.metric_values_visible(series(metric_id=nps.pk), person_id=org["bo"].pk)
    assert [v.value for v in visible] == [1, 2, 3]
