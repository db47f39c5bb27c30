"""The rewards catalog and redemptions: points held on request, spent on approval from
the unit's rewards budget, given back when declined."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from peerloop.core import services as core_services
from peerloop.core.permissions import NotFound, PermissionDenied, require_internal, require_write
from peerloop.core.roles import SYSTEM, Actor
from peerloop.notifications import services as notification_services
from peerloop.people import queries as people_queries
from peerloop.recognition.models import Account, JournalEntry, Redemption, Reward
from peerloop.recognition.permissions import require_manage
from peerloop.recognition.services.ledger import account_for, entry_post, system_account


def approval_for(cost: int) -> str:
    """The approval tier of a cost: none up to the manager threshold, a manager's up to
    the admin threshold, an admin's above it."""
    manager_above = int(getattr(settings, "PEERLOOP_REWARD_MANAGER_APPROVAL_ABOVE", 100))
    admin_above = int(getattr(settings, "PEERLOOP_REWARD_ADMIN_APPROVAL_ABOVE", 500))
    if cost > admin_above:
        return Reward.Approval.ADMIN
    if cost > manager_above:
        return Reward.Approval.MANAGER
    return Reward.Approval.NONE


def reward_save(
    *,
    actor: Actor,
    name: str,
    cost: int,
    description: str = "",
    approval: str | None = None,
    active: bool = True,
    reward_id: int | None = None,
) -> Reward:
    """An admin adds or changes a reward; its approval tier follows its cost unless given."""
    require_manage(actor, write=True)
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = "Name the reward."
    if cost <= 0:
        errors["cost"] = "A reward costs at least 1 point."
    if approval is not None and approval not in Reward.Approval.values:
        errors["approval"] = "Choose none, manager or admin."
    if errors:
        raise ValidationError(errors)
    fields = {
        "name": name.strip()[:120],
        "cost": cost,
        "description": description.strip()[:500],
        "approval": approval or approval_for(cost),
        "active": active,
    }
    with transaction.atomic():
        if reward_id is None:
            reward = Reward.objects.create(**fields)
        else:
            reward = Reward.objects.filter(pk=reward_id).first()  # type: ignore[assignment]
            if reward is None:
                raise ValidationError({"reward_id": f"No reward {reward_id}."})
            for field, value in fields.items():
                setattr(reward, field, value)
            reward.save()
        core_services.audit_record(
            actor=actor,
            action="recognition.reward_save",
            object_type="reward",
            object_id=reward.pk,
            object_repr=reward.name,
            changes=fields,
        )
    return reward


def budget_unit_for(unit_id: int | None) -> int | None:
    """The person's unit, or its nearest parent, that has a rewards budget."""
    parents = dict(people_queries.unit_list().values_list("id", "parent_id"))
    budgets = set(Account.objects.filter(kind=Account.Kind.BUDGET).values_list("unit_id", flat=True))
    seen: set[int] = set()
    while unit_id is not None and unit_id not in seen:
        if unit_id in budgets:
            return unit_id
        seen.add(unit_id)
        unit_id = parents.get(unit_id)
    return None


def redemption_request(*, actor: Actor, reward_id: int) -> Redemption:
    """Redeem points for a reward: the points are held until the redemption is approved
    (at once for rewards that need no approval)."""
    require_internal(actor)
    require_write(actor)
    if actor.person_id is None:
        raise NotFound()
    person = people_queries.person_get(person_id=actor.person_id)
    reward = Reward.objects.filter(pk=reward_id, active=True).first()
    if person is None:
        raise NotFound()
    if reward is None:
        raise ValidationError({"reward_id": f"No reward {reward_id} in the catalog."})
    unit_id = budget_unit_for(person.unit_id)
    if unit_id is None:
        raise ValidationError({"reward_id": "No rewards budget covers your unit yet; ask an admin."})
    with transaction.atomic():
        points = account_for(kind=Account.Kind.POINTS, person_id=person.pk)
        entry_post(
            kind=JournalEntry.Kind.HOLD,
            legs=[(points, -reward.cost), (system_account(Account.Kind.HOLDS), reward.cost)],
            memo=f"Redemption of {reward.name} requested",
            created_by_id=actor.user_id,
            shortfall={points.pk: f"reward_id|{reward.name} costs {reward.cost} points; you have fewer."},
        )
        redemption = Redemption.objects.create(
            reward=reward, person=person, unit_id=unit_id, cost=reward.cost, approval=reward.approval
        )
        if reward.approval == Reward.Approval.NONE:
            _decide(redemption, approve=True, decider_id=None, actor=SYSTEM, note="No approval needed")
        else:
            for approver_id in _approvers(redemption):
                notification_services.notify(
                    recipient_id=approver_id,
                    kind="recognition.approval",
                    title=f"{person.name} asks to redeem {reward.name} ({reward.cost} points)",
                    url=reverse("recognition:approvals"),
                )
    return redemption


