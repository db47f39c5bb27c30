"""What matched people do: follow up, ask for a new partner, opt out or pause; and nudges."""

from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from peerloop.core.permissions import NotFound, require, require_internal, require_write
from peerloop.core.roles import SYSTEM, Actor
from peerloop.core.services import interaction_record
from peerloop.matching.models import FollowUp, Match, MatchMember, MatchPreference, MatchRound
from peerloop.matching.services._common import UNSET, site_url
from peerloop.notifications import services as notifications
from peerloop.programs import queries as programs_queries

BAD_FIT = 2  # a rating at or below this asks for a new partner and blocks the pair
NUDGE_AFTER = timedelta(days=7)
NUDGE_WINDOW = timedelta(days=35)  # matches older than this are no longer nudged
MAX_PAUSE_DAYS = 366


def _me(actor: Actor) -> int:
    require_internal(actor)
    require_write(actor)
    if actor.person_id is None:
        raise NotFound()
    return actor.person_id


def _my_match(person_id: int, match_id: int) -> tuple[Match, list[int]]:
    """The published match and its other active members, when the person is in it (else 404)."""
    member = (
        MatchMember.objects.select_related("match", "round")
        .filter(
            match_id=match_id,
            person_id=person_id,
            dropped=False,
            round__status__in=[MatchRound.Status.PUBLISHED, MatchRound.Status.CLOSED],
        )
        .first()
    )
    if member is None:
        raise NotFound()
    others = list(
        MatchMember.objects.filter(match_id=match_id, dropped=False)
        .exclude(person_id=person_id)
        .values_list("person_id", flat=True)
    )
    return member.match, others


def followup_record(
    *,
    actor: Actor,
    match_id: int,
    met: bool,
    rating: int | None = None,
    note: str = "",
    on_behalf_of: int | None = None,
) -> FollowUp:
    """Record (or change) my follow-up of a match: did we meet, how good a fit (1-5), a note.

    The first "met" and the first rating go to the interaction stream ("match.met",
    "match.rated" weighted by the rating). A rating of 2 or less asks for a new partner
    and blocks the pair (see :func:`repair_on_bad_fit`). ``on_behalf_of`` (a person id) is
    for the system alone: follow-ups answered elsewhere and loaded here, as the demo does."""
    if on_behalf_of is not None:
        require(actor == SYSTEM, message="Only the system records follow-ups on someone's behalf.")
        person_id = on_behalf_of
    else:
        person_id = _me(actor)
    if rating is not None and (isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5):
        raise ValidationError({"rating": "Rate the fit from 1 to 5."})
    note = str(note or "").strip()
    if len(note) > 2000:
        raise ValidationError({"note": "Keep the note under 2000 characters."})
    with transaction.atomic():
        match, others = _my_match(person_id, match_id)
        followup, _ = FollowUp.objects.select_for_update().get_or_create(match=match, person_id=person_id)
        first_met = met and not followup.met
        first_rating = rating is not None and followup.rating is None
        followup.met = bool(met)
        followup.rating = rating
        followup.note = note
        followup.save()
        if first_met:
            interaction_record(
                kind="match.met",
                actor_id=person_id,
                target_ids=others,
                object_type="matching.match",
                object_id=match.pk,
            )
        if first_rating and rating is not None:
            interaction_record(
                kind="match.rated",
                actor_id=person_id,
                target_ids=others,
                object_type="matching.match",
                object_id=match.pk,
                weight=float(rating),
            )
        if rating is not None and rating <= BAD_FIT:
            repair_on_bad_fit(person_id=person_id, other_ids=others)
    return followup


def _preference(person_id: int) -> MatchPreference:
    pref, _ = MatchPreference.objects.select_for_update().get_or_create(person_id=person_id)
    return pref


def repair_on_bad_fit(*, person_id: int, other_ids: list[int]) -> MatchPreference:
    """Block the pair(s) so they are never matched again, and ask for a new partner next round."""
    with transaction.atomic():
        pref = _preference(person_id)
        if other_ids:
            pref.blocked.add(*other_ids)
        pref.repair_requested_at = timezone.now()
        pref.save(update_fields=["repair_requested_at", "updated_at"])
    return pref


def preference_set(
    *,
    actor: Actor,
    program_id: int | None = None,
    opted_out: bool | None = None,
    paused_until: date | None = UNSET,
) -> MatchPreference:
    """Opt out of (or back into) one program's matching, and/or pause all matching until a date
    (None resumes). One click each; the next round respects it."""
    person_id = _me(actor)
    if opted_out is not None and (program_id is None or programs_queries.program_get(program_id=program_id) is None):
        raise ValidationError({"program_id": "Name the program to opt out of."})
    if paused_until is not UNSET and paused_until is not None:
        today = timezone.localdate()
        if paused_until < today or paused_until > today + timedelta(days=MAX_PAUSE_DAYS):
            raise ValidationError({"paused_until": "Pause until a date within the next year."})
    with transaction.atomic():
        pref = _preference(person_id)
        if opted_out is not None and program_id is not None:
            programs = set(pref.opted_out_programs or [])
            programs = programs | {program_id} if opted_out else programs - {program_id}
            pref.opted_out_programs = sorted(programs)
        if paused_until is not UNSET:
            pref.paused_until = paused_until
        pref.save()
    return pref


def nudge_unmet(*, now: datetime | None = None) -> int:
    """Remind the members of published matches that nobody has marked as met after 7 days.
    One nudge per person per match, however often this runs; returns the nudges sent."""
    now = now or timezone.now()
    members = (
        MatchMember.objects.filter(
            dropped=False,
            round__status=MatchRound.Status.PUBLISHED,
            round__published_at__lte=now - NUDGE_AFTER,
            round__published_at__gte=now - NUDGE_WINDOW,
        )
        .exclude(match__followups__met=True)
        .select_related("round__setup__program")
        .order_by("id")
    )
    sent = 0
    for member in members:
        program = member.round.setup.program
        with transaction.atomic():
            notice = notifications.notify(
                recipient_id=member.person_id,
                kind="match.nudge",
                title=f"Have you met your peer yet? ({program.name}, round {member.round.number})",
                body="A 30-minute call is enough. Tell us when you have met, and how it went.",
                url=site_url("matching:mine"),
                dedupe_key=f"match-nudge-{member.match_id}-{member.person_id}",
                email=True,
            )
        sent += notice is not None
    return sent
