"""Reads of the feedback loop: inboxes, items, queues, lessons, loop health, relative
positions among peer units, and the outer loop (topics and segments over time)."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import median
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet
from django.utils import timezone

from peerloop.feedback.models import (
    OPEN_STATES,
    FeedbackItem,
    FeedbackSource,
    FeedbackTag,
    FeedbackTransition,
    ItemState,
    Lesson,
    RoutingRule,
    Survey,
    WebhookDelivery,
    WebhookEndpoint,
)
from peerloop.people import queries as people_queries
from peerloop.programs import queries as programs_queries
from peerloop.vocabulary import queries as vocabulary_queries

WINDOW = timedelta(days=30)


def _with_related(qs: QuerySet[FeedbackItem]) -> QuerySet[FeedbackItem]:
    return qs.select_related("source", "owner", "region", "unit").prefetch_related("tags__topic")


def inbox(*, person_id: int, state: str | None = None, open_only: bool = True) -> QuerySet[FeedbackItem]:
    """A person's items, newest first."""
    qs = FeedbackItem.objects.filter(owner_id=person_id)
    if state:
        qs = qs.filter(state=state)
    elif open_only:
        qs = qs.filter(state__in=OPEN_STATES)
    return _with_related(qs).order_by("-received_at", "-id")


def inbox_counts(*, person_id: int) -> dict[str, int]:
    rows = FeedbackItem.objects.filter(owner_id=person_id).order_by().values_list("state").annotate(n=Count("id"))
    counts = dict.fromkeys(ItemState.values, 0)
    counts.update(dict(rows))
    return counts


def item_list(
    *, state: str | None = None, fallback: bool | None = None, triage: bool | None = None,
    owner_id: int | None = None, topic_id: int | None = None, source_id: int | None = None,
) -> QuerySet[FeedbackItem]:  # fmt: skip
    qs = FeedbackItem.objects.all()
    if state:
        qs = qs.filter(state=state)
    if fallback is not None:
        qs = qs.filter(in_fallback=fallback)
        if fallback:
            qs = qs.filter(state__in=OPEN_STATES)
    if triage is not None:
        qs = qs.filter(needs_triage=triage)
    if owner_id is not None:
        qs = qs.filter(owner_id=owner_id)
    if topic_id is not None:
        qs = qs.filter(tags__topic_id=topic_id)
    if source_id is not None:
        qs = qs.filter(source_id=source_id)
    return _with_related(qs).order_by("-received_at", "-id")


def item_get(*, item_id: int) -> FeedbackItem | None:
    return _with_related(FeedbackItem.objects.filter(pk=item_id)).first()


def item_transitions(*, item_id: int) -> QuerySet[FeedbackTransition]:
    return FeedbackTransition.objects.filter(item_id=item_id).select_related("by", "owner").order_by("at", "id")


def item_lessons(*, item_id: int) -> QuerySet[Lesson]:
    return Lesson.objects.filter(item_id=item_id).select_related("author").order_by("-created_at", "-id")


def lesson_get(*, lesson_id: int) -> Lesson | None:
    return Lesson.objects.select_related("author", "author__unit", "item").filter(pk=lesson_id).first()


def lesson_shared_ids(*, lesson: Lesson) -> set[int]:
    return set(lesson.shared_with.values_list("id", flat=True))


def lessons_for(*, person_id: int) -> QuerySet[Lesson]:
    """Lessons a person wrote or received."""
    return (
        Lesson.objects.filter(Q(author_id=person_id) | Q(shared_with__id=person_id))
        .select_related("author", "author__unit")
        .distinct()
        .order_by("-created_at", "-id")
    )


def source_list() -> QuerySet[FeedbackSource]:
    return FeedbackSource.objects.annotate(item_count=Count("items")).order_by("name", "id")


def source_get(*, source_id: int) -> FeedbackSource | None:
    return FeedbackSource.objects.filter(pk=source_id).first()


def webhook_endpoint_list() -> QuerySet[WebhookEndpoint]:
    """Every outgoing webhook endpoint with its count of dead deliveries."""
    return WebhookEndpoint.objects.annotate(
        dead=Count("deliveries", filter=Q(deliveries__status=WebhookDelivery.Status.DEAD))
    ).order_by("name", "id")


def webhook_endpoint_get(*, endpoint_id: int) -> WebhookEndpoint | None:
    if not 0 < endpoint_id < 2**63:
        return None
    return WebhookEndpoint.objects.filter(pk=endpoint_id).first()


def webhook_delivery_list(*, endpoint_id: int, status: str | None = None) -> QuerySet[WebhookDelivery]:
    """An endpoint's delivery log, newest first."""
    qs = WebhookDelivery.objects.filter(endpoint_id=endpoint_id)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def rule_list() -> QuerySet[RoutingRule]:
    return RoutingRule.objects.select_related("topic", "region", "unit").order_by("priority", "id")


def rule_get(*, rule_id: int) -> RoutingRule | None:
    return RoutingRule.objects.filter(pk=rule_id).first()


