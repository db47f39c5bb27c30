"""Reads of peer matching: setups, rounds, my matches, the health of a program."""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from peerloop.matching.models import (
    FollowUp,
    IntroRequest,
    Match,
    MatchingSetup,
    MatchMember,
    MatchPreference,
    MatchRound,
    Unmatched,
)
from peerloop.programs import queries as programs_queries
from peerloop.programs.models import Program

SHOWN = (MatchRound.Status.PUBLISHED, MatchRound.Status.CLOSED)


def setup_for_program(*, program_id: int) -> MatchingSetup | None:
    return MatchingSetup.objects.select_related("program", "metric").filter(program_id=program_id).first()


def setup_get(*, setup_id: int) -> MatchingSetup | None:
    return MatchingSetup.objects.select_related("program", "metric").filter(pk=setup_id).first()


def setup_list(*, owner_id: int | None = None) -> QuerySet[MatchingSetup]:
    """Setups by program name; only those of programs ``owner_id`` owns when given."""
    qs = MatchingSetup.objects.select_related("program", "metric").order_by("program__name", "id")
    if owner_id is not None:
        qs = qs.filter(program__owner_id=owner_id)
    return qs


def matching_programs(*, owner_id: int | None = None) -> list[Program]:
    """Programs with the matching mechanism (all, or those one person owns)."""
    programs = programs_queries.program_list(owner_id=owner_id)
    return [p for p in programs if "matching" in (p.mechanisms or [])]


def round_get(*, round_id: int) -> MatchRound | None:
    return MatchRound.objects.select_related("setup__program", "published_by").filter(pk=round_id).first()


def round_list(*, setup_id: int) -> QuerySet[MatchRound]:
    return MatchRound.objects.filter(setup_id=setup_id).order_by("-number")


def _members_prefetch() -> Prefetch:
    return Prefetch(
        "members",
        queryset=MatchMember.objects.filter(dropped=False).select_related("person__unit", "person__region"),
        to_attr="active_members",
    )


def round_matches(*, round_id: int) -> QuerySet[Match]:
    """The matches of a round with their active members (people, units, regions) loaded."""
    return Match.objects.filter(round_id=round_id).prefetch_related(_members_prefetch()).order_by("-weight", "id")


def round_unmatched(*, round_id: int) -> QuerySet[Unmatched]:
    return Unmatched.objects.filter(round_id=round_id).select_related("person__unit").order_by("person__name")


@dataclass
class MyMatch:
    match: Match
    round: MatchRound
    program: Program
    reasons: list[str]
    others: list[Any]
    followup: FollowUp | None = None


def my_matches(*, person_id: int, current_only: bool = False) -> list[MyMatch]:
    """The person's published matches, newest first; ``current_only`` keeps the latest per program."""
    members = (
        MatchMember.objects.filter(person_id=person_id, dropped=False, round__status__in=SHOWN)
        .select_related("round__setup__program", "match")
        .prefetch_related(
            Prefetch(
                "match__members",
                queryset=MatchMember.objects.filter(dropped=False).select_related("person__unit", "person__region"),
                to_attr="active_members",
            ),
            Prefetch("match__followups", queryset=FollowUp.objects.filter(person_id=person_id), to_attr="mine"),
        )
        .order_by("-round__published_at", "-id")
    )
    out: list[MyMatch] = []
    seen: set[int] = set()
    for m in members:
        program = m.round.setup.program
        if current_only and program.pk in seen:
            continue
        seen.add(program.pk)
        active = m.match.active_members  # type: ignore[attr-defined]
        others = [o.person for o in active if o.person_id != person_id]
        if not others:
            continue
        out.append(
            MyMatch(
                match=m.match,
                round=m.round,
                program=program,
                reasons=m.reasons,
                others=others,
                followup=m.match.mine[0] if m.match.mine else None,  # type: ignore[attr-defined]
            )
        )
    return out


def preference_for(*, person_id: int) -> MatchPreference | None:
    return MatchPreference.objects.filter(person_id=person_id).first()


