"""Reads of recognition: balances, statements, the feed, leaderboards, the insight hook."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from peerloop.people import queries as people_queries
from peerloop.programs import queries as programs_queries
from peerloop.recognition.models import (
    Account,
    BadgeAward,
    EarningRule,
    Flag,
    JournalEntry,
    Kudos,
    LeaderboardOptOut,
    Posting,
    Reaction,
    Redemption,
    Reward,
)
from peerloop.recognition.services.ledger import period_bounds
from peerloop.spaces import queries as spaces_queries


@dataclass(frozen=True)
class Balances:
    allowance: int
    points: int
    held: int


def balances_for(*, person_id: int) -> Balances:
    """A person's allowance left to give and received points, in one query; ``held`` are
    points of redemptions awaiting approval."""
    rows = dict(
        Posting.objects.filter(account__person_id=person_id)
        .values_list("account__kind")
        .annotate(total=Sum("amount"))
        .values_list("account__kind", "total")
    )
    held = Redemption.objects.filter(person_id=person_id, status=Redemption.Status.PENDING).aggregate(
        total=Sum("cost")
    )["total"]
    return Balances(
        allowance=int(rows.get(Account.Kind.ALLOWANCE, 0) or 0),
        points=int(rows.get(Account.Kind.POINTS, 0) or 0),
        held=int(held or 0),
    )


def account_balances(*, kind: str) -> QuerySet[Account]:
    """Accounts of a kind with their ``balance`` (budgets per unit, for admins)."""
    return (
        Account.objects.filter(kind=kind)
        .select_related("unit", "person")
        .annotate(balance=Sum("postings__amount"))
        .order_by("unit__name", "person__name", "id")
    )


def statement_for(*, person_id: int) -> QuerySet[Posting]:
    """Every posting on a person's accounts, newest first, with its entry."""
    return (
        Posting.objects.filter(account__person_id=person_id)
        .select_related("entry", "account")
        .order_by("-entry_id", "-id")
    )


def ledger_total() -> int:
    """The sum of every posting: zero, always."""
    return int(Posting.objects.aggregate(total=Sum("amount"))["total"] or 0)


def unbalanced_entries() -> QuerySet[JournalEntry]:
    """Entries whose postings do not sum to zero (there must be none)."""
    return JournalEntry.objects.annotate(total=Sum("postings__amount")).exclude(total=0)


def _kudos_base() -> QuerySet[Kudos]:
    return Kudos.objects.select_related(
        "giver", "giver__unit", "recipient", "recipient__unit", "value"
    ).prefetch_related("topics")


def feed(*, viewer_id: int | None, only_person_id: int | None = None) -> QuerySet[Kudos]:
    """Public kudos newest first, plus the private ones the viewer gave or received, with
    reaction counts and whether the viewer reacted."""
    visible = Q(public=True)
    if viewer_id is not None:
        visible |= Q(giver_id=viewer_id) | Q(recipient_id=viewer_id)
    qs = _kudos_base().filter(visible)
    if only_person_id is not None:
        qs = qs.filter(Q(giver_id=only_person_id) | Q(recipient_id=only_person_id))
    return qs.prefetch_related(
        Prefetch("reactions", queryset=Reaction.objects.only("id", "kudos_id", "person_id", "emoji"))
    )


def kudos_get(*, kudos_id: int, viewer_id: int | None, admin: bool = False) -> Kudos | None:
    kudos = _kudos_base().filter(pk=kudos_id).first()
    if kudos is None:
        return None
    if kudos.public or admin or viewer_id in (kudos.giver_id, kudos.recipient_id):
        return kudos
    return None


def kudos_list(*, ids: list[int]) -> QuerySet[Kudos]:
    return _kudos_base().filter(pk__in=ids).order_by("-at")


@dataclass(frozen=True)
class LeaderRow:
    person_id: int
    name: str
    unit: str
    points: int
    badges: int


def leaderboard(
    *, period: str, space_id: int | None = None, program_id: int | None = None, limit: int = 20
) -> list[LeaderRow]:
    """Who received the most points (kudos and rule awards) in a month, among a space's
    members or a program's audience when given; people who opted out never appear."""
    start, end = period_bounds(period)
    postings = Posting.objects.filter(
        account__kind=Account.Kind.POINTS,
        entry__kind__in=[JournalEntry.Kind.KUDOS, JournalEntry.Kind.AWARD],
        entry__at__gte=start,
        entry__at__lt=end,
        account__person__active=True,
    ).exclude(account__person_id__in=LeaderboardOptOut.objects.values("person_id"))
    if space_id is not None:
        members = spaces_queries.member_list(space_id=space_id).order_by().values("person_id")
        postings = postings.filter(account__person_id__in=members)
    if program_id is not None:
        program = programs_queries.program_get(program_id=program_id)
        if program is None:
            return []
        postings = postings.filter(
            account__person_id__in=programs_queries.program_audience(program=program).values("id")
        )
    rows = list(
        postings.values("account__person_id", "account__person__name", "account__person__unit__name")
        .annotate(points=Sum("amount"))
        .order_by("-points", "account__person__name")[:limit]
    )
    badge_counts = dict(
        BadgeAward.objects.filter(person_id__in=[r["account__person_id"] for r in rows])
        .values_list("person_id")
        .annotate(n=Count("id"))
        .values_list("person_id", "n")
    )
    return [
        LeaderRow(
            person_id=r["account__person_id"],
            name=r["account__person__name"],
            unit=r["account__person__unit__name"] or "",
            points=int(r["points"]),
            badges=badge_counts.get(r["account__person_id"], 0),
        )
        for r in rows
    ]