def _approvers(redemption: Redemption) -> list[int]:
    if redemption.approval == Reward.Approval.MANAGER:
        chain = people_queries.manager_chain(person_id=redemption.person_id)
        if chain and chain[0].active:
            return [chain[0].pk]
    return []


def can_decide(actor: Actor, redemption: Redemption) -> bool:
    if not actor.is_internal or actor.person_id == redemption.person_id:
        return False
    if actor.is_admin:
        return True
    if redemption.approval == Reward.Approval.MANAGER and actor.person_id is not None:
        chain = people_queries.manager_chain(person_id=redemption.person_id)
        return bool(chain) and chain[0].pk == actor.person_id
    return False


def _decide(redemption: Redemption, *, approve: bool, decider_id: int | None, actor: Actor, note: str) -> None:
    holds = system_account(Account.Kind.HOLDS)
    if approve:
        budget = account_for(kind=Account.Kind.BUDGET, unit_id=redemption.unit_id)
        entry_post(
            kind=JournalEntry.Kind.REDEEM,
            legs=[
                (holds, -redemption.cost),
                (system_account(Account.Kind.REDEEMED), redemption.cost),
                (budget, -redemption.cost),
                (system_account(Account.Kind.SPENT), redemption.cost),
            ],
            memo=f"{redemption.reward.name} redeemed",
            created_by_id=actor.user_id,
            shortfall={
                budget.pk: f"budget|The rewards budget of this unit has less than the {redemption.cost} points "
                "this reward costs; an admin must fund it first."
            },
        )
    else:
        points = account_for(kind=Account.Kind.POINTS, person_id=redemption.person_id)
        entry_post(
            kind=JournalEntry.Kind.RELEASE,
            legs=[(holds, -redemption.cost), (points, redemption.cost)],
            memo=f"{redemption.reward.name} declined: points returned",
            created_by_id=actor.user_id,
        )
    redemption.status = Redemption.Status.APPROVED if approve else Redemption.Status.DECLINED
    redemption.decided_by_id = decider_id
    redemption.decided_at = timezone.now()
    redemption.note = note[:500]
    redemption.save()
    core_services.audit_record(
        actor=actor,
        action="recognition.redemption_approve" if approve else "recognition.redemption_decline",
        object_type="redemption",
        object_id=redemption.pk,
        object_repr=redemption.reward.name,
        changes={"person_id": redemption.person_id, "cost": redemption.cost, "note": note[:500]},
    )


def redemption_decide(*, actor: Actor, redemption_id: int, approve: bool, note: str = "") -> Redemption:
    """The requester's manager (manager tier) or an admin approves or declines a pending
    redemption. An approval spends the unit's budget and never overdraws it."""
    require_internal(actor)
    require_write(actor)
    with transaction.atomic():
        redemption = Redemption.objects.select_for_update().select_related("reward").filter(pk=redemption_id).first()
        if redemption is None:
            raise NotFound()
        if not can_decide(actor, redemption):
            if actor.person_id == redemption.person_id:
                raise PermissionDenied("You cannot approve your own redemption.")
            raise NotFound()
        if redemption.status != Redemption.Status.PENDING:
            raise ValidationError(
                {"approve": f"This redemption was already {redemption.get_status_display().lower()}."}
            )
        _decide(redemption, approve=approve, decider_id=actor.person_id, actor=actor, note=note)
        notification_services.notify(
            recipient_id=redemption.person_id,
            kind="recognition.redemption",
            title=f"Your redemption of {redemption.reward.name} was {'approved' if approve else 'declined'}",
            body=note[:300],
            url=reverse("recognition:rewards"),
        )
    return redemption