def programs_for_member(*, person_id: int) -> list[Program]:
    """The matching programs whose audience includes the person (for opt-out buttons)."""
    out = []
    for program in matching_programs():
        if programs_queries.program_audience(program=program).filter(pk=person_id).exists():
            out.append(program)
    return out


def intro_list(*, person_id: int) -> dict[str, QuerySet[IntroRequest]]:
    qs = IntroRequest.objects.select_related("from_person__unit", "to_person__unit", "topic").order_by("-at", "-id")
    return {"received": qs.filter(to_person_id=person_id), "sent": qs.filter(from_person_id=person_id)}


def intro_get(*, intro_id: int) -> IntroRequest | None:
    return IntroRequest.objects.select_related("from_person", "to_person", "topic").filter(pk=intro_id).first()


@dataclass
class RoundHealth:
    round: MatchRound
    matches: int
    people: int
    met: int  # matches at least one member marked as met
    rated: int
    mean_rating: float | None
    followed_up: int  # people who answered the follow-up

    @property
    def meeting_rate(self) -> float:
        return self.met / self.matches if self.matches else 0.0

    @property
    def response_rate(self) -> float:
        return self.followed_up / self.people if self.people else 0.0

    @property
    def meeting_percent(self) -> int:
        return round(100 * self.meeting_rate)

    @property
    def response_percent(self) -> int:
        return round(100 * self.response_rate)


@dataclass
class Health:
    rounds: list[RoundHealth] = field(default_factory=list)

    @property
    def meeting_rate(self) -> float:
        matches = sum(r.matches for r in self.rounds)
        return sum(r.met for r in self.rounds) / matches if matches else 0.0

    @property
    def mean_rating(self) -> float | None:
        rated = sum(r.rated for r in self.rounds)
        if not rated:
            return None
        return sum((r.mean_rating or 0) * r.rated for r in self.rounds) / rated

    @property
    def drop_off(self) -> float | None:
        """How far participation fell from the first published round to the latest (share)."""
        if len(self.rounds) < 2 or not self.rounds[-1].people:
            return None
        first, last = self.rounds[0].people, self.rounds[-1].people
        return (first - last) / first if first else None


def program_health(*, setup_id: int) -> Health:
    """Per published round (oldest first): matches, people, meetings, ratings, follow-ups; in a
    fixed number of queries however many rounds there are."""
    rounds = list(MatchRound.objects.filter(setup_id=setup_id, status__in=SHOWN).order_by("number"))
    ids = [r.pk for r in rounds]
    people = dict(
        MatchMember.objects.filter(round_id__in=ids, dropped=False)
        .values("round_id")
        .annotate(n=Count("id"))
        .values_list("round_id", "n")
    )
    match_counts = dict(
        Match.objects.filter(round_id__in=ids)
        .annotate(alive=Count("members", filter=Q(members__dropped=False)))
        .filter(alive__gte=2)
        .values("round_id")
        .annotate(n=Count("id"))
        .values_list("round_id", "n")
    )
    met = dict(
        FollowUp.objects.filter(match__round_id__in=ids, met=True)
        .values("match__round_id")
        .annotate(n=Count("match_id", distinct=True))
        .values_list("match__round_id", "n")
    )
    ratings: dict[int, list[int]] = {}
    answered: dict[int, int] = {}
    for round_id, rating in FollowUp.objects.filter(match__round_id__in=ids).values_list("match__round_id", "rating"):
        answered[round_id] = answered.get(round_id, 0) + 1
        if rating is not None:
            ratings.setdefault(round_id, []).append(rating)
    return Health(
        rounds=[
            RoundHealth(
                round=r,
                matches=match_counts.get(r.pk, 0),
                people=people.get(r.pk, 0),
                met=met.get(r.pk, 0),
                rated=len(ratings.get(r.pk, [])),
                mean_rating=(sum(ratings[r.pk]) / len(ratings[r.pk])) if ratings.get(r.pk) else None,
                followed_up=answered.get(r.pk, 0),
            )
            for r in rounds
        ]
    )
