"""The kernel's API: the interaction stream, job status, the audit log."""

from datetime import UTC, datetime, timedelta
import uuid

import pytest

from peerloop.core.services import audit_record, interaction_record, job_create, job_finish, job_progress, job_start
from tests.factories import UserFactory

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def stream(world):
    """Four events: a post with two targets (two rows), a reply, a kudos a day later."""
    post = interaction_record(
        kind="space.post",
        actor_id=world.member.pk,
        target_ids=[world.leader.pk, world.admin.pk],
        space_id=world.private_space.pk,
        object_type="post",
        object_id=7,
        occurred_at=T0,
    )
    reply = interaction_record(
        kind="space.reply", actor_id=world.leader.pk, target_ids=[world.member.pk], occurred_at=T0 + timedelta(hours=1)
    )
    kudos = interaction_record(
        kind="kudos.give",
        actor_id=world.member.pk,
        target_ids=[world.program_owner.pk],
        weight=2.5,
        occurred_at=T0 + timedelta(days=1),
    )
    return post + reply + kudos


def ids(response) -> list[int]:
    return [item["id"] for item in response.json()["items"]]


def test_leader_reads_the_whole_stream_oldest_first(client_as, stream):
    response = client_as("leader").get("/api/v1/interactions")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 4
    first = body["items"][0]
    assert first == {
        "id": stream[0].pk,
        "occurred_at": "2025-03-01T09:00:00Z",
        "kind": "space.post",
        "actor_id": stream[0].actor_id,
        "target_id": stream[0].target_id,
        "space_id": stream[0].space_id,
        "object_type": "post",
        "object_id": "7",
        "weight": 1.0,
        "event_id": str(stream[0].event_id),
    }
    assert body["items"][1]["event_id"] == first["event_id"]
    assert ids(response) == [row.pk for row in stream]


def test_filters_combine(client_as, world, stream):
    client = client_as("admin")
    assert ids(client.get("/api/v1/interactions", {"kind": "space.reply"})) == [stream[2].pk]
    assert ids(client.get("/api/v1/interactions", {"actor": world.member.pk})) == [
        stream[0].pk,
        stream[1].pk,
        stream[3].pk,
    ]
    since = (T0 + timedelta(minutes=30)).isoformat()
    until = (T0 + timedelta(hours=2)).isoformat()
    assert ids(client.get("/api/v1/interactions", {"since": since, "until": until})) == [stream[2].pk]
    # a time without a zone is UTC; until is exclusive
    assert ids(client.get("/api/v1/interactions", {"until": "2025-03-01T10:00:00"})) == [stream[0].pk, stream[1].pk]
    assert ids(client.get("/api/v1/interactions", {"kind": "kudos.give", "actor": world.leader.pk})) == []


@pytest.mark.parametrize(("role", "status"), [("member", 403), ("program_owner", 403), ("guest", 404)])
def test_others_may_not_read_the_stream(client_as, stream, role, status):
    response = client_as(role).get("/api/v1/interactions")
    assert response.status_code == status
    assert "space.post" not in response.content.decode()


def test_interaction_list_query_count_is_pinned(client_as, world, stream, django_assert_max_num_queries):
    for _ in range(60):
        interaction_record(kind="space.view", actor_id=world.member.pk, target_ids=[world.leader.pk])
    client = client_as("leader")
    with django_assert_max_num_queries(5):
        body = client.get("/api/v1/interactions", {"limit": 100}).json()
    assert len(body["items"]) == 64


@pytest.fixture
def member_job(world):
    job = job_create(kind="people.import", label="Import of 3 people", started_by_id=world.member.user_id)
    job_start(job_id=job.pk, total=3)
    job_progress(job_id=job.pk, done=2, message="row 2")
    return job


def test_the_starter_sees_the_job_progress(client_as, member_job):
    body = client_as("member").get(f"/api/v1/jobs/{member_job.pk}").json()
    assert {key: body[key] for key in ("id", "kind", "label", "status", "done", "total", "percent", "message")} == {
        "id": str(member_job.pk),
        "kind": "people.import",
        "label": "Import of 3 people",
        "status": "running",
        "done": 2,
        "total": 3,
        "percent": 66,
        "message": "row 2",
    }
    assert body["started_at"] is not None
    assert body["finished_at"] is None


def test_a_finished_job_shows_its_result(client_as, member_job):
    job_finish(job_id=member_job.pk, result={"created": 3})
    body = client_as("admin").get(f"/api/v1/jobs/{member_job.pk}").json()
    assert (body["status"], body["done"], body["percent"], body["result"]) == ("succeeded", 3, 100, {"created": 3})


@pytest.mark.parametrize("role", ["leader", "program_owner", "guest"])
def test_another_persons_job_is_a_404(client_as, member_job, role):
    response = client_as(role).get(f"/api/v1/jobs/{member_job.pk}")
    assert response.status_code == 404
    assert "Import of 3 people" not in response.content.decode()


def test_an_unknown_job_is_a_404(client_as, world):
    assert client_as("admin").get(f"/api/v1/jobs/{uuid.uuid4()}").status_code == 404


def test_audit_log_newest_first_with_filters(client_as, world):
    other = UserFactory(email="someone@example.org")
    audit_record(actor=None, action="user.deactivate", object_type="user", object_id=other.pk, object_repr=other.email)
    audit_record(actor=None, action="user.role", object_type="user", object_id=other.pk, changes={"role": "leader"})
    body = client_as("admin").get("/api/v1/audit").json()
    assert [item["action"] for item in body["items"]] == ["user.role", "user.deactivate"]
    assert body["items"][0]["changes"] == {"role": "leader"}
    assert body["items"][0]["actor_label"] == "system"
    filtered = client_as("admin").get("/api/v1/audit", {"action": "user.deactivate"}).json()
    assert [item["object_repr"] for item in filtered["items"]] == ["someone@example.org"]
    future = client_as("admin").get("/api/v1/audit", {"since": "2999-01-01T00:00:00Z"}).json()
    assert future == {"items": [], "count": 0}


@pytest.mark.parametrize(("role", "status"), [("leader", 403), ("member", 403), ("guest", 404)])
def test_only_admins_read_the_audit_log(client_as, world, role, status):
    audit_record(actor=None, action="user.deactivate", object_repr="someone@example.org")
    response = client_as(role).get("/api/v1/audit")
    assert response.status_code == status
    assert "someone@example.org" not in response.content.decode()


@pytest.mark.django_db
def test_interaction_filters_with_far_offsets_are_moved_to_utc(client_as):
    client = client_as("admin")
    response = client.get("/api/v1/interactions", {"since": "2249-03-25T01:50:00+19:11"})
    assert response.status_code == 200
    assert response.json()["items"] == []
    # A time at the calendar's edge that UTC would push out of range is a clear 422.
    response = client.get("/api/v1/interactions", {"since": "0001-01-01T00:00:00+05:00"})
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
