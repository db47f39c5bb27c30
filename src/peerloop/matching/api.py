"""REST endpoints of peer matching (mounted under /api/v1 by peerloop.api).

Program owners and admins configure setups, preview and publish rounds; employees read
their own matches, record follow-ups, set preferences, find peers and ask for intros.
Guests get 404s. Service errors leave as 422 problem details naming the field.
"""

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from peerloop.core.permissions import NotFound
from peerloop.core.roles import Actor
from peerloop.matching import permissions, queries, services
from peerloop.matching.models import IntroRequest, MatchingSetup, MatchRound
from peerloop.matching.services._common import UNSET
from peerloop.programs import queries as programs_queries

router = Router(tags=["matching"])


def _actor(request: HttpRequest) -> Actor:
    return request.actor  # type: ignore[attr-defined,no-any-return]


# --- schemas --------------------------------------------------------------------------


class SetupIn(Schema):
    program_id: int
    cadence: str = Field("monthly", description="weekly, biweekly, monthly or once")
    mode: str = Field("pairs", description="pairs, circles, composer or learning")
    group_size: int = Field(4, ge=2, le=12)
    seats: dict[str, int] = Field(default_factory=dict, description="Composer: seats per role family")
    criteria: dict[str, Any] = Field(default_factory=dict, description="Fields of the engine's Criteria")
    metric_id: int | None = None
    allow_relax_cross_unit: bool = False
    next_run_at: datetime | None = None


class SetupOut(Schema):
    id: int
    program_id: int
    cadence: str
    mode: str
    group_size: int
    seats: dict[str, Any]
    criteria: dict[str, Any]
    metric_id: int | None
    allow_relax_cross_unit: bool
    next_run_at: datetime | None


class RoundIn(Schema):
    setup_id: int


class MatchMemberOut(Schema):
    person_id: int
    name: str
    reasons: list[str]


class MatchOut(Schema):
    id: int
    kind: str
    reasons: list[str]
    agenda: str
    meeting_suggested_at: datetime | None
    members: list[MatchMemberOut]


class UnmatchedOut(Schema):
    person_id: int
    name: str
    reason: str


class RoundOut(Schema):
    id: int
    setup_id: int
    number: int
    status: str
    stats: dict[str, Any]
    created_at: datetime
    published_at: datetime | None


class RoundDetailOut(RoundOut):
    matches: list[MatchOut]
    unmatched: list[UnmatchedOut]


class RoundFilters(Schema):
    setup_id: int = Field(..., description="The setup whose rounds to list")


class PeerOut(Schema):
    person_id: int
    name: str


class MyMatchOut(Schema):
    match_id: int
    round_id: int
    round_number: int
    program_id: int
    program_name: str
    kind: str
    reasons: list[str]
    agenda: str
    meeting_suggested_at: datetime | None
    peers: list[PeerOut]
    met: bool | None
    rating: int | None


class FollowUpIn(Schema):
    match_id: int
    met: bool
    rating: int | None = Field(None, ge=1, le=5)
    note: str = Field("", max_length=2000)


class FollowUpOut(Schema):
    match_id: int
    met: bool
    rating: int | None
    note: str


class PreferencesIn(Schema):
    program_id: int | None = None
    opted_out: bool | None = Field(None, description="Opt out of (true) or back into (false) program_id")
    paused_until: date | None = Field(None, description="Pause all matching until this date")
    resume: bool = Field(False, description="End a pause")


class PreferencesOut(Schema):
    opted_out_programs: list[int]
    paused_until: date | None
    blocked: list[int]


class PeerFilters(Schema):
    topic_id: int


class SuggestionOut(Schema):
    person_id: int
    name: str
    title: str
    unit: str
    region: str
    level: int | None
    reasons: list[str]
    score: float


class IntroIn(Schema):
    to_person_id: int
    topic_id: int | None = None
    message: str = Field("", max_length=1000)


class IntroAnswerIn(Schema):
    accept: bool


class IntroOut(Schema):
    id: int
    from_person_id: int
    to_person_id: int
    topic_id: int | None
    message: str
    status: str
    at: datetime


# --- owners ---------------------------------------------------------------------------


def _setup_out(setup: MatchingSetup) -> dict[str, Any]:
    return {
        "id": setup.pk,
        "program_id": setup.program_id,
        "cadence": setup.cadence,
        "mode": setup.mode,
        "group_size": setup.group_size,
        "seats": setup.seats,
        "criteria": setup.criteria,
        "metric_id": setup.metric_id,
        "allow_relax_cross_unit": setup.allow_relax_cross_unit,
        "next_run_at": setup.next_run_at,
    }


