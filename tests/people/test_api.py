"""The directory's REST API: filters, pagination, details, units, regions, the import."""

import pytest

from peerloop.accounts.services import api_token_create
from peerloop.core.models import AuditEntry
from peerloop.core.roles import SYSTEM
from peerloop.people.models import Person
from tests.factories import PersonFactory, RegionFactory, TopicFactory, UnitFactory


@pytest.fixture
def org(world):
    root = UnitFactory(name="Operations", code="operations")
    stores = UnitFactory(name="Stores", code="stores", parent=root)
    north = RegionFactory(name="North", code="north")
    topic = TopicFactory(name="Inventory", slug="inventory")
    boss = PersonFactory(name="Olu Boss", email="olu@example.org", unit=root, region=north, level=10, role_family="ops")
    staff = [
        PersonFactory(
            name=f"Store Manager {n:02d}",
            email=f"store{n}@example.org",
            title="Store manager",
            unit=stores,
            region=north,
            level=4 + n % 2,
            role_family="ops",
            manager=boss,
        )
        for n in range(12)
    ]
    for person in staff[:3]:
        person.topics.add(topic)
    return {"root": root, "stores": stores, "north": north, "topic": topic, "boss": boss, "staff": staff}


def test_people_filters_and_pagination(client_as, org, django_assert_max_num_queries):
    client = client_as("member")
    client.get("/api/v1/people")
    with django_assert_max_num_queries(7):
        response = client.get("/api/v1/people", {"unit": org["root"].pk, "limit": 5, "offset": 5})
    data = response.json()
    assert response.status_code == 200
    assert data["count"] == 13  # the boss and the stores below Operations
    assert [p["name"] for p in data["items"]] == [f"Store Manager {n:02d}" for n in range(4, 9)]
    first = data["items"][0]
    assert first["unit"] == {"id": org["stores"].pk, "name": "Stores", "code": "stores"}
    assert first["region"] == {"id": org["north"].pk, "name": "North", "code": "north"}
    assert first["manager_id"] == org["boss"].pk and first["topics"] == []

    def count(**params) -> int:
        return client.get("/api/v1/people", params).json()["count"]

    assert count(level=5, role_family="ops") == 6
    assert count(level=[4, 10], unit=org["root"].pk) == 7
    assert count(topic=org["topic"].pk) == 3
    assert count(q="store manager 1") == 3  # 01, 10, 11
    assert count(region=org["north"].pk, q="OLU") == 1
    topics = client.get("/api/v1/people", {"topic": org["topic"].pk}).json()["items"][0]["topics"]
    assert topics == [{"id": org["topic"].pk, "name": "Inventory", "slug": "inventory"}]


def test_people_filters_refuse_bad_values_with_4xx(client_as, org):
    client = client_as("member")
    for params in ({"level": 13}, {"unit": "x"}, {"unit": 2**70}, {"limit": 1000}, {"q": "x" * 101}):
        response = client.get("/api/v1/people", params)
        assert 400 <= response.status_code < 500, params
    assert client.get("/api/v1/people/99999999999999999999999").status_code in (404, 422)


def test_person_detail(client_as, org):
    manager = org["staff"][0]
    response = client_as("member").get(f"/api/v1/people/{manager.pk}")
    data = response.json()
    assert response.status_code == 200
    assert (data["name"], data["email"], data["level"]) == ("Store Manager 00", "store0@example.org", 4)
    assert data["managers"] == [{"id": org["boss"].pk, "name": "Olu Boss", "title": "Regional sales lead"}]
    assert data["reports"] == []
    assert data["topics"] == [{"id": org["topic"].pk, "name": "Inventory", "slug": "inventory"}]
    boss = client_as("member").get(f"/api/v1/people/{org['boss'].pk}").json()
    assert [r["name"] for r in boss["reports"]] == [f"Store Manager {n:02d}" for n in range(12)]
    assert boss["managers"] == []


