"""Programs started from the built-in templates: pre-filled outline, KPIs with targets on the
organization's metrics (reused or created), all or nothing."""

from django.core.exceptions import ValidationError
import pytest

from peerloop.programs import catalog, services
from peerloop.programs.models import Kpi, Metric, Program
from tests.matching.helpers import owner_actor


def test_every_template_is_complete():
    keys = [t.key for t in catalog.TEMPLATES]
    assert keys == [
        "regional-leaders",
        "customer-feedback-loop",
        "communities-of-practice",
        "co-creation-campaign",
        "peer-army",
    ]
    for t in catalog.TEMPLATES:
        assert t.objective and t.expected_outcomes and t.mechanisms and len(t.kpis) == 2
        assert all(k.direction in ("higher", "lower") for k in t.kpis)


def test_a_program_from_a_template_gets_its_outline_and_kpis(world):
    program = services.program_create_from_template(
        actor=owner_actor(world),
        template_key="customer-feedback-loop",
        name="Voice of the customer",
        owner_id=world.program_owner.pk,
    )
    template = catalog.template_get("customer-feedback-loop")
    assert (program.template, program.objective, tuple(program.mechanisms)) == (
        "customer-feedback-loop",
        template.objective,
        ("feedback_loop", "discussions"),
    )
    kpis = {k.metric.code: k.target for k in Kpi.objects.filter(program=program).select_related("metric")}
    assert kpis == {"nps": 40.0, "feedback-in-sla": 90.0}
    # The world's NPS metric is reused, not duplicated; the other one is created.
    assert Metric.objects.filter(code="nps").count() == 1 and Metric.objects.get(code="nps") == world.metric
    assert Metric.objects.get(code="feedback-in-sla").unit_label == "%"


def test_a_bad_template_or_bad_fields_write_nothing(world):
    with pytest.raises(ValidationError, match="No template"):
        services.program_create_from_template(
            actor=owner_actor(world), template_key="nope", name="X", owner_id=world.program_owner.pk
        )
    before = (Program.objects.count(), Metric.objects.count(), Kpi.objects.count())
    with pytest.raises(ValidationError):
        services.program_create_from_template(
            actor=owner_actor(world), template_key="peer-army", name="", owner_id=world.program_owner.pk
        )
    assert (Program.objects.count(), Metric.objects.count(), Kpi.objects.count()) == before


def test_the_templates_page_and_the_prefilled_form(world, client_as):
    owner = client_as("program_owner")
    page = owner.get("/programs/templates/").content.decode()
    for t in catalog.TEMPLATES:
        assert t.name in page and f"?template={t.key}" in page
    form = owner.get("/programs/new/?template=regional-leaders").content.decode()
    assert 'name="template" value="regional-leaders"' in form
    assert "Let leaders in the same role across regions" in form
    response = owner.post(
        "/programs/new/",
        {
            "template": "regional-leaders",
            "name": "Heads of sales learn across regions",
            "objective": "Heads of sales compare and copy what works.",
            "mechanisms": ["matching", "discussions", "recognition"],
            "owner": world.program_owner.email,
            "audience_kind": "everyone",
            "status": "draft",
        },
    )
    program = Program.objects.get(name="Heads of sales learn across regions")
    assert response.status_code == 302 and program.template == "regional-leaders"
    assert program.objective == "Heads of sales compare and copy what works."
    assert sorted(Kpi.objects.filter(program=program).values_list("metric__code", flat=True)) == [
        "peer-meetings",
        "win-rate",
    ]


def test_the_api_lists_templates_and_creates_from_one(world, client_as):
    owner = client_as("program_owner")
    listed = owner.get("/api/v1/programs/templates").json()
    assert [t["key"] for t in listed] == [t.key for t in catalog.TEMPLATES]
    assert listed[0]["kpis"][0] == {
        "code": "win-rate",
        "name": "Win rate",
        "direction": "higher",
        "unit_label": "%",
        "target": 30.0,
    }
    response = owner.post(
        "/api/v1/programs",
        {"name": "Fans serve fans", "objective": "Fans help other customers.", "template": "peer-army"},
        content_type="application/json",
    )
    assert response.status_code == 201
    program = Program.objects.get(pk=response.json()["id"])
    assert program.template == "peer-army" and tuple(program.mechanisms) == ("peer_army", "recognition")
    bad = owner.post(
        "/api/v1/programs", {"name": "X", "objective": "Y", "template": "nope"}, content_type="application/json"
    )
    assert bad.status_code == 422 and "No template" in bad.content.decode()
