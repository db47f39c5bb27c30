import json

import pytest

from peerloop.core.roles import SYSTEM
from peerloop.vocabulary import services
from peerloop.vocabulary.models import Topic


def post(client, url, body, method="POST"):
    return client.generic(method, url, json.dumps(body), content_type="application/json")


def test_list_topics_paginated_and_filtered(world, client_as, django_assert_max_num_queries):
    for n in range(12):
        services.topic_create(actor=SYSTEM, name=f"Topic {n:02}", synonyms=[f"alias {n:02}"])
    client = client_as("member")
    with django_assert_max_num_queries(8):
        body = client.get("/api/v1/topics?limit=5&offset=5").json()
    assert body["count"] == 13
    assert [t["name"] for t in body["items"]] == ["Topic 04", "Topic 05", "Topic 06", "Topic 07", "Topic 08"]
    body = client.get("/api/v1/topics?q=alias 11").json()
    assert [t["name"] for t in body["items"]] == ["Topic 11"]
    assert body["items"][0]["synonyms"] == ["alias 11"]
    assert client.get("/api/v1/topics?limit=1000").status_code == 422


def test_get_topic(world, client_as):
    body = client_as("member").get(f"/api/v1/topics/{world.topic.pk}").json()
    assert body == {
        "id": world.topic.pk,
        "name": "Pricing",
        "slug": "pricing",
        "parent_id": None,
        "synonyms": [],
        "description": "",
    }
    assert client_as("member").get("/api/v1/topics/999999").status_code == 404


def test_admin_creates_and_patches_topics(world, client_as):
    client = client_as("admin")
    response = post(client, "/api/v1/topics", {"name": "Discounts", "parent_id": world.topic.pk, "role": "admin"})
    assert response.status_code == 201
    created = Topic.objects.get(name="Discounts")
    assert response.json()["id"] == created.pk and created.parent == world.topic
    response = post(client, f"/api/v1/topics/{created.pk}", {"synonyms": ["rebates"]}, method="PATCH")
    assert response.status_code == 200
    created.refresh_from_db()
    assert (created.synonyms, created.parent_id, created.name) == (["rebates"], world.topic.pk, "Discounts")
    response = post(client, f"/api/v1/topics/{created.pk}", {"parent_id": None}, method="PATCH")
    created.refresh_from_db()
    assert created.parent_id is None


def test_api_errors_are_problem_details_naming_the_field(world, client_as):
    client = client_as("admin")
    child = services.topic_create(actor=SYSTEM, name="Discounts", parent_id=world.topic.pk)
    response = post(client, f"/api/v1/topics/{world.topic.pk}", {"parent_id": child.pk}, method="PATCH")
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["errors"] == [
        {
            "loc": ["body", "parent_id"],
            "msg": "That parent would make a cycle: Pricing → Discounts → Pricing.",
            "type": "invalid",
        }
    ]
    response = post(client, "/api/v1/topics", {"name": "Rebates", "synonyms": ["pricing"]})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "synonyms"]
    response = post(client, f"/api/v1/topics/{world.topic.pk}", {"name": None}, method="PATCH")
    assert response.status_code == 422
    assert client.post("/api/v1/topics", "not json", content_type="application/json").status_code in (400, 422)


@pytest.mark.parametrize("role", ["member", "leader", "program_owner"])
def test_only_admins_write(world, client_as, role):
    response = post(client_as(role), "/api/v1/topics", {"name": "Discounts"})
    assert response.status_code == 403
    assert not Topic.objects.filter(name="Discounts").exists()


def test_guests_get_404(world, client_as):
    assert client_as("guest").get("/api/v1/topics").status_code == 404
    assert client_as("guest").get(f"/api/v1/topics/{world.topic.pk}").status_code == 404


def test_segments_and_values(world, client_as):
    services.segment_create(actor=SYSTEM, name="SMB", description="Small")
    services.company_value_create(actor=SYSTEM, name="Customer first")
    client = client_as("member")
    segments = client.get("/api/v1/segments").json()["items"]
    assert [(s["name"], s["slug"], s["description"]) for s in segments] == [("SMB", "smb", "Small")]
    assert [v["name"] for v in client.get("/api/v1/values").json()["items"]] == ["Customer first"]
