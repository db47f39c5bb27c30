from datetime import date
import json

from peerloop.core.roles import SYSTEM
from peerloop.programs import services
from peerloop.programs.models import Kpi, Metric, MetricValue, Program
from tests.factories import MetricFactory, PersonFactory, ProgramFactory


def send(client, method, url, body):
    return client.generic(method, url, json.dumps(body), content_type="application/json")


def test_list_and_get_programs(world, client_as, django_assert_max_num_queries):
    for n in range(10):
        ProgramFactory(owner=world.program_owner, name=f"Program {n:02}", status="active" if n % 2 else "draft")
    client = client_as("member")
    with django_assert_max_num_queries(8):
        body = client.get("/api/v1/programs?status=active&limit=3").json()
    assert body["count"] == 5
    assert [p["name"] for p in body["items"]] == ["Program 01", "Program 03", "Program 05"]
    detail = client.get(f"/api/v1/programs/{world.program.pk}").json()
    assert detail["owner"] == {"id": world.program_owner.pk, "name": world.program_owner.name}
    assert detail["sponsor"] == {"id": world.leader.pk, "name": world.leader.name}
    assert (detail["status"], detail["kpi_count"], detail["audience_filter"]) == ("draft", 0, {})
    assert client.get("/api/v1/programs/999999").status_code == 404


def test_create_defaults_the_owner_to_me_and_ignores_extra_fields(world, client_as):
    response = send(
        client_as("program_owner"),
        "POST",
        "/api/v1/programs",
        {"name": "Pairs", "objective": "Learn", "mechanisms": ["matching"], "slug": "x", "id": 1, "status": "active"},
    )
    assert response.status_code == 201
    program = Program.objects.get(name="Pairs")
    assert (program.owner_id, program.slug, program.status) == (world.program_owner.pk, "pairs", "active")
    assert response.json()["id"] == program.pk


def test_create_errors_are_problem_details(world, client_as):
    client = client_as("admin")
    response = send(
        client, "POST", "/api/v1/programs", {"name": "Pairs", "objective": "Learn", "audience_filter": {"levels": [0]}}
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"loc": ["body", "audience_filter"], "msg": "Levels go from 1 to 12, not 0.", "type": "invalid"}
    ]
    response = send(client, "POST", "/api/v1/programs", {"name": "Pairs"})
    assert response.status_code == 422
    assert Program.objects.count() == 1


def test_patch_changes_fields_and_status_atomically(world, client_as):
    client = client_as("program_owner")
    url = f"/api/v1/programs/{world.program.pk}"
    response = send(client, "PATCH", url, {"expected_outcomes": "More lessons", "status": "paused"})
    assert response.status_code == 422
    world.program.refresh_from_db()
    assert (world.program.expected_outcomes, world.program.status) == ("", "draft")
    response = send(client, "PATCH", url, {"expected_outcomes": "More lessons", "status": "active", "sponsor_id": None})
    assert response.status_code == 200
    world.program.refresh_from_db()
    assert (world.program.expected_outcomes, world.program.status, world.program.sponsor_id) == (
        "More lessons",
        "active",
        None,
    )
    assert send(client, "PATCH", url, {"name": None}).status_code == 422


def test_patch_by_another_program_owner_is_forbidden(world, client_as):
    world.program.owner = PersonFactory()
    world.program.save()
    response = send(client_as("program_owner"), "PATCH", f"/api/v1/programs/{world.program.pk}", {"name": "Mine"})
    assert response.status_code == 403
    world.program.refresh_from_db()
    assert world.program.name == "Regional leaders learn"


def test_kpis_get_and_put(world, client_as):
    other = MetricFactory(code="cost", name="Cost", direction="lower")
    client = client_as("program_owner")
    url = f"/api/v1/programs/{world.program.pk}/kpis"
    response = send(
        client,
        "PUT",
        url,
        {"kpis": [{"metric_id": world.metric.pk, "target": 50, "baseline": 30}, {"metric_id": other.pk, "target": 5}]},
    )
    assert response.status_code == 200
    MetricValue.objects.create(
        metric=world.metric, unit=world.unit, period_start=date(2026, 1, 1), period_end=date(2026, 1, 31), value=35
    )
    body = client_as("member").get(url).json()
    assert body == [
        {
            "metric_id": other.pk,
            "metric_code": "cost",
            "metric_name": "Cost",
            "direction": "lower",
            "baseline": None,
            "target": 5.0,
            "target_date": None,
            "latest": None,
            "period_start": None,
            "percent": None,
        },
        {
            "metric_id": world.metric.pk,
            "metric_code": "nps",
            "metric_name": "Net promoter score",
            "direction": "higher",
            "baseline": 30.0,
            "target": 50.0,
            "target_date": None,
            "latest": 35.0,
            "period_start": "2026-01-01",
            "percent": 25.0,
        },
    ]
    response = send(client, "PUT", url, {"kpis": [{"metric_id": 999999, "target": 1}]})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "kpis[0].metric_id"]
    assert Kpi.objects.count() == 2