@router.get("/matching/setups", response=list[SetupOut], summary="Matching setups of the programs I run")
@paginate(LimitOffsetPagination)
def setups_list(request: HttpRequest):  # type: ignore[no-untyped-def]
    actor = _actor(request)
    permissions.require_member(actor)
    if not actor.is_program_owner:
        return []
    return [_setup_out(s) for s in queries.setup_list(owner_id=None if actor.is_admin else actor.person_id)]


@router.post("/matching/setups", response={200: SetupOut}, summary="Create or change a program's matching setup")
def setup_save(request: HttpRequest, payload: SetupIn) -> dict[str, Any]:
    setup = services.setup_save(
        actor=_actor(request),
        program_id=payload.program_id,
        cadence=payload.cadence,
        mode=payload.mode,
        group_size=payload.group_size,
        seats=payload.seats,
        criteria=payload.criteria,
        metric_id=payload.metric_id,
        allow_relax_cross_unit=payload.allow_relax_cross_unit,
        next_run_at=payload.next_run_at,
    )
    return _setup_out(setup)


def _round_for(actor: Actor, round_id: int) -> MatchRound:
    permissions.require_member(actor)
    round_ = queries.round_get(round_id=round_id)
    if round_ is None:
        raise NotFound()
    permissions.require_run(actor, round_.setup.program)
    return round_


def _round_detail(round_: MatchRound) -> dict[str, Any]:
    matches = [
        {
            "id": m.pk,
            "kind": m.kind,
            "reasons": m.reasons,
            "agenda": m.agenda,
            "meeting_suggested_at": m.meeting_suggested_at,
            "members": [
                {"person_id": mm.person_id, "name": mm.person.name, "reasons": mm.reasons}
                for mm in m.active_members  # type: ignore[attr-defined]
            ],
        }
        for m in queries.round_matches(round_id=round_.pk)[:500]
    ]
    unmatched = [
        {"person_id": u.person_id, "name": u.person.name, "reason": u.reason}
        for u in queries.round_unmatched(round_id=round_.pk)[:500]
    ]
    return {**RoundOut.from_orm(round_).dict(), "matches": matches, "unmatched": unmatched}


@router.get("/matching/rounds", response=list[RoundOut], summary="Rounds of a setup (its program's owner, admins)")
@paginate(LimitOffsetPagination)
def rounds_list(request: HttpRequest, filters: Query[RoundFilters]):  # type: ignore[no-untyped-def]
    actor = _actor(request)
    permissions.require_member(actor)
    setup = queries.setup_get(setup_id=filters.setup_id)
    if setup is None:
        raise NotFound()
    permissions.require_run(actor, setup.program)
    return queries.round_list(setup_id=setup.pk)


@router.post("/matching/rounds", response={201: RoundDetailOut}, summary="Preview the next round of a setup")
def round_preview(request: HttpRequest, payload: RoundIn) -> Status[dict[str, Any]]:
    actor = _actor(request)
    permissions.require_member(actor, write=True)
    setup = queries.setup_get(setup_id=payload.setup_id)
    if setup is None:
        raise NotFound()
    permissions.require_run(actor, setup.program, write=True)
    round_ = services.round_preview(actor=actor, setup_id=setup.pk)
    return Status(201, _round_detail(round_))


@router.get("/matching/rounds/{round_id}", response=RoundDetailOut, summary="A round with its matches and unmatched")
def round_get(request: HttpRequest, round_id: int) -> dict[str, Any]:
    return _round_detail(_round_for(_actor(request), round_id))


@router.post("/matching/rounds/{round_id}/publish", response=RoundOut, summary="Publish a previewed round")
def round_publish(request: HttpRequest, round_id: int) -> MatchRound:
    actor = _actor(request)
    round_ = _round_for(actor, round_id)
    permissions.require_run(actor, round_.setup.program, write=True)
    return services.round_publish(actor=actor, round_id=round_.pk)


# --- members --------------------------------------------------------------------------