def survey_list(*, space_ids: set[int] | None = None, internal: bool = True) -> QuerySet[Survey]:
    """Active surveys a person may answer: all when internal, else those of their spaces."""
    qs = Survey.objects.filter(active=True).select_related("space")
    if not internal:
        qs = qs.filter(space_id__in=list(space_ids or []))
    return qs.order_by("-created_at", "-id")


def survey_get(*, survey_id: int) -> Survey | None:
    return Survey.objects.select_related("space").filter(pk=survey_id).first()


# --- loop health -----------------------------------------------------------------------


@dataclass
class StageLatency:
    stage: str
    count: int
    median_seconds: float | None
    p90_seconds: float | None


def _quantile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, int(q * (len(values) - 1) + 0.5))]


def loop_health(*, since: datetime | None = None, sample: int = 5000) -> dict[str, Any]:
    """Volumes by state, the queues, and latency per stage (received → routed →
    acknowledged → closed) over the items received since ``since`` (30 days)."""
    since = since or timezone.now() - WINDOW
    recent = FeedbackItem.objects.filter(received_at__gte=since)
    states = dict(recent.order_by().values_list("state").annotate(n=Count("id")))
    rows = list(
        recent.order_by("-id").values_list("received_at", "routed_at", "acknowledged_at", "closed_at", "due_at")[
            :sample
        ]
    )
    stages: dict[str, list[float]] = {"routing": [], "acknowledging": [], "closing": []}
    within = closed = 0
    for received, routed, acked, closed_at, due in rows:
        # Clamped at 0: items routed at a time given by the caller (the demo) may show
        # a stage ending a few milliseconds before it began.
        if routed:
            stages["routing"].append(max(0.0, (routed - received).total_seconds()))
        if routed and acked:
            stages["acknowledging"].append(max(0.0, (acked - routed).total_seconds()))
        if acked and closed_at:
            stages["closing"].append(max(0.0, (closed_at - acked).total_seconds()))
        if closed_at:
            closed += 1
            within += int(due is not None and closed_at <= due)
    latency = [
        StageLatency(name, len(values), median(values) if values else None, _quantile(values, 0.9))
        for name, values in stages.items()
    ]
    return {
        "since": since,
        "total": sum(states.values()),
        "states": {s: states.get(s, 0) for s in ItemState.values},
        "fallback": FeedbackItem.objects.filter(in_fallback=True, state__in=OPEN_STATES).count(),
        "triage": FeedbackItem.objects.filter(needs_triage=True, state__in=OPEN_STATES).count(),
        "overdue": FeedbackItem.objects.filter(state=ItemState.ROUTED, due_at__lt=timezone.now()).count(),
        "latency": latency,
        "closed_within_sla": round(100 * within / closed) if closed else None,
        "lessons": Lesson.objects.filter(created_at__gte=since).count(),
    }


# --- the outer loop --------------------------------------------------------------------


@dataclass
class TopicTrend:
    topic_id: int
    name: str
    volume: int
    previous: int
    mean_score: float | None
    emerging: bool
    segments: list[tuple[str, int]] = field(default_factory=list)

    @property
    def change(self) -> float | None:
        return None if not self.previous else (self.volume - self.previous) / self.previous


def outer_loop(*, now: datetime | None = None, window: timedelta = WINDOW, min_volume: int = 5) -> list[TopicTrend]:
    """Per topic: items in the last window and the one before, the mean score, volume per
    segment; *emerging* when the volume at least doubled and reaches ``min_volume``."""
    now = now or timezone.now()
    start, before = now - window, now - 2 * window
    tags = FeedbackTag.objects.filter(item__occurred_at__gte=before, item__occurred_at__lt=now).order_by()
    current = dict(tags.filter(item__occurred_at__gte=start).values_list("topic_id").annotate(n=Count("id")))
    previous = dict(tags.filter(item__occurred_at__lt=start).values_list("topic_id").annotate(n=Count("id")))
    scores = dict(
        tags.filter(item__occurred_at__gte=start, item__score__isnull=False)
        .values_list("topic_id")
        .annotate(s=Avg("item__score"))
    )
    segments: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for topic_id, segment, n in (
        tags.filter(item__occurred_at__gte=start)
        .values_list("topic_id", "item__segment")
        .annotate(n=Count("id"))
        .order_by("topic_id", "-n")
    ):
        segments[topic_id].append((segment or "(none)", n))
    names = dict(vocabulary_queries.topic_list().filter(pk__in=set(current) | set(previous)).values_list("id", "name"))
    trends = [
        TopicTrend(
            topic_id=t,
            name=names.get(t, "?"),
            volume=current.get(t, 0),
            previous=previous.get(t, 0),
            mean_score=scores.get(t),
            emerging=current.get(t, 0) >= min_volume and current.get(t, 0) >= 2 * previous.get(t, 0),
            segments=segments.get(t, [])[:5],
        )
        for t in set(current) | set(previous)
    ]
    return sorted(trends, key=lambda t: (-t.emerging, -t.volume, t.name))