def test_metrics_create_and_list(world, client_as):
    response = send(
        client_as("program_owner"), "POST", "/api/v1/metrics", {"code": "cost", "name": "Cost", "direction": "lower"}
    )
    assert response.status_code == 201
    assert Metric.objects.get(code="cost").direction == "lower"
    assert (
        send(client_as("program_owner"), "POST", "/api/v1/metrics", {"code": "cost", "name": "Again"}).status_code
        == 422
    )
    assert send(client_as("member"), "POST", "/api/v1/metrics", {"code": "x", "name": "X"}).status_code == 403
    names = [m["name"] for m in client_as("member").get("/api/v1/metrics").json()["items"]]
    assert names == ["Cost", "Net promoter score"]


def test_metric_values_filters_and_person_privacy(world, client_as):
    nps = world.metric
    MetricValue.objects.create(
        metric=nps, unit=world.unit, period_start=date(2026, 1, 1), period_end=date(2026, 1, 31), value=1
    )
    MetricValue.objects.create(
        metric=nps, unit=world.unit, period_start=date(2026, 2, 1), period_end=date(2026, 2, 28), value=2
    )
    MetricValue.objects.create(
        metric=nps, person=world.member, period_start=date(2026, 2, 1), period_end=date(2026, 2, 28), value=3
    )
    MetricValue.objects.create(
        metric=nps, person=world.leader, period_start=date(2026, 2, 1), period_end=date(2026, 2, 28), value=4
    )
    url = f"/api/v1/metrics/{nps.pk}/values"
    values = lambda client, query="": [v["value"] for v in client.get(url + query).json()["items"]]  # noqa: E731
    assert values(client_as("admin")) == [1, 2, 4, 3]  # by period, then unit, then person (the leader's id is lower)
    assert values(client_as("admin"), f"?unit={world.unit.pk}") == [1, 2]
    assert values(client_as("admin"), f"?person={world.leader.pk}") == [4]
    assert values(client_as("admin"), "?since=2026-02-01") == [2, 4, 3]
    # A member sees unit values and their own, not a colleague's.
    assert values(client_as("member")) == [1, 2, 3]
    assert values(client_as("member"), f"?person={world.leader.pk}") == []
    assert client_as("member").get(url + "?since=yesterday").status_code == 422
    assert client_as("member").get("/api/v1/metrics/999999/values").status_code == 404


def test_metric_values_import_dry_run_apply_and_row_errors(world, client_as):
    client = client_as("program_owner")
    row = {
        "metric": "nps",
        "unit": world.unit.code,
        "period_start": "2026-01-01",
        "period_end": "2026-01-31",
        "value": 42,
    }
    response = send(client, "POST", "/api/v1/metric-values/import", {"rows": [row], "dry_run": True})
    assert response.json() == {"dry_run": True, "rows": 1, "created": 1, "updated": 0, "unchanged": 0}
    assert not MetricValue.objects.exists()
    assert send(client, "POST", "/api/v1/metric-values/import", {"rows": [row]}).json()["created"] == 1
    assert send(client, "POST", "/api/v1/metric-values/import", {"rows": [row]}).json()["unchanged"] == 1
    feb = {"period_start": "2026-02-01", "period_end": "2026-02-28"}
    bad = [
        row,
        {**row, **feb, "value": "NaN"},
        {**row, "unit": "", "period_start": "2026-03-01", "period_end": "2026-03-31"},
    ]
    response = send(client, "POST", "/api/v1/metric-values/import", {"rows": bad})
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/problem+json")
    assert [(e["row"], e["column"], e["msg"], e["loc"]) for e in response.json()["errors"]] == [
        (2, "value", "'NaN' is not a finite number.", ["body", "rows", 1, "value"]),
        (3, "unit", "Give a unit code or a person's email.", ["body", "rows", 2, "unit"]),
    ]
    assert MetricValue.objects.count() == 1


def test_kpi_progress_is_served_for_a_program_with_a_space_audience(world, client_as):
    program = services.program_create(
        actor=SYSTEM,
        name="Council",
        objective="Co-create",
        owner_id=world.program_owner.pk,
        audience_space_id=world.guest_space.pk,
    )
    services.kpi_set(actor=SYSTEM, program_id=program.pk, metric_id=world.metric.pk, target=10, baseline=0)
    MetricValue.objects.create(
        metric=world.metric, unit=world.unit, period_start=date(2026, 1, 1), period_end=date(2026, 1, 31), value=5
    )
    [kpi] = client_as("leader").get(f"/api/v1/programs/{program.pk}/kpis").json()
    assert kpi["percent"] == 50.0  # the member (a host of the space) is in world.unit