@router.get("/matching/matches/mine", response=list[MyMatchOut], summary="My published matches, newest first")
@paginate(LimitOffsetPagination)
def matches_mine(request: HttpRequest):  # type: ignore[no-untyped-def]
    person_id = permissions.require_member(_actor(request))
    return [
        {
            "match_id": item.match.pk,
            "round_id": item.round.pk,
            "round_number": item.round.number,
            "program_id": item.program.pk,
            "program_name": item.program.name,
            "kind": item.match.kind,
            "reasons": item.reasons,
            "agenda": item.match.agenda,
            "meeting_suggested_at": item.match.meeting_suggested_at,
            "peers": [{"person_id": p.pk, "name": p.name} for p in item.others],
            "met": item.followup.met if item.followup else None,
            "rating": item.followup.rating if item.followup else None,
        }
        for item in queries.my_matches(person_id=person_id)
    ]


@router.post("/matching/followups", response=FollowUpOut, summary="Record my follow-up of a match")
def followup_record(request: HttpRequest, payload: FollowUpIn) -> dict[str, Any]:
    actor = _actor(request)
    permissions.require_member(actor, write=True)
    f = services.followup_record(
        actor=actor, match_id=payload.match_id, met=payload.met, rating=payload.rating, note=payload.note
    )
    return {"match_id": f.match_id, "met": f.met, "rating": f.rating, "note": f.note}


def _prefs_out(person_id: int) -> dict[str, Any]:
    pref = queries.preference_for(person_id=person_id)
    if pref is None:
        return {"opted_out_programs": [], "paused_until": None, "blocked": []}
    return {
        "opted_out_programs": list(pref.opted_out_programs or []),
        "paused_until": pref.paused_until,
        "blocked": sorted(pref.blocked.values_list("id", flat=True)),
    }


@router.get("/matching/preferences", response=PreferencesOut, summary="My matching preferences")
def preferences_get(request: HttpRequest) -> dict[str, Any]:
    return _prefs_out(permissions.require_member(_actor(request)))


@router.put("/matching/preferences", response=PreferencesOut, summary="Opt out of a program, pause or resume")
def preferences_set(request: HttpRequest, payload: PreferencesIn) -> dict[str, Any]:
    actor = _actor(request)
    person_id = permissions.require_member(actor, write=True)
    if payload.program_id is not None and programs_queries.program_get(program_id=payload.program_id) is None:
        raise NotFound()
    paused: Any = UNSET
    if payload.resume:
        paused = None
    elif payload.paused_until is not None:
        paused = payload.paused_until
    services.preference_set(
        actor=actor, program_id=payload.program_id, opted_out=payload.opted_out, paused_until=paused
    )
    return _prefs_out(person_id)


@router.get("/matching/peers", response=list[SuggestionOut], summary="Peers at my altitude elsewhere on a topic")
def peers_find(request: HttpRequest, filters: Query[PeerFilters]) -> list[services.PeerSuggestion]:
    actor = _actor(request)
    permissions.require_member(actor)
    return services.find_peers(actor=actor, topic_id=filters.topic_id)


def _intro_out(intro: IntroRequest) -> dict[str, Any]:
    return {
        "id": intro.pk,
        "from_person_id": intro.from_person_id,
        "to_person_id": intro.to_person_id,
        "topic_id": intro.topic_id,
        "message": intro.message,
        "status": intro.status,
        "at": intro.at,
    }


@router.get("/matching/intros", response=list[IntroOut], summary="Intro requests I sent or received")
@paginate(LimitOffsetPagination)
def intros_list(request: HttpRequest):  # type: ignore[no-untyped-def]
    person_id = permissions.require_member(_actor(request))
    lists = queries.intro_list(person_id=person_id)
    return (lists["received"] | lists["sent"]).order_by("-at", "-id")


@router.post("/matching/intros", response={201: IntroOut}, summary="Ask a peer for an intro")
def intro_request(request: HttpRequest, payload: IntroIn) -> Status[dict[str, Any]]:
    actor = _actor(request)
    permissions.require_member(actor, write=True)
    intro = services.intro_request(
        actor=actor, to_person_id=payload.to_person_id, topic_id=payload.topic_id, message=payload.message
    )
    return Status(201, _intro_out(intro))


@router.post("/matching/intros/{intro_id}/answer", response=IntroOut, summary="Accept or decline an intro request")
def intro_answer(request: HttpRequest, intro_id: int, payload: IntroAnswerIn) -> dict[str, Any]:
    actor = _actor(request)
    permissions.require_member(actor, write=True)
    return _intro_out(services.intro_answer(actor=actor, intro_id=intro_id, accept=payload.accept))