def test_inactive_people_are_hidden_from_all_but_admins(client_as, org):
    gone = PersonFactory(name="Gone", email="gone@example.org", active=False)
    assert client_as("member").get(f"/api/v1/people/{gone.pk}").status_code == 404
    assert client_as("admin").get(f"/api/v1/people/{gone.pk}").status_code == 200
    names = [p["name"] for p in client_as("admin").get("/api/v1/people", {"limit": 100}).json()["items"]]
    assert "Gone" not in names


def test_units_and_regions(client_as, org):
    client = client_as("member")
    units = {u["code"]: u for u in client.get("/api/v1/units", {"limit": 100}).json()["items"]}
    assert units["operations"]["people_count"] == 1 and units["stores"]["people_count"] == 12
    assert units["stores"]["parent_id"] == org["root"].pk
    detail = client.get(f"/api/v1/units/{org['root'].pk}").json()
    assert detail["children"] == [{"id": org["stores"].pk, "name": "Stores", "code": "stores"}]
    assert detail["parent"] is None
    assert client.get("/api/v1/units/999999").status_code == 404
    region = client.get(f"/api/v1/regions/{org['north'].pk}").json()
    assert region == {"id": org["north"].pk, "name": "North", "code": "north", "people_count": 13}
    assert "north" in [r["code"] for r in client.get("/api/v1/regions").json()["items"]]


def test_guests_get_404(client_as, org):
    client = client_as("guest")
    for url in ("/api/v1/people", f"/api/v1/people/{org['boss'].pk}", "/api/v1/units", "/api/v1/regions"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response["Content-Type"].startswith("application/problem+json")


def test_import_preview_apply_and_errors(client_as, world):
    client = client_as("admin")
    rows = [
        {"email": "api1@example.org", "name": "Api One", "level": 3, "unit": "Api Unit"},
        {"email": "api2@example.org", "name": "Api Two", "manager_email": "api1@example.org"},
    ]
    preview = client.post("/api/v1/people/import", {"rows": rows}, content_type="application/json")
    assert preview.status_code == 200
    assert preview.json() == {
        "dry_run": True,
        "rows": 2,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "deactivated": 0,
        "units_created": ["Api Unit"],
        "regions_created": [],
        "errors": [],
    }
    assert not Person.objects.filter(email__startswith="api").exists()

    applied = client.post("/api/v1/people/import", {"rows": rows, "dry_run": False}, content_type="application/json")
    assert applied.status_code == 200 and applied.json()["created"] == 2
    assert Person.objects.get(email="api2@example.org").manager.email == "api1@example.org"

    bad = client.post(
        "/api/v1/people/import",
        {
            "rows": [{"email": "nope", "name": "X"}, {"email": "ok@example.org", "name": "Ok", "colour": "red"}],
            "dry_run": False,
        },
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert bad["Content-Type"] == "application/problem+json"
    body = bad.json()
    assert body["errors"] == [
        {"line": 1, "column": "email", "message": "not an email address: 'nope'"},
        {
            "line": 2,
            "column": "colour",
            "message": "unknown field (expected: email, external_id, name, title, role_family, level, unit, "
            "unit_parent, region, location, timezone, manager_email, skills, topics, kind, active)",
        },
    ]
    assert not Person.objects.filter(email="ok@example.org").exists()
    assert AuditEntry.objects.filter(action="people.import").count() == 1


def test_import_needs_a_write_token(client, world):
    _, read = api_token_create(actor=SYSTEM, user=world.admin.user, name="read", scope="read")
    response = client.post(
        "/api/v1/people/import",
        {"rows": [{"email": "x@example.org", "name": "X"}]},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {read}",
    )
    assert response.status_code == 403
    assert client_malformed(client, world) == 422


def client_malformed(client, world) -> int:
    client.force_login(world.admin.user)
    return client.post("/api/v1/people/import", {"rows": "nope"}, content_type="application/json").status_code
