"""REST endpoints of recognition (mounted under /api/v1 by peerloop.api).

Employees give kudos, react, read the feed, their balances and statement, leaderboards and
the catalog, and redeem; approvers decide redemptions; admins run rules, the catalog,
budgets, corrections and flags. Guests get 404s. Service errors leave as 422 problem
details naming the field.
"""

from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination, paginate

from peerloop.core.permissions import NotFound
from peerloop.core.roles import Actor
from peerloop.recognition import permissions, queries, services
from peerloop.recognition.models import Flag, Kudos, Posting, Redemption, Reward
from peerloop.spaces import queries as spaces_queries

router = Router(tags=["recognition"])


def _utc(value: datetime | None) -> datetime | None:
    """In UTC (a naive value is taken as UTC): PostgreSQL refuses offsets beyond ±15:59."""
    if value is None:
        return None
    if timezone.is_naive(value):
        return timezone.make_aware(value, UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise HttpError(422, "That date and time is out of range.") from None


def _actor(request: HttpRequest) -> Actor:
    return request.actor  # type: ignore[attr-defined,no-any-return]


# --- schemas --------------------------------------------------------------------------


class RecognitionKudosIn(Schema):
    recipient_id: int
    amount: int = Field(..., le=1_000_000, description="Points from your allowance (at least 1)")
    message: str = Field(..., max_length=1000)
    value_id: int | None = None
    topic_ids: list[int] = Field(default_factory=list, max_length=20)
    public: bool = True
    about_type: str = Field("", max_length=32, description="thread, post, lesson, session or feedback_item")
    about_id: str = Field("", max_length=64, description="The id of what the kudos is about")


class RecognitionKudosOut(Schema):
    id: int
    giver_id: int
    giver_name: str
    recipient_id: int
    recipient_name: str
    amount: int
    message: str
    value: str | None
    topics: list[str]
    public: bool
    about_type: str
    about_id: str
    at: datetime
    reactions: dict[str, int]


class RecognitionReactionIn(Schema):
    emoji: str = Field(..., description="clap, heart or bulb")


class RecognitionReactionOut(Schema):
    kudos_id: int
    emoji: str
    reacted: bool


class RecognitionBalancesOut(Schema):
    allowance: int
    points: int
    held: int
    period: str


class RecognitionPostingOut(Schema):
    entry_id: int
    at: datetime
    kind: str
    account: str
    amount: int
    memo: str
    reason: str


class RecognitionLeaderOut(Schema):
    person_id: int
    name: str
    unit: str
    points: int
    badges: int


class RecognitionLeaderFilters(Schema):
    period: str | None = Field(None, pattern=r"^\d{4}-\d{2}$", description="YYYY-MM; this month when left out")
    space_id: int | None = None
    program_id: int | None = None


class RecognitionOptIn(Schema):
    opt_out: bool


class RecognitionRewardIn(Schema):
    name: str = Field(..., max_length=120)
    cost: int = Field(..., le=10_000_000)
    description: str = Field("", max_length=500)
    approval: str | None = Field(None, description="none, manager or admin; from the cost when left out")


class RecognitionRewardOut(Schema):
    id: int
    name: str
    description: str
    cost: int
    approval: str
    active: bool


class RecognitionRedeemIn(Schema):
    reward_id: int


class RecognitionRedemptionOut(Schema):
    id: int
    reward_id: int
    reward_name: str
    person_id: int
    cost: int
    approval: str
    status: str
    note: str
    created_at: datetime


class RecognitionDecisionIn(Schema):
    approve: bool
    note: str = Field("", max_length=500)


class RecognitionRuleIn(Schema):
    name: str = Field(..., max_length=120)
    event_kind: str
    beneficiary: str = Field(..., description="actor or target")
    points: int = Field(..., le=1_000_000)
    cap_per_period: int = Field(10, le=100_000)
    program_id: int | None = None
    badge_name: str = Field("", max_length=120)
    cross_unit_only: bool = False
    active: bool = True


class RecognitionRuleOut(Schema):
    id: int
    name: str
    event_kind: str
    beneficiary: str
    points: int
    cap_per_period: int
    program_id: int | None
    badge: str | None
    cross_unit_only: bool
    active: bool


class RecognitionApplyOut(Schema):
    read: int
    awarded: int
    capped: int
    points: int


class RecognitionCorrectionIn(Schema):
    person_id: int
    account_kind: str = Field("points", description="points or allowance")
    amount: int = Field(..., ge=-10_000_000, le=10_000_000, description="Positive to add, negative to take away")
    reason: str = Field(..., max_length=500)


class RecognitionEntryOut(Schema):
    id: int
    kind: str
    memo: str
    reason: str
    at: datetime


class RecognitionFlagOut(Schema):
    id: int
    kind: str
    status: str
    people: list[int]
    evidence: dict[str, Any]
    window_start: datetime
    window_end: datetime


class RecognitionTagOut(Schema):
    unit_id: int | None
    unit: str
    month: str
    kind: str
    tag: str
    kudos: int
    points: int


class RecognitionTagFilters(Schema):
    since: datetime | None = None
    until: datetime | None = None


# --- members --------------------------------------------------------------------------


def _kudos_out(kudos: Kudos) -> dict[str, Any]:
    counts: dict[str, int] = {}
    for reaction in kudos.reactions.all():
        counts[reaction.emoji] = counts.get(reaction.emoji, 0) + 1
    return {
        "id": kudos.pk,
        "giver_id": kudos.giver_id,
        "giver_name": kudos.giver.name,
        "recipient_id": kudos.recipient_id,
        "recipient_name": kudos.recipient.name,
        "amount": kudos.amount,
        "message": kudos.message,
        "value": kudos.value.name if kudos.value else None,
        "topics": [t.name for t in kudos.topics.all()],
        "public": kudos.public,
        "about_type": kudos.about_type,
        "about_id": kudos.about_id,
        "at": kudos.at,
        "reactions": counts,
    }


@router.get("/recognition/kudos", response=list[RecognitionKudosOut], summary="The kudos feed, newest first")
@paginate(LimitOffsetPagination)
def kudos_feed(request: HttpRequest):  # type: ignore[no-untyped-def]
    person_id = permissions.require_member(_actor(request))
    return [_kudos_out(k) for k in queries.feed(viewer_id=person_id)[:500]]


@router.post("/recognition/kudos", response={201: RecognitionKudosOut}, summary="Give kudos from my allowance")
def kudos_give(request: HttpRequest, payload: RecognitionKudosIn) -> Status[dict[str, Any]]:
    """An ``Idempotency-Key`` header makes retries safe: the same key gives the same kudos
    once (and the same answer); the same key with other kudos is a 422."""
    actor = _actor(request)
    person_id = permissions.require_member(actor, write=True)
    kudos = services.kudos_give(
        actor=actor,
        recipient_id=payload.recipient_id,
        amount=payload.amount,
        message=payload.message,
        value_id=payload.value_id,
        topic_ids=payload.topic_ids,
        public=payload.public,
        idempotency_key=request.headers.get("Idempotency-Key") or None,
        about_type=payload.about_type,
        about_id=payload.about_id,
    )
    fresh = queries.kudos_get(kudos_id=kudos.pk, viewer_id=person_id)
    assert fresh is not None
    return Status(201, _kudos_out(fresh))


@router.post(
    "/recognition/kudos/{kudos_id}/reactions", response=RecognitionReactionOut, summary="React to kudos (toggles)"
)
def kudos_react(request: HttpRequest, kudos_id: int, payload: RecognitionReactionIn) -> dict[str, Any]:
    actor = _actor(request)
    permissions.require_member(actor, write=True)
    reacted = services.reaction_toggle(actor=actor, kudos_id=kudos_id, emoji=payload.emoji)
    return {"kudos_id": kudos_id, "emoji": payload.emoji, "reacted": reacted}


@router.get("/recognition/balances", response=RecognitionBalancesOut, summary="My allowance left and received points")
def balances(request: HttpRequest) -> dict[str, Any]:
    person_id = permissions.require_member(_actor(request))
    b = queries.balances_for(person_id=person_id)
    return {"allowance": b.allowance, "points": b.points, "held": b.held, "period": services.period_of()}


def _posting_out(p: Posting) -> dict[str, Any]:
    return {
        "entry_id": p.entry_id,
        "at": p.entry.at,
        "kind": p.entry.kind,
        "account": p.account.kind,
        "amount": p.amount,
        "memo": p.entry.memo,
        "reason": p.entry.reason,
    }


@router.get("/recognition/statement", response=list[RecognitionPostingOut], summary="Every entry on my accounts")
@paginate(LimitOffsetPagination)
def statement(request: HttpRequest):  # type: ignore[no-untyped-def]
    person_id = permissions.require_member(_actor(request))
    return [_posting_out(p) for p in queries.statement_for(person_id=person_id)[:1000]]


@router.get("/recognition/leaderboard", response=list[RecognitionLeaderOut], summary="Most points received in a month")
def leaderboard(request: HttpRequest, filters: Query[RecognitionLeaderFilters]) -> list[queries.LeaderRow]:
    person_id = permissions.require_member(_actor(request))
    if filters.space_id is not None and filters.space_id not in spaces_queries.space_ids_for_person(
        person_id=person_id
    ):
        raise NotFound()
    return queries.leaderboard(
        period=filters.period or services.period_of(), space_id=filters.space_id, program_id=filters.program_id
    )


@router.put("/recognition/leaderboard/opt-out", response=RecognitionOptIn, summary="Leave or rejoin leaderboards")
def leaderboard_opt(request: HttpRequest, payload: RecognitionOptIn) -> dict[str, bool]:
    actor = _actor(request)
    permissions.require_member(actor, write=True)
    return {"opt_out": services.leaderboard_opt(actor=actor, opt_out=payload.opt_out)}


@router.get("/recognition/rewards", response=list[RecognitionRewardOut], summary="The rewards catalog")
def rewards_list(request: HttpRequest) -> list[Reward]:
    permissions.require_member(_actor(request))
    return list(queries.reward_list()[:200])


def _redemption_out(r: Redemption) -> dict[str, Any]:
    return {
        "id": r.pk,
        "reward_id": r.reward_id,
        "reward_name": r.reward.name,
        "person_id": r.person_id,
        "cost": r.cost,
        "approval": r.approval,
        "status": r.status,
        "note": r.note,
        "created_at": r.created_at,
    }


@router.post("/recognition/redemptions", response={201: RecognitionRedemptionOut}, summary="Redeem a reward")
def redemption_request(request: HttpRequest, payload: RecognitionRedeemIn) -> Status[dict[str, Any]]:
    actor = _actor(request)
    permissions.require_member(actor, write=True)
    redemption = services.redemption_request(actor=actor, reward_id=payload.reward_id)
    return Status(201, _redemption_out(redemption))


@router.get("/recognition/redemptions", response=list[RecognitionRedemptionOut], summary="My redemptions")
@paginate(LimitOffsetPagination)
def redemptions_mine(request: HttpRequest):  # type: ignore[no-untyped-def]
    person_id = permissions.require_member(_actor(request))
    return [_redemption_out(r) for r in queries.redemption_list(person_id=person_id)[:500]]


@router.get(
    "/recognition/approvals", response=list[RecognitionRedemptionOut], summary="Redemptions awaiting my approval"
)
@paginate(LimitOffsetPagination)
def approvals(request: HttpRequest):  # type: ignore[no-untyped-def]
    actor = _actor(request)
    person_id = permissions.require_member(actor)
    return [_redemption_out(r) for r in queries.redemptions_to_decide(person_id=person_id, admin=actor.is_admin)[:500]]


@router.post(
    "/recognition/redemptions/{redemption_id}/decision",
    response=RecognitionRedemptionOut,
    summary="Approve or decline a redemption",
)
def redemption_decide(request: HttpRequest, redemption_id: int, payload: RecognitionDecisionIn) -> dict[str, Any]:
    actor = _actor(request)
    permissions.require_member(actor, write=True)
    redemption = services.redemption_decide(
        actor=actor, redemption_id=redemption_id, approve=payload.approve, note=payload.note
    )
    return _redemption_out(redemption)


# --- admins ---------------------------------------------------------------------------


@router.post("/recognition/rewards", response={201: RecognitionRewardOut}, summary="Add a reward to the catalog")
def reward_create(request: HttpRequest, payload: RecognitionRewardIn) -> Status[Reward]:
    actor = _actor(request)
    permissions.require_manage(actor, write=True)
    reward = services.reward_save(
        actor=actor, name=payload.name, cost=payload.cost, description=payload.description, approval=payload.approval
    )
    return Status(201, reward)


def _rule_out(rule: Any) -> dict[str, Any]:
    return {
        "id": rule.pk,
        "name": rule.name,
        "event_kind": rule.event_kind,
        "beneficiary": rule.beneficiary,
        "points": rule.points,
        "cap_per_period": rule.cap_per_period,
        "program_id": rule.program_id,
        "badge": rule.badge.name if rule.badge else None,
        "cross_unit_only": rule.cross_unit_only,
        "active": rule.active,
    }


@router.get("/recognition/rules", response=list[RecognitionRuleOut], summary="Earning rules")
def rules_list(request: HttpRequest) -> list[dict[str, Any]]:
    permissions.require_manage(_actor(request))
    return [_rule_out(r) for r in queries.rule_list()[:500]]


@router.post("/recognition/rules", response={201: RecognitionRuleOut}, summary="Create an earning rule")
def rule_create(request: HttpRequest, payload: RecognitionRuleIn) -> Status[dict[str, Any]]:
    actor = _actor(request)
    permissions.require_manage(actor, write=True)
    rule = services.rule_save(actor=actor, **payload.dict())
    return Status(201, _rule_out(rule))


@router.post("/recognition/rules/apply", response=RecognitionApplyOut, summary="Apply the rules to new events now")
def rules_apply(request: HttpRequest) -> dict[str, int]:
    permissions.require_manage(_actor(request), write=True)
    report = services.rules_apply()
    return {"read": report.read, "awarded": report.awarded, "capped": report.capped, "points": report.points}


@router.post("/recognition/corrections", response={201: RecognitionEntryOut}, summary="Correct a person's points")
def correction(request: HttpRequest, payload: RecognitionCorrectionIn) -> Status[Any]:
    actor = _actor(request)
    permissions.require_manage(actor, write=True)
    entry = services.correction_post(
        actor=actor,
        person_id=payload.person_id,
        account_kind=payload.account_kind,
        amount=payload.amount,
        reason=payload.reason,
    )
    return Status(201, entry)


@router.get("/recognition/flags", response=list[RecognitionFlagOut], summary="Anti-gaming flags with their evidence")
@paginate(LimitOffsetPagination)
def flags_list(request: HttpRequest):  # type: ignore[no-untyped-def]
    permissions.require_manage(_actor(request))
    return list(queries.flag_list(status=Flag.Status.OPEN)[:500])


@router.get(
    "/recognition/insights/tags",
    response=list[RecognitionTagOut],
    summary="Values and topics recognized per unit and month",
)
def insight_tags(request: HttpRequest, filters: Query[RecognitionTagFilters]) -> list[queries.TagCount]:
    permissions.require_insights(_actor(request))
    return queries.recognition_by_unit(since=_utc(filters.since), until=_utc(filters.until))[:5000]
