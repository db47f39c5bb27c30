"""The health of each mechanism a program names, read from the interaction stream.

Every mechanism records what happens in the stream (core), so its health is counted there
and scoped to the program's audience (events with someone of the audience at either end),
since the program's start. One ratio per mechanism decides its state; the thresholds are
the points below which a program owner should look:

- peer matching: pairs that met / pairs proposed (watch below 50%);
- active feedback loop: items closed / items routed (watch below 50%), and how many closed
  within their SLA;
- peer discussions: answers per question asked (watch below 1);
- recognition: people who gave kudos / the audience (watch below 10%; a count of people,
  so under the privacy floor it is not shown).

Co-creation and the peer army are not in Peerloop yet: their health says so rather than
showing zeros.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Q

from peerloop.core import queries as core_queries
from peerloop.insights.impact import PRIVACY_FLOOR

HEALTHY = "healthy"
WATCH = "needs attention"
IDLE = "no activity yet"
NOT_MEASURED = "not measured"

KINDS = (
    "match.paired",
    "match.met",
    "feedback.routed",
    "feedback.closed",
    "feedback.closed_within_sla",
    "discussion.asked",
    "discussion.answered",
    "discussion.lesson_posted",
    "discussion.lesson_adopted",
    "kudos.given",
)


@dataclass
class MechanismHealth:
    code: str
    label: str
    state: str
    summary: str
    figures: list[tuple[str, str]] = field(default_factory=list)


def _share(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "—"


def _events_by_kind(audience_ids: Sequence[int], since: datetime | None, until: datetime) -> dict[str, int]:
    """Events (not rows: an event has a row per target) of each kind touching the audience;
    pairs for matching."""
    rows = (
        core_queries.interaction_list(since=since, until=until)
        .filter(kind__in=KINDS)
        .filter(Q(actor_id__in=audience_ids) | Q(target_id__in=audience_ids))
        .order_by()
        .values("kind")
        .annotate(
            n=Count("event_id", distinct=True), matches=Count("object_id", distinct=True, filter=~Q(object_id=""))
        )
        .values_list("kind", "n", "matches")
    )
    # Each member of a pair reports its meeting: matching counts pairs (its object), not reports.
    return {kind: int(matches if kind.startswith("match.") else n) for kind, n, matches in rows}


def _kudos_givers(audience_ids: Sequence[int], since: datetime | None, until: datetime) -> int:
    return (
        core_queries.interaction_list(since=since, until=until)
        .filter(kind="kudos.given", actor_id__in=audience_ids)
        .order_by()
        .values("actor_id")
        .distinct()
        .count()
    )


def _matching(n: dict[str, int]) -> MechanismHealth:
    proposed, met = n.get("match.paired", 0), n.get("match.met", 0)
    figures = [("pairs proposed", str(proposed)), ("pairs that met", str(met)), ("met", _share(met, proposed))]
    if not proposed:
        return MechanismHealth("matching", "", IDLE, "No round has been published for this audience yet.", figures)
    ok = met / proposed >= 0.5
    summary = (
        f"{_share(met, proposed)} of the pairs proposed reported a meeting."
        if ok
        else f"Only {_share(met, proposed)} of the pairs proposed reported a meeting: check the follow-ups "
        "and whether the agenda gives people a reason to meet."
    )
    return MechanismHealth("matching", "", HEALTHY if ok else WATCH, summary, figures)


def _feedback(n: dict[str, int]) -> MechanismHealth:
    routed, closed = n.get("feedback.routed", 0), n.get("feedback.closed", 0)
    in_sla = n.get("feedback.closed_within_sla", 0)
    figures = [
        ("items routed", str(routed)),
        ("closed", f"{closed} ({_share(closed, routed)})"),
        ("closed within SLA", _share(in_sla, closed)),
    ]
    if not routed:
        return MechanismHealth("feedback_loop", "", IDLE, "No feedback has been routed to this audience yet.", figures)
    ok = closed / routed >= 0.5
    summary = (
        f"{_share(closed, routed)} of the routed items were closed with a root cause and a lesson."
        if ok
        else f"Only {_share(closed, routed)} of the routed items were closed: owners' inboxes are filling up."
    )
    return MechanismHealth("feedback_loop", "", HEALTHY if ok else WATCH, summary, figures)


def _discussions(n: dict[str, int]) -> MechanismHealth:
    asked, answered = n.get("discussion.asked", 0), n.get("discussion.answered", 0)
    lessons, adopted = n.get("discussion.lesson_posted", 0), n.get("discussion.lesson_adopted", 0)
    per_question = answered / asked if asked else 0.0
    figures = [
        ("questions", str(asked)),
        ("answers", str(answered)),
        ("answers per question", f"{per_question:.1f}" if asked else "—"),
        ("lessons shared", str(lessons)),
        ("lessons adopted", str(adopted)),
    ]
    if not asked and not lessons:
        summary = "Nobody in the audience has asked or shared a lesson yet."
        return MechanismHealth("discussions", "", IDLE, summary, figures)
    ok = (per_question >= 1.0) if asked else lessons > 0
    summary = (
        f"Questions get {per_question:.1f} answers each; {lessons} lessons shared, {adopted} adopted by peers."
        if ok
        else f'Questions get {per_question:.1f} answers each: use "who to ask" to invite peers who know.'
    )
    return MechanismHealth("discussions", "", HEALTHY if ok else WATCH, summary, figures)


def _recognition(n: dict[str, int], givers: int, audience: int) -> MechanismHealth:
    given = n.get("kudos.given", 0)
    shown = givers if givers == 0 or givers >= PRIVACY_FLOOR else None
    figures = [
        ("kudos given", str(given)),
        ("people who gave", "fewer than 5" if shown is None else str(shown)),
        ("of the audience", "—" if shown is None else _share(givers, audience)),
    ]
    if not given:
        return MechanismHealth("recognition", "", IDLE, "Nobody in the audience has given kudos yet.", figures)
    ok = audience > 0 and givers / audience >= 0.1
    summary = (
        f"{_share(givers, audience)} of the audience thanked a peer for what they learned."
        if ok and shown is not None
        else "Few people thank their peers yet: kudos work best tied to a lesson someone adopted."
    )
    if shown is None:
        ok = False
    return MechanismHealth("recognition", "", HEALTHY if ok else WATCH, summary, figures)


def mechanism_health(
    *,
    mechanisms: Sequence[str],
    labels: dict[str, str],
    audience_ids: Sequence[int],
    since: datetime | None,
    until: datetime,
) -> list[MechanismHealth]:
    """One health per mechanism the program names, in its order."""
    if not mechanisms:
        return []
    counts = _events_by_kind(audience_ids, since, until) if audience_ids else {}
    result = []
    for code in mechanisms:
        if code == "matching":
            health = _matching(counts)
        elif code == "feedback_loop":
            health = _feedback(counts)
        elif code == "discussions":
            health = _discussions(counts)
        elif code == "recognition":
            givers = _kudos_givers(audience_ids, since, until) if audience_ids else 0
            health = _recognition(counts, givers, len(audience_ids))
        else:
            health = MechanismHealth(
                code, "", NOT_MEASURED, "This mechanism is not in Peerloop yet, so its health cannot be measured."
            )
        health.label = labels.get(code, code)
        result.append(health)
    return result
