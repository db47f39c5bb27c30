"""API flows and background tasks of recognition."""

import pytest

from peerloop.core.roles import SYSTEM
from peerloop.core.services import interaction_record
from peerloop.recognition import queries, services, tasks
from peerloop.recognition.models import Redemption
from tests.factories import MembershipFactory
from tests.recognition.helpers import actor_of, value

pytestmark = pytest.mark.django_db


def test_redeem_and_approve_through_the_api(world, client_as):
    services.correction_post(actor=SYSTEM, person_id=world.member.pk, account_kind="points", amount=900, reason="s")
    services.budget_fund(actor=SYSTEM, unit_id=world.member.unit_id, amount=1000)
    reward = services.reward_save(actor=SYSTEM, name="Conference", cost=800)
    member = client_as("member")
    made = member.post("/api/v1/recognition/redemptions", {"reward_id": reward.pk}, content_type="application/json")
    assert made.status_code == 201
    body = made.json()
    assert (body["status"], body["approval"], body["cost"]) == ("pending", "admin", 800)
    assert member.get("/api/v1/recognition/balances").json() == {
        "allowance": 0,
        "points": 100,
        "held": 800,
        "period": services.period_of(),
    }
    own = member.post(
        f"/api/v1/recognition/redemptions/{body['id']}/decision", {"approve": True}, content_type="application/json"
    )
    assert own.status_code == 403
    admin = client_as("admin")
    assert [r["id"] for r in admin.get("/api/v1/recognition/approvals").json()["items"]] == [body["id"]]
    decided = admin.post(
        f"/api/v1/recognition/redemptions/{body['id']}/decision",
        {"approve": True, "note": "Have fun"},
        content_type="application/json",
    )
    assert decided.json()["status"] == "approved"
    assert Redemption.objects.get().decided_by_id == world.admin.pk
    again = admin.post(
        f"/api/v1/recognition/redemptions/{body['id']}/decision", {"approve": False}, content_type="application/json"
    )
    assert again.status_code == 422 and "already approved" in again.content.decode()


def test_extra_fields_change_nothing(world, client_as):
    response = client_as("member").post(
        "/api/v1/recognition/kudos",
        {"recipient_id": world.leader.pk, "amount": 5, "message": "Thanks", "giver_id": world.admin.pk, "balance": 1e6},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["giver_id"] == world.member.pk
    assert queries.balances_for(person_id=world.member.pk).allowance == 95


def test_leaderboards_per_space_and_program(world, client_as):
    services.kudos_give(actor=actor_of(world.admin), recipient_id=world.member.pk, amount=7, message="x")
    services.kudos_give(actor=actor_of(world.admin), recipient_id=world.leader.pk, amount=9, message="y")
    MembershipFactory(space=world.private_space, person=world.leader)
    period = services.period_of()
    everyone = [(r.person_id, r.points) for r in queries.leaderboard(period=period)]
    assert everyone == [(world.leader.pk, 9), (world.member.pk, 7)]
    space = queries.leaderboard(period=period, space_id=world.guest_space.pk)
    assert [r.person_id for r in space] == [world.member.pk]  # the leader is not in the customer council
    program = world.program
    program.audience_filter = {"levels": [4]}
    program.save()
    assert [r.person_id for r in queries.leaderboard(period=period, program_id=program.pk)] == [world.member.pk]
    assert queries.leaderboard(period="2001-01") == []
    api = client_as("member").get(f"/api/v1/recognition/leaderboard?space_id={world.private_space.pk}")
    assert [r["person_id"] for r in api.json()] == [world.leader.pk, world.member.pk]
    assert (
        client_as("leader").get(f"/api/v1/recognition/leaderboard?space_id={world.guest_space.pk}").status_code == 404
    )


def test_insight_tags_for_leaders(world, client_as):
    v = value("ownership")
    services.kudos_give(
        actor=actor_of(world.member), recipient_id=world.leader.pk, amount=5, message="x", value_id=v.pk
    )
    rows = client_as("leader").get("/api/v1/recognition/insights/tags").json()
    assert [(r["kind"], r["tag"], r["kudos"], r["points"]) for r in rows] == [("value", "Ownership", 1, 5)]


def test_tasks_are_safe_to_run_twice(world):
    services.rule_save(
        actor=SYSTEM,
        name="Attended",
        event_kind="discussion.session_attended",
        beneficiary="actor",
        points=3,
        cap_per_period=5,
    )
    interaction_record(kind="discussion.session_attended", actor_id=world.member.pk, object_type="session")
    for _ in range(2):
        tasks.rules_apply_task.call_local()
        tasks.allowance_grant_task.call_local()
        tasks.flags_detect_task.call_local()
    balances = queries.balances_for(person_id=world.member.pk)
    assert (balances.points, balances.allowance) == (3, 100)


HUGE = 2**40


@pytest.mark.parametrize(
    ("role", "method", "url", "body"),
    [
        ("member", "post", "/api/v1/recognition/kudos", {"recipient_id": HUGE, "amount": 5, "message": "x"}),
        ("member", "post", "/api/v1/recognition/kudos", {"recipient_id": 1, "amount": HUGE, "message": "x"}),
        (
            "member",
            "post",
            "/api/v1/recognition/kudos",
            {"recipient_id": 1, "amount": 1, "message": "x", "value_id": HUGE},
        ),
        (
            "member",
            "post",
            "/api/v1/recognition/kudos",
            {"recipient_id": 1, "amount": 1, "message": "x", "topic_ids": [HUGE]},
        ),
        ("member", "post", f"/api/v1/recognition/kudos/{HUGE}/reactions", {"emoji": "clap"}),
        ("member", "post", "/api/v1/recognition/redemptions", {"reward_id": HUGE}),
        ("admin", "post", f"/api/v1/recognition/redemptions/{HUGE}/decision", {"approve": True}),
        ("admin", "post", "/api/v1/recognition/corrections", {"person_id": HUGE, "amount": 5, "reason": "x"}),
        (
            "admin",
            "post",
            "/api/v1/recognition/rules",
            {"name": "r", "event_kind": "match.rated", "beneficiary": "actor", "points": 5, "program_id": HUGE},
        ),
    ],
)
def test_out_of_range_input_is_a_client_error(world, client_as, role, method, url, body):
    client = client_as(role)
    response = getattr(client, method)(url, body, content_type="application/json")
    assert 400 <= response.status_code < 500, response.content[:300]


def test_a_far_time_zone_offset_is_moved_to_utc(world, client_as):
    response = client_as("leader").get("/api/v1/recognition/insights/tags?since=2026-01-01T00:00:00%2B23:59")
    assert response.status_code == 200 and response.json() == []
