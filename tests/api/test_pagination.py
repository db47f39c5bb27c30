"""List operations: limit and offset, page size capped at 100, out-of-range numbers refused."""

import pytest

from peerloop.core.models import AuditEntry
from peerloop.core.pagination import MAX_OFFSET
from peerloop.core.services import audit_record


@pytest.fixture
def audit_rows(world):
    for number in range(130):
        audit_record(actor=None, action="test.row", object_id=number)
    return AuditEntry.objects.filter(action="test.row").count()


def test_default_page_is_50_with_the_total_count(client_as, audit_rows):
    body = client_as("admin").get("/api/v1/audit", {"action": "test.row"}).json()
    assert body["count"] == audit_rows == 130
    assert len(body["items"]) == 50
    # newest first
    assert [item["object_id"] for item in body["items"][:3]] == ["129", "128", "127"]


def test_limit_100_is_the_largest_page(client_as, audit_rows, django_assert_max_num_queries):
    client = client_as("admin")
    with django_assert_max_num_queries(6):
        body = client.get("/api/v1/audit", {"action": "test.row", "limit": 100}).json()
    assert len(body["items"]) == 100


@pytest.mark.parametrize("limit", [101, 1000, 10**12])
def test_limit_over_100_is_refused(client_as, audit_rows, limit):
    response = client_as("admin").get("/api/v1/audit", {"limit": limit})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["query", "limit"]


@pytest.mark.parametrize("limit", [0, -1, "ten"])
def test_nonsense_limit_is_refused(client_as, audit_rows, limit):
    assert client_as("admin").get("/api/v1/audit", {"limit": limit}).status_code == 422


def test_offset_pages_through(client_as, audit_rows):
    client = client_as("admin")
    body = client.get("/api/v1/audit", {"action": "test.row", "limit": 100, "offset": 100}).json()
    assert [item["object_id"] for item in body["items"]] == [str(n) for n in range(29, -1, -1)]


def test_offset_past_the_end_is_an_empty_page(client_as, audit_rows):
    body = client_as("admin").get("/api/v1/audit", {"offset": 10**6}).json()
    assert body["items"] == []


def test_offset_up_to_a_billion_is_read(client_as, audit_rows):
    body = client_as("admin").get("/api/v1/audit", {"offset": MAX_OFFSET}).json()
    assert body["items"] == []


@pytest.mark.parametrize("offset", [MAX_OFFSET + 1, 2**63, 10**30])
def test_offset_out_of_range_is_a_422_naming_it(client_as, audit_rows, offset):
    response = client_as("admin").get("/api/v1/audit", {"offset": offset})
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"][0]["loc"] == ["query", "offset"]
