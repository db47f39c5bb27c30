from datetime import date

from django.core.exceptions import ValidationError
import pytest

from peerloop.core.models import AuditEntry
from peerloop.core.roles import SYSTEM
from peerloop.programs import services
from peerloop.programs.models import Kpi, Metric, Program
from tests.factories import MetricFactory, PersonFactory, ProgramFactory


def create(world, **fields):
    base = {"name": "Peer pairs", "objective": "Learn across regions", "owner_id": world.program_owner.pk}
    return services.program_create(actor=SYSTEM, **(base | fields))


def test_program_create_stores_the_template_and_audits(world):
    program = create(
        world,
        sponsor_id=world.leader.pk,
        mechanisms=["matching", "discussions", "matching"],
        audience_filter={"unit_ids": [world.unit.pk], "levels": [5, 4, 4], "role_families": [" sales ", "Sales"]},
        expected_outcomes="Shorter time to close",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 6, 30),
    )
    program.refresh_from_db()
    assert program.slug == "peer-pairs"
    assert program.status == "draft"
    assert program.mechanisms == ["matching", "discussions"]
    assert program.audience_filter == {"unit_ids": [world.unit.pk], "levels": [4, 5], "role_families": ["sales"]}
    entry = AuditEntry.objects.get(action="program.create")
    assert entry.object_id == str(program.pk)
    assert entry.changes["starts_on"] == "2026-01-01"
    assert create(world).slug == "peer-pairs-2"


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"name": "  "}, {"name": ["This field is required."]}),
        ({"objective": ""}, {"objective": ["This field is required."]}),
        (
            {"mechanisms": ["telepathy"]},
            {
                "mechanisms": [
                    "Unknown mechanism 'telepathy'; "
                    "use matching, feedback_loop, discussions, recognition, cocreation, peer_army."
                ]
            },
        ),
        (
            {"audience_filter": {"teams": [1]}},
            {"audience_filter": ["Unknown key 'teams'; use unit_ids, region_ids, levels, role_families."]},
        ),
        ({"audience_filter": {"unit_ids": [999999]}}, {"audience_filter": ["No unit with id 999999."]}),
        ({"audience_filter": {"levels": [13]}}, {"audience_filter": ["Levels go from 1 to 12, not 13."]}),
        ({"audience_filter": {"levels": ["x"]}}, {"audience_filter": ["levels must hold ids, not 'x'."]}),
        (
            {"audience_filter": {"role_families": "sales"}},
            {"audience_filter": ["role_families must be a list of texts."]},
        ),
        ({"audience_space_id": 999999}, {"audience_space_id": ["There is no space 999999."]}),
        ({"status": "closed"}, {"status": ["A new program is a draft or active."]}),
        (
            {"starts_on": date(2026, 2, 1), "ends_on": date(2026, 1, 1)},
            {"ends_on": ["The program cannot end before it starts."]},
        ),
        ({"owner_id": 999999}, {"owner_id": ["There is no active person 999999."]}),
    ],
)
def test_program_create_refuses_bad_input(world, fields, error):
    with pytest.raises(ValidationError) as exc:
        create(world, **fields)
    assert exc.value.message_dict == error
    assert Program.objects.count() == 1  # the world's program only


def test_audience_is_a_filter_or_a_space_not_both(world):
    with pytest.raises(ValidationError) as exc:
        create(world, audience_filter={"levels": [4]}, audience_space_id=world.guest_space.pk)
    assert exc.value.message_dict == {
        "audience_space_id": ["Choose a directory filter or a space as the audience, not both."]
    }
    program = create(world, audience_space_id=world.guest_space.pk)
    with pytest.raises(ValidationError):
        services.program_update(actor=SYSTEM, program_id=program.pk, audience_filter={"levels": [4]})
    services.program_update(
        actor=SYSTEM, program_id=program.pk, audience_filter={"levels": [4]}, audience_space_id=None
    )
    program.refresh_from_db()
    assert (program.audience_filter, program.audience_space_id) == ({"levels": [4]}, None)


def test_a_guest_cannot_own_or_sponsor(world):
    with pytest.raises(ValidationError) as exc:
        create(world, sponsor_id=world.guest.pk)
    assert exc.value.message_dict == {"sponsor_id": [f"{world.guest.name} is a guest; choose an employee."]}