def weekly_volumes(
    *, topic_id: int | None = None, weeks: int = 8, now: datetime | None = None
) -> list[tuple[str, int]]:
    """Items per week (oldest first), for a topic or all."""
    now = now or timezone.now()
    start = now - timedelta(weeks=weeks)
    qs = FeedbackItem.objects.filter(occurred_at__gte=start, occurred_at__lt=now)
    if topic_id is not None:
        qs = qs.filter(tags__topic_id=topic_id)
    counts = [0] * weeks
    for occurred in qs.values_list("occurred_at", flat=True).iterator():
        index = min(weeks - 1, int((occurred - start).total_seconds() // (7 * 86400)))
        counts[index] += 1
    return [((start + timedelta(weeks=i)).strftime("%d %b"), counts[i]) for i in range(weeks)]


# --- relative positions ----------------------------------------------------------------


@dataclass
class Standing:
    label: str
    code: str
    direction: str  # "higher" or "lower" is better
    my_value: float | None
    rank: int | None
    of: int
    best_unit: str
    best_value: float | None
    best_person_id: int | None
    best_person_name: str
    values: list[tuple[str, float, bool]]  # (unit name, value, is mine), best first


def _standing(label: str, code: str, direction: str, per_unit: dict[int, float], my_unit: int, names: dict[int, str],
              best_people: dict[int, tuple[int, str]]) -> Standing:  # fmt: skip
    ordered = sorted(per_unit.items(), key=lambda kv: kv[1], reverse=direction == "higher")
    rank = next((i + 1 for i, (u, _) in enumerate(ordered) if u == my_unit), None)
    best_unit, best_value = ordered[0] if ordered else (None, None)
    person = best_people.get(best_unit) if best_unit is not None and best_unit != my_unit else None
    return Standing(
        label=label,
        code=code,
        direction=direction,
        my_value=per_unit.get(my_unit),
        rank=rank,
        of=len(ordered),
        best_unit=names.get(best_unit, "") if best_unit is not None else "",
        best_value=best_value,
        best_person_id=person[0] if person else None,
        best_person_name=person[1] if person else "",
        values=[(names.get(u, "?"), v, u == my_unit) for u, v in ordered],
    )


def relative_positions(*, person_id: int, now: datetime | None = None) -> dict[str, Any]:
    """Where the person's unit stands among peer units (units of people at the same
    level and role family): on every metric's latest period, and on the feedback's own
    mean score over 90 days; who does best, and the peer there to learn from."""
    now = now or timezone.now()
    me = people_queries.person_get(person_id=person_id)
    if me is None or me.unit_id is None or me.level is None:
        return {"me": me, "standings": [], "peers": 0}
    peers = people_queries.person_list(levels=[me.level], role_families=[me.role_family] if me.role_family else None)
    peer_rows = list(peers.filter(kind="employee", unit__isnull=False).values_list("id", "name", "unit_id"))
    best_people: dict[int, tuple[int, str]] = {}
    for pid, name, unit_id in peer_rows:
        best_people.setdefault(unit_id, (pid, name))
    unit_ids = {u for _, _, u in peer_rows}
    names = dict(people_queries.unit_list().filter(pk__in=unit_ids).values_list("id", "name"))
    standings: list[Standing] = []
    for metric in programs_queries.metric_list():
        series = list(
            programs_queries.metric_value_series(metric_id=metric.pk, unit_ids=unit_ids).values_list(
                "unit_id", "period_start", "value"
            )
        )
        if not series:
            continue
        latest = max(p for _, p, _ in series)
        per_unit = {u: v for u, p, v in series if p == latest and u is not None}
        if me.unit_id not in per_unit or len(per_unit) < 2:
            continue
        direction = "lower" if metric.direction == "lower" else "higher"
        label = f"{metric.name} ({latest:%b %Y})"
        standings.append(_standing(label, metric.code, direction, per_unit, me.unit_id, names, best_people))
    owners_units: dict[int, int] = {pid: u for pid, _, u in peer_rows}
    scored = (
        FeedbackItem.objects.filter(
            owner_id__in=list(owners_units), score__isnull=False, received_at__gte=now - timedelta(days=90)
        )
        .order_by()
        .values_list("owner_id")
        .annotate(s=Avg("score"), n=Count("id"))
    )
    per_unit_scores: dict[int, list[tuple[float, int]]] = defaultdict(list)
    for owner_id, s, n in scored:
        per_unit_scores[owners_units[owner_id]].append((s, n))
    per_unit = {
        u: round(sum(s * n for s, n in pairs) / sum(n for _, n in pairs), 2) for u, pairs in per_unit_scores.items()
    }
    if me.unit_id in per_unit and len(per_unit) >= 2:
        standings.append(
            _standing("Feedback score (90 days)", "feedback-score", "higher", per_unit, me.unit_id, names, best_people)
        )
    return {"me": me, "standings": standings, "peers": len(unit_ids)}