def opted_out(*, person_id: int) -> bool:
    return LeaderboardOptOut.objects.filter(person_id=person_id).exists()


def badges_for(*, person_id: int) -> QuerySet[BadgeAward]:
    return BadgeAward.objects.filter(person_id=person_id).select_related("badge")


def rule_list() -> QuerySet[EarningRule]:
    return EarningRule.objects.select_related("program", "badge").annotate(
        awarded=Count("awards", filter=Q(awards__capped=False))
    )


def reward_list(*, include_inactive: bool = False) -> QuerySet[Reward]:
    qs = Reward.objects.all()
    return qs if include_inactive else qs.filter(active=True)


def redemption_list(*, person_id: int) -> QuerySet[Redemption]:
    return Redemption.objects.filter(person_id=person_id).select_related("reward", "decided_by")


def redemptions_to_decide(*, person_id: int | None, admin: bool) -> QuerySet[Redemption]:
    """Pending redemptions the viewer may decide: their reports' (manager tier), all for admins."""
    qs = Redemption.objects.filter(status=Redemption.Status.PENDING).select_related("reward", "person", "unit")
    if admin:
        return qs.exclude(person_id=person_id) if person_id else qs
    if person_id is None:
        return qs.none()
    return qs.filter(approval=Reward.Approval.MANAGER, person__manager_id=person_id)


def redemption_get(*, redemption_id: int) -> Redemption | None:
    return Redemption.objects.select_related("reward", "person").filter(pk=redemption_id).first()


def flag_list(*, status: str | None = Flag.Status.OPEN) -> QuerySet[Flag]:
    qs = Flag.objects.all()
    return qs.filter(status=status) if status else qs


def flag_get(*, flag_id: int) -> Flag | None:
    return Flag.objects.filter(pk=flag_id).first()


def has_reports(*, person_id: int | None) -> bool:
    return person_id is not None and people_queries.direct_reports(person_id=person_id).exists()


@dataclass(frozen=True)
class TagCount:
    unit_id: int | None
    unit: str
    month: str
    kind: str  # "value" or "topic"
    tag: str
    kudos: int
    points: int


def recognition_by_unit(*, since: datetime | None = None, until: datetime | None = None) -> list[TagCount]:
    """Insight hook: which company values and topics are recognized where, per month.

    Counts kudos by the recipient's unit, month, and value or topic (private kudos count,
    their messages are not exposed)."""
    qs = Kudos.objects.all()
    if since is not None:
        qs = qs.filter(at__gte=since)
    if until is not None:
        qs = qs.filter(at__lt=until)
    qs = qs.annotate(month=TruncMonth("at"))
    rows: list[TagCount] = []
    by_value = (
        qs.exclude(value=None)
        .values("recipient__unit_id", "recipient__unit__name", "month", "value__name")
        .annotate(n=Count("id"), points=Sum("amount"))
        .order_by("month", "recipient__unit__name", "value__name")
    )
    for r in by_value:
        rows.append(
            TagCount(
                r["recipient__unit_id"],
                r["recipient__unit__name"] or "",
                r["month"].strftime("%Y-%m"),
                "value",
                r["value__name"],
                r["n"],
                int(r["points"] or 0),
            )
        )
    by_topic = (
        qs.filter(topics__isnull=False)
        .values("recipient__unit_id", "recipient__unit__name", "month", "topics__name")
        .annotate(n=Count("id"), points=Sum("amount"))
        .order_by("month", "recipient__unit__name", "topics__name")
    )
    for t in by_topic:
        rows.append(
            TagCount(
                t["recipient__unit_id"],
                t["recipient__unit__name"] or "",
                t["month"].strftime("%Y-%m"),
                "topic",
                t["topics__name"],
                t["n"],
                int(t["points"] or 0),
            )
        )
    return rows


@dataclass(frozen=True)
class KudosText:
    unit_id: int | None
    month: str
    value: str
    message: str


def recognition_texts(
    *, since: datetime | None = None, until: datetime | None = None, limit: int = 10000
) -> list[KudosText]:
    """Insight hook: the messages of public kudos by the recipient's unit and month, for
    text mining (private kudos never leave the two people)."""
    qs = Kudos.objects.filter(public=True)
    if since is not None:
        qs = qs.filter(at__gte=since)
    if until is not None:
        qs = qs.filter(at__lt=until)
    rows = qs.order_by("at", "id").values_list("recipient__unit_id", "at", "value__name", "message")[:limit]
    return [KudosText(unit, at.strftime("%Y-%m"), value or "", message) for unit, at, value, message in rows]