def test_program_update_changes_only_given_fields_and_audits_the_diff(world):
    program = world.program
    services.program_update(
        actor=SYSTEM, program_id=program.pk, expected_outcomes="More lessons shared", ends_on=date(2026, 12, 31)
    )
    program.refresh_from_db()
    assert program.name == "Regional leaders learn"
    assert program.expected_outcomes == "More lessons shared"
    entry = AuditEntry.objects.get(action="program.update")
    assert entry.changes == {"expected_outcomes": ["", "More lessons shared"], "ends_on": [None, "2026-12-31"]}


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        (["active"], True),
        (["active", "paused", "active", "closed"], True),
        (["active", "closed"], True),
        (["paused"], False),
        (["closed"], False),
        (["active", "draft"], False),
        (["active", "closed", "active"], False),
        (["active", "paused", "draft"], False),
    ],
)
def test_status_transitions(world, path, allowed):
    program = ProgramFactory(owner=world.program_owner)
    if allowed:
        for status in path:
            services.program_set_status(actor=SYSTEM, program_id=program.pk, status=status)
        program.refresh_from_db()
        assert program.status == path[-1]
        assert AuditEntry.objects.filter(action="program.status").count() == len(path)
        return
    *before, last = path
    for status in before:
        services.program_set_status(actor=SYSTEM, program_id=program.pk, status=status)
    with pytest.raises(ValidationError) as exc:
        services.program_set_status(actor=SYSTEM, program_id=program.pk, status=last)
    assert list(exc.value.message_dict) == ["status"]
    program.refresh_from_db()
    assert program.status == (before[-1] if before else "draft")


def test_status_message_says_where_it_can_go(world):
    with pytest.raises(ValidationError) as exc:
        services.program_set_status(actor=SYSTEM, program_id=world.program.pk, status="paused")
    assert exc.value.messages == ["A draft program cannot become paused; from draft it can go to active."]
    services.program_set_status(actor=SYSTEM, program_id=world.program.pk, status="draft")  # same status: no-op
    assert not AuditEntry.objects.filter(action="program.status").exists()


def test_kpi_set_upserts_one_kpi_per_metric(world):
    kpi = services.kpi_set(actor=SYSTEM, program_id=world.program.pk, metric_id=world.metric.pk, target=50, baseline=30)
    again = services.kpi_set(actor=SYSTEM, program_id=world.program.pk, metric_id=world.metric.pk, target=60)
    assert kpi.pk == again.pk
    assert list(Kpi.objects.values_list("target", "baseline")) == [(60.0, None)]
    with pytest.raises(ValidationError) as exc:
        services.kpi_set(actor=SYSTEM, program_id=world.program.pk, metric_id=world.metric.pk, target=float("nan"))
    assert exc.value.message_dict == {"target": ["Give a finite number."]}
    with pytest.raises(ValidationError) as exc:
        services.kpi_set(actor=SYSTEM, program_id=world.program.pk, metric_id=world.metric.pk, target=5, baseline=5)
    assert exc.value.message_dict == {"target": ["The target must differ from the baseline."]}
    assert services.kpi_remove(actor=SYSTEM, program_id=world.program.pk, metric_id=world.metric.pk) is True
    assert services.kpi_remove(actor=SYSTEM, program_id=world.program.pk, metric_id=world.metric.pk) is False
    assert not Kpi.objects.exists()


def test_kpis_replace_is_all_or_nothing(world):
    other = MetricFactory(code="cost", name="Cost")
    services.kpi_set(actor=SYSTEM, program_id=world.program.pk, metric_id=world.metric.pk, target=50)
    with pytest.raises(ValidationError) as exc:
        services.program_kpis_replace(
            actor=SYSTEM,
            program_id=world.program.pk,
            kpis=[
                {"metric_id": other.pk, "target": 3},
                {"metric_id": other.pk, "target": 4},
                {"metric_id": 999999, "target": 1},
            ],
        )
    assert exc.value.message_dict == {
        "kpis[1].metric_id": [f"The metric {other.pk} appears twice."],
        "kpis[2].metric_id": ["There is no metric 999999."],
    }
    assert list(Kpi.objects.values_list("metric_id", flat=True)) == [world.metric.pk]
    services.program_kpis_replace(
        actor=SYSTEM, program_id=world.program.pk, kpis=[{"metric_id": other.pk, "target": 3}]
    )
    assert list(Kpi.objects.values_list("metric_id", "target")) == [(other.pk, 3.0)]


def test_metric_create_and_update(world):
    metric = services.metric_create(
        actor=SYSTEM, code="Cost-Per-Order", name="Cost per order", direction="lower", unit_label="€"
    )
    assert (metric.code, metric.direction) == ("cost-per-order", "lower")
    for code, message in [
        ("nps", "The code 'nps' is already used."),
        ("a b", "Use lower-case letters, digits, - and _ (e.g. cost-per-order)."),
        ("", "A code is required (e.g. nps, cost-per-order)."),
    ]:
        with pytest.raises(ValidationError) as exc:
            services.metric_create(actor=SYSTEM, code=code, name="X")
        assert exc.value.message_dict == {"code": [message]}
    with pytest.raises(ValidationError):
        services.metric_create(actor=SYSTEM, code="x", name="X", direction="sideways")
    services.metric_update(actor=SYSTEM, metric_id=metric.pk, name="Cost of an order")
    metric.refresh_from_db()
    assert (metric.name, metric.code) == ("Cost of an order", "cost-per-order")
    assert list(AuditEntry.objects.order_by("id").values_list("action", flat=True)) == [
        "metric.create",
        "metric.update",
    ]
    assert Metric.objects.count() == 2


def test_inactive_owner_is_refused(world):
    gone = PersonFactory(active=False)
    with pytest.raises(ValidationError):
        create(world, owner_id=gone.pk)
