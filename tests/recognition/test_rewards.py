"""Rewards: points held on request, approval tiers, unit budgets never overdrawn."""

from django.core.exceptions import ValidationError
import pytest

from peerloop.core.models import AuditEntry
from peerloop.core.permissions import NotFound, PermissionDenied
from peerloop.core.roles import SYSTEM
from peerloop.recognition import queries, services
from peerloop.recognition.models import Redemption
from tests.factories import account
from tests.recognition.helpers import actor_of, assert_ledger_balanced

pytestmark = pytest.mark.django_db


def fund(world, person, points=200, budget=500):  # type: ignore[no-untyped-def]
    services.correction_post(actor=SYSTEM, person_id=person.pk, account_kind="points", amount=points, reason="seed")
    services.budget_fund(actor=SYSTEM, unit_id=person.unit_id, amount=budget)


def test_approval_tier_follows_cost(settings):
    settings.PEERLOOP_REWARD_MANAGER_APPROVAL_ABOVE = 100
    settings.PEERLOOP_REWARD_ADMIN_APPROVAL_ABOVE = 500
    assert [services.approval_for(c) for c in (1, 100, 101, 500, 501)] == [
        "none",
        "none",
        "manager",
        "manager",
        "admin",
    ]


def test_instant_reward_spends_points_and_budget_in_one_entry(world):
    fund(world, world.member)
    reward = services.reward_save(actor=SYSTEM, name="Book", cost=30)
    redemption = services.redemption_request(actor=actor_of(world.member), reward_id=reward.pk)
    assert redemption.status == Redemption.Status.APPROVED
    assert queries.balances_for(person_id=world.member.pk).points == 170
    assert queries.account_balances(kind="budget").get().balance == 470
    assert_ledger_balanced()


def test_manager_tier_is_approved_by_the_manager_not_by_a_peer_nor_oneself(world):
    manager = account("member", email="boss@example.org")
    world.member.manager = manager
    world.member.save()
    fund(world, world.member)
    reward = services.reward_save(actor=SYSTEM, name="Team dinner", cost=150)
    assert reward.approval == "manager"
    redemption = services.redemption_request(actor=actor_of(world.member), reward_id=reward.pk)
    assert redemption.status == Redemption.Status.PENDING
    balances = queries.balances_for(person_id=world.member.pk)
    assert (balances.points, balances.held) == (50, 150)
    assert [r.pk for r in queries.redemptions_to_decide(person_id=manager.pk, admin=False)] == [redemption.pk]
    with pytest.raises(NotFound):
        services.redemption_decide(actor=actor_of(world.leader), redemption_id=redemption.pk, approve=True)
    with pytest.raises(PermissionDenied):
        services.redemption_decide(actor=actor_of(world.member), redemption_id=redemption.pk, approve=True)
    services.redemption_decide(actor=actor_of(manager), redemption_id=redemption.pk, approve=True, note="Enjoy")
    assert Redemption.objects.get(pk=redemption.pk).status == "approved"
    assert queries.account_balances(kind="budget").get().balance == 350
    assert AuditEntry.objects.filter(action="recognition.redemption_approve").count() == 1
    with pytest.raises(ValidationError, match="already approved"):
        services.redemption_decide(actor=actor_of(world.admin), redemption_id=redemption.pk, approve=True)
    assert_ledger_balanced()


def test_admin_tier_declined_returns_the_points(world):
    fund(world, world.member, points=1000)
    reward = services.reward_save(actor=SYSTEM, name="Conference", cost=800)
    redemption = services.redemption_request(actor=actor_of(world.member), reward_id=reward.pk)
    services.redemption_decide(actor=actor_of(world.admin), redemption_id=redemption.pk, approve=False, note="Not now")
    balances = queries.balances_for(person_id=world.member.pk)
    assert (balances.points, balances.held) == (1000, 0)
    assert queries.account_balances(kind="budget").get().balance == 500
    assert_ledger_balanced()


def test_not_enough_points_or_budget_is_refused_clearly(world):
    fund(world, world.member, points=20, budget=10)
    reward = services.reward_save(actor=SYSTEM, name="Mug", cost=25)
    with pytest.raises(ValidationError) as exc:
        services.redemption_request(actor=actor_of(world.member), reward_id=reward.pk)
    assert exc.value.message_dict["reward_id"] == ["Mug costs 25 points; you have fewer."]
    cheap = services.reward_save(actor=SYSTEM, name="Sticker", cost=15)
    with pytest.raises(ValidationError) as exc:
        services.redemption_request(actor=actor_of(world.member), reward_id=cheap.pk)
    assert "rewards budget of this unit has less than the 15 points" in exc.value.message_dict["budget"][0]
    assert Redemption.objects.count() == 0
    assert queries.balances_for(person_id=world.member.pk).points == 20
    assert_ledger_balanced()


def test_no_budget_in_the_unit_chain(world):
    services.correction_post(actor=SYSTEM, person_id=world.member.pk, account_kind="points", amount=50, reason="s")
    reward = services.reward_save(actor=SYSTEM, name="Mug", cost=25)
    with pytest.raises(ValidationError, match="No rewards budget covers your unit"):
        services.redemption_request(actor=actor_of(world.member), reward_id=reward.pk)
