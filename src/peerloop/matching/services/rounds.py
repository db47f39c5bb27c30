"""The round lifecycle: configure a program's matching, preview a round, publish it."""

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
import numpy as np

from peerloop.core.roles import SYSTEM, Actor
from peerloop.core.services import InteractionEvent, audit_record, interaction_record_many
from peerloop.matching import engine
from peerloop.matching.engine_core import Prepared
from peerloop.matching.models import (
    Cadence,
    Match,
    MatchingSetup,
    MatchMember,
    MatchRound,
    Mode,
    Unmatched,
)
from peerloop.matching.services import _pool, requests
from peerloop.matching.services._common import UNSET, agenda_for, program_for_owner, site_url, suggested_meeting
from peerloop.notifications import services as notifications
from peerloop.notifications.calendar import ics_event
from peerloop.notifications.dataclasses import EmailAttachment
from peerloop.people import queries as people_queries
from peerloop.programs import queries as programs_queries

CADENCE_DAYS = {Cadence.WEEKLY: 7, Cadence.BIWEEKLY: 14, Cadence.MONTHLY: 28}


# --- setup ------------------------------------------------------------------------------


def _clean_criteria(criteria: Mapping[str, Any] | None) -> dict[str, Any]:
    values = dict(criteria or {})
    unknown = sorted(set(values) - _pool.CRITERIA_FIELDS)
    if unknown:
        raise ValidationError({"criteria": f"Unknown criteria: {', '.join(unknown)}."})
    for name, value in values.items():
        default = engine.Criteria.__dataclass_fields__[name].default
        if isinstance(default, bool):
            ok = isinstance(value, bool)
        elif isinstance(default, int | float) and not isinstance(default, bool):
            ok = isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 100
        else:
            ok = value is None or isinstance(value, str)
        if not ok:
            raise ValidationError({"criteria": f"{name}: {value!r} is not a valid value."})
    if isinstance(values.get("max_level_gap"), float):
        values["max_level_gap"] = int(values["max_level_gap"])
    if isinstance(values.get("no_repeat_rounds"), float):
        values["no_repeat_rounds"] = int(values["no_repeat_rounds"])
    try:
        engine.Criteria(**values)
    except (TypeError, ValueError) as exc:
        raise ValidationError({"criteria": str(exc)}) from exc
    return values


def _clean_seats(seats: Mapping[str, Any] | None) -> dict[str, int]:
    out: dict[str, int] = {}
    for family, count in (seats or {}).items():
        name = " ".join(str(family).split())[:80]
        if not name or not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 10:
            raise ValidationError({"seats": f"{family!r}: give a role family and 1 to 10 seats."})
        out[name] = count
    if out and not 2 <= sum(out.values()) <= 12:
        raise ValidationError({"seats": "A group has 2 to 12 seats in all."})
    return out


def setup_save(
    *,
    actor: Actor,
    program_id: int,
    cadence: str = Cadence.MONTHLY,
    mode: str = Mode.PAIRS,
    group_size: int = 4,
    seats: Mapping[str, int] | None = None,
    criteria: Mapping[str, Any] | None = None,
    metric_id: int | None = None,
    allow_relax_cross_unit: bool = False,
    next_run_at: datetime | None = UNSET,
) -> MatchingSetup:
    """Create or change the matching of a program (its owner or an admin; the program must
    have the matching mechanism). Writes one audit row."""
    program = program_for_owner(actor=actor, program_id=program_id)
    if "matching" not in (program.mechanisms or []):
        raise ValidationError({"program_id": "Add peer matching to the program's mechanisms first."})
    if cadence not in Cadence.values:
        raise ValidationError({"cadence": f"Choose one of {', '.join(Cadence.values)}."})
    if mode not in Mode.values:
        raise ValidationError({"mode": f"Choose one of {', '.join(Mode.values)}."})
    if not isinstance(group_size, int) or not 2 <= group_size <= 12:
        raise ValidationError({"group_size": "A group has 2 to 12 people."})
    clean_criteria = _clean_criteria(criteria)
    clean_seats = _clean_seats(seats)
    if mode == Mode.COMPOSER and not clean_seats:
        raise ValidationError({"seats": "Composed groups need seats per role family, e.g. sales: 2, operations: 1."})
    if mode == Mode.LEARNING:
        if metric_id is None or programs_queries.metric_get(metric_id=metric_id) is None:
            raise ValidationError({"metric_id": "Learning pairs need a metric."})
    elif metric_id is not None and programs_queries.metric_get(metric_id=metric_id) is None:
        raise ValidationError({"metric_id": "No such metric."})
    with transaction.atomic():
        setup, created = MatchingSetup.objects.select_for_update().get_or_create(program_id=program.pk)
        setup.cadence = cadence
        setup.mode = mode
        setup.group_size = group_size
        setup.seats = clean_seats
        setup.criteria = clean_criteria
        setup.metric_id = metric_id
        setup.allow_relax_cross_unit = bool(allow_relax_cross_unit)
        if next_run_at is not UNSET:
            setup.next_run_at = next_run_at
        setup.save()
        audit_record(
            actor=actor,
            action="matching.setup_create" if created else "matching.setup_update",
            object_type="matching.setup",
            object_id=setup.pk,
            object_repr=program.name,
            changes={
                "cadence": cadence,
                "mode": mode,
                "group_size": group_size,
                "allow_relax_cross_unit": setup.allow_relax_cross_unit,
                "criteria": clean_criteria,
            },
        )
    return setup


# --- preview ----------------------------------------------------------------------------


def _lookup_reasons(graph: engine.CandidateGraph | None, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The graph's reason bits of the pairs a-b (0 where the graph has no such edge)."""
    if graph is None or len(graph) == 0 or len(a) == 0:
        return np.zeros(len(a), dtype=np.uint32)
    keys = graph.u.astype(np.int64) * graph.n + graph.v
    order = np.argsort(keys)
    sorted_keys = keys[order]
    wanted = np.minimum(a, b).astype(np.int64) * graph.n + np.maximum(a, b)
    pos = np.minimum(np.searchsorted(sorted_keys, wanted), len(sorted_keys) - 1)
    found = sorted_keys[pos] == wanted
    return np.where(found, graph.reasons[order[pos]], 0).astype(np.uint32)


def _one_unit_message(data: _pool.PoolData, criteria: engine.Criteria) -> str:
    if data.pool.n < 2 or data.units_in_pool != 1 or criteria.different_unit != "required":
        return ""
    unit_id = int(data.pool.unit[0])
    name = data.names.get("unit", {}).get(unit_id, "one unit")
    if criteria.allow_relax_cross_unit:
        return f"Everyone in this round is in {name}: pairs within the unit were allowed, as the setup permits."
    return (
        f"Everyone in this round is in {name}, so no cross-unit pair exists. Allow relaxing the cross-unit rule "
        "in the setup, or widen the audience."
    )


def _run_engine(
    setup: MatchingSetup, data: _pool.PoolData, criteria: engine.Criteria, constraints: engine.Constraints, seed: int
) -> tuple[list[np.ndarray], dict[int, str], engine.CandidateGraph | None, Any]:
    pool = data.pool
    if setup.mode in (Mode.CIRCLES, Mode.COMPOSER):
        grouping = engine.form_groups(
            pool,
            criteria,
            constraints,
            size=setup.group_size,
            seats=setup.seats if setup.mode == Mode.COMPOSER else None,
            seed=seed,
            names=data.names,
        )
        return [np.asarray(g) for g in grouping.groups], dict(grouping.unmatched), None, grouping
    graph = engine.candidates(pool, criteria, constraints, seed=seed, names=data.names)
    matching = engine.match_pairs(graph, pool.n, seed=seed)
    groups = [np.asarray(p) for p in matching.pairs] + [np.asarray(t) for t in matching.trios]
    return groups, dict(matching.unmatched), graph, matching


def round_preview(*, actor: Actor, setup_id: int, seed: int | None = None) -> MatchRound:
    """Propose the next round of a setup: run the engine over the program's audience (minus
    opted-out and paused people), store the matches with their reasons, the unmatched with
    why, and the statistics. A preview not yet published is replaced."""
    setup = MatchingSetup.objects.select_related("program", "metric").filter(pk=setup_id).first()
    if setup is None:
        raise ValidationError({"setup_id": "No such matching setup."})
    program_for_owner(actor=actor, program_id=setup.program_id)
    now = timezone.now()
    with transaction.atomic():
        setup = (
            MatchingSetup.objects.select_for_update(of=("self",)).select_related("program", "metric").get(pk=setup.pk)
        )
        data = _pool.setup_pool(setup, today=now.date())
        if data.pool.n == 0:
            if data.excluded:
                raise ValidationError(
                    "Everyone in the audience has opted out of this program or paused matching: nobody to match."
                )
            raise ValidationError("The program's audience is empty: nobody to match. Widen the audience first.")
        criteria = _pool.criteria_for(setup)
        ids = [int(p) for p in data.pool.person_ids]
        constraints = engine.Constraints(
            recent_pairs=_pool.recent_pairs(setup, rounds=criteria.no_repeat_rounds),
            blocked_pairs=_pool.blocked_pairs(ids),
        )
        last = MatchRound.objects.filter(setup=setup).exclude(status=MatchRound.Status.PREVIEW)
        number = (last.aggregate(n=Max("number"))["n"] or 0) + 1
        MatchRound.objects.filter(setup=setup, status=MatchRound.Status.PREVIEW).delete()
        seed = number if seed is None else seed
        groups, unmatched, graph, result = _run_engine(setup, data, criteria, constraints, seed)
        requested = requests.Requested()
        if setup.mode in (Mode.PAIRS, Mode.LEARNING):
            requested = requests.learning_requests(data, constraints, now=now)
            if requested.pairs:
                groups, unmatched = requests.apply_requests(data, criteria, constraints, groups, unmatched, requested)
                result = requests.as_matching(groups, unmatched, float(getattr(result, "weight", 0.0)))
        stats: dict[str, Any] = dict(engine.round_stats(data.pool, result, graph, constraints=constraints))
        stats["excluded"] = data.excluded
        stats["message"] = _one_unit_message(data, criteria)
        round_ = MatchRound.objects.create(setup=setup, number=number, stats=stats)
        _store_matches(round_, setup, data, criteria, constraints, groups, graph, requested.reasons)
        Unmatched.objects.bulk_create(
            [
                Unmatched(round=round_, person_id=ids[i], reason=(why or "no suitable peer")[:300])
                for i, why in sorted(unmatched.items())
            ]
        )
    return round_


def _store_matches(
    round_: MatchRound,
    setup: MatchingSetup,
    data: _pool.PoolData,
    criteria: engine.Criteria,
    constraints: engine.Constraints,
    groups: list[np.ndarray],
    graph: engine.CandidateGraph | None,
    asked: Mapping[tuple[int, int], str] | None = None,
) -> None:
    pool = data.pool
    asked = asked or {}
    a_list: list[int] = []
    b_list: list[int] = []
    for g in groups:
        for x in g:
            for y in g:
                if x != y:
                    a_list.append(int(x))
                    b_list.append(int(y))
    a, b = np.asarray(a_list, dtype=np.int64), np.asarray(b_list, dtype=np.int64)
    if len(a):
        weight, bits, _ = Prepared(pool, criteria, constraints).score(a, b)
        bits = bits | _lookup_reasons(graph, a, b)
    else:
        weight, bits = np.empty(0), np.empty(0, dtype=np.uint32)
    pair_bits = {(int(x), int(y)): int(r) for x, y, r in zip(a, b, bits, strict=True)}
    pair_weight = {(int(x), int(y)): float(w) for x, y, w in zip(a, b, weight, strict=True)}
    topic_names = data.names.get("topic", {})
    kind = Match.Kind.CIRCLE if setup.mode in (Mode.CIRCLES, Mode.COMPOSER) else None
    matches: list[Match] = []
    member_rows: list[list[tuple[int, list[str]]]] = []
    for g in groups:
        members = [int(i) for i in g]
        shared = frozenset.intersection(*(pool.topics[i] for i in members)) if members else frozenset()
        shared_names = sorted(topic_names.get(t, "") for t in shared if topic_names.get(t))
        if len(shared_names) < 2 and len(members) > 2:
            # In circles, topics most members follow make a better agenda than those all share.
            counts: dict[int, int] = {}
            for i in members:
                for t in pool.topics[i]:
                    counts[t] = counts.get(t, 0) + 1
            common = [t for t, c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if c >= 2]
            shared_names = [topic_names[t] for t in common if t in topic_names][:3]
        rows: list[tuple[int, list[str]]] = []
        for i in members:
            words: list[str] = []
            for j in members:
                if j == i:
                    continue
                said = engine.explain(pool, i, j, pair_bits[(i, j)], names=data.names)
                if (i, j) in asked:
                    said = [asked[(i, j)], *said]
                if len(members) > 2:
                    first = data.names.get("person", {}).get(int(pool.person_ids[j]), "a peer")
                    said = [f"with {first}: {s}" for s in said[:2]]
                words.extend(s for s in said if s not in words)
            rows.append((int(pool.person_ids[i]), words[:8]))
        total = sum(pair_weight[(x, y)] for x in members for y in members if x < y)
        matches.append(
            Match(
                round=round_,
                kind=kind or (Match.Kind.TRIO if len(members) == 3 else Match.Kind.PAIR),
                reasons=rows[0][1] if rows else [],
                agenda=agenda_for(shared_names),
                weight=round(total, 3),
            )
        )
        member_rows.append(rows)
    Match.objects.bulk_create(matches, batch_size=1000)
    MatchMember.objects.bulk_create(
        [
            MatchMember(match=match, round=round_, person_id=pid, reasons=reasons)
            for match, rows in zip(matches, member_rows, strict=True)
            for pid, reasons in rows
        ],
        batch_size=2000,
    )


# --- publish ----------------------------------------------------------------------------


def round_publish(*, actor: Actor, round_id: int) -> MatchRound:
    """Publish a previewed round and tell every member. Publishing a round already published
    is a no-op; of two concurrent publishes exactly one does the work. People deactivated
    since the preview are dropped; a partner left alone is paired with another such partner
    when possible, else told."""
    found = MatchRound.objects.filter(pk=round_id).values_list("setup__program_id", flat=True).first()
    if found is None:
        raise ValidationError({"round_id": "No such round."})
    program = program_for_owner(actor=actor, program_id=found)
    notices: list[dict[str, Any]] = []
    with transaction.atomic():
        round_ = MatchRound.objects.select_for_update().get(pk=round_id)
        if round_.status != MatchRound.Status.PREVIEW:
            return round_
        now = timezone.now()
        members = list(MatchMember.objects.filter(round=round_, dropped=False).select_related("match"))
        person_ids = [m.person_id for m in members]
        people = {p.pk: p for p in people_queries.person_list(include_inactive=True).filter(id__in=person_ids)}
        gone = {pid for pid in person_ids if pid not in people or not people[pid].active}
        by_match: dict[int, list[MatchMember]] = {}
        for m in members:
            by_match.setdefault(m.match_id, []).append(m)
        if gone:
            _drop_gone(round_, by_match, gone, people, notices)
        published = 0
        events: list[InteractionEvent] = []
        match_by_id = {m.match_id: m.match for m in members}
        scheduled: list[Match] = []
        for match_id, group in by_match.items():
            alive = [m for m in group if m.person_id not in gone and not m.dropped]
            if len(alive) < 2:
                continue
            match = match_by_id[match_id]
            offsets = [_pool._offset_hours(people[m.person_id].timezone, now.date()) for m in alive]
            match.meeting_suggested_at = suggested_meeting(now, offsets)
            scheduled.append(match)
            published += 1
            ids = [m.person_id for m in alive]
            events.append(
                InteractionEvent(
                    kind="match.paired",
                    actor_id=ids[0],
                    target_ids=ids[1:],
                    object_type="matching.match",
                    object_id=match.pk,
                    occurred_at=now,
                )
            )
            for m in alive:
                notices.append(_paired_notice(program.name, round_, match, m, [people[o.person_id] for o in alive]))
        Match.objects.bulk_update(scheduled, ["meeting_suggested_at"], batch_size=1000)
        round_.status = MatchRound.Status.PUBLISHED
        round_.published_at = now
        round_.published_by_id = actor.user_id
        round_.stats = {**round_.stats, "published_matches": published, "dropped": len(gone)}
        round_.save(update_fields=["status", "published_at", "published_by", "stats"])
        if events:
            interaction_record_many(events=events)
        for u in Unmatched.objects.filter(round=round_).exclude(person_id__in=gone):
            notices.append(
                {
                    "recipient_id": u.person_id,
                    "kind": "match.unmatched",
                    "title": f"No match for you in round {round_.number} of {program.name}",
                    "body": f"Why: {u.reason}. You stay in the next round.",
                    "url": site_url("matching:mine"),
                    "dedupe_key": f"match-unmatched-{round_.pk}-{u.person_id}",
                }
            )
        for notice in notices:
            notifications.notify(**notice)
        audit_record(
            actor=actor,
            action="matching.round_publish",
            object_type="matching.round",
            object_id=round_.pk,
            object_repr=f"{program.name}: round {round_.number}",
            changes={"matches": published, "dropped": len(gone)},
        )
        if round_.setup.cadence == Cadence.ONCE:
            MatchingSetup.objects.filter(pk=round_.setup_id).update(next_run_at=None)
    return round_


def _drop_gone(
    round_: MatchRound,
    by_match: dict[int, list[MatchMember]],
    gone: set[int],
    people: Mapping[int, Any],
    notices: list[dict[str, Any]],
) -> None:
    """Drop deactivated people; pair the partners they leave alone with each other, or tell them."""
    MatchMember.objects.filter(round=round_, person_id__in=gone).update(dropped=True)
    alone: list[MatchMember] = []
    for match_id, group in list(by_match.items()):
        alive = [m for m in group if m.person_id not in gone]
        if len(alive) == 1 and len(group) > 1:
            alone.append(alive[0])
            by_match[match_id] = [m for m in group if m.person_id in gone]
    blocked = _pool.blocked_pairs([m.person_id for m in alone])
    while alone:
        first = alone.pop(0)
        partner = next(
            (
                m
                for m in alone
                if _pool.pair_key(first.person_id, m.person_id) not in blocked
                and people[m.person_id].unit_id != people[first.person_id].unit_id
            ),
            None,
        )
        if partner is not None:
            alone.remove(partner)
            names = f"{people[first.person_id].name} and {people[partner.person_id].name}"
            MatchMember.objects.filter(pk=partner.pk).update(match=first.match)
            partner.match = first.match
            partner.match_id = first.match_id
            by_match[first.match_id] = [first, partner]
            reason = f"re-paired: {names}'s partners left before the round was published"
            first.match.reasons = [reason]
            first.match.save(update_fields=["reasons"])
            MatchMember.objects.filter(pk__in=[first.pk, partner.pk]).update(reasons=[reason])
            continue
        MatchMember.objects.filter(pk=first.pk).update(dropped=True)
        first.dropped = True
        Unmatched.objects.create(
            round=round_, person_id=first.person_id, reason="your partner is no longer active; nobody else was free"
        )


def _paired_notice(
    program_name: str, round_: MatchRound, match: Match, member: MatchMember, people: list[Any]
) -> dict[str, Any]:
    others = [p for p in people if p.pk != member.person_id]
    who = " and ".join(p.name for p in others)
    start = match.meeting_suggested_at or timezone.now()
    url = site_url("matching:mine")
    description = "Why you were matched: " + "; ".join(member.reasons) + "\n\nSuggested agenda:\n" + match.agenda
    ics = ics_event(
        uid=f"peerloop-match-{match.pk}@peerloop",
        title=f"Peer meeting: {', '.join(p.name for p in people)}",
        description=description,
        start=start,
        end=start + timedelta(minutes=30),
        organizer_email=parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or "peerloop@localhost",
        attendee_emails=[p.email for p in people if p.email],
        url=url,
    )
    return {
        "recipient_id": member.person_id,
        "kind": "match.paired",
        "title": f"You are matched with {who} ({program_name}, round {round_.number})",
        "body": description,
        "url": url,
        "dedupe_key": f"match-paired-{match.pk}-{member.person_id}",
        "email": True,
        "email_attachments": [EmailAttachment(filename="peer-meeting.ics", content_type="text/calendar", content=ics)],
    }


# --- schedule ---------------------------------------------------------------------------


def next_run_after(cadence: str, when: datetime) -> datetime | None:
    days = CADENCE_DAYS.get(Cadence(cadence)) if cadence in Cadence.values else None
    return when + timedelta(days=days) if days else None


def round_run_due(*, setup_id: int, now: datetime | None = None) -> MatchRound | None:
    """Preview and publish the setup's round when it is due, then schedule the next by its
    cadence. Safe to run twice: the second run finds the setup no longer due."""
    now = now or timezone.now()
    with transaction.atomic():
        setup = MatchingSetup.objects.select_for_update().filter(pk=setup_id).first()
        if setup is None or setup.next_run_at is None or setup.next_run_at > now:
            return None
        due = setup.next_run_at
        nxt = next_run_after(setup.cadence, due)
        while nxt is not None and nxt <= now:
            nxt = next_run_after(setup.cadence, nxt)
        setup.next_run_at = nxt
        setup.save(update_fields=["next_run_at"])
        try:
            with transaction.atomic():
                round_ = round_preview(actor=SYSTEM, setup_id=setup.pk)
                return round_publish(actor=SYSTEM, round_id=round_.pk)
        except ValidationError:
            # Nobody to match this time (empty audience, everyone opted out): try at the next date.
            return None


def setups_due(*, now: datetime | None = None) -> list[int]:
    return list(
        MatchingSetup.objects.filter(next_run_at__lte=now or timezone.now()).order_by("id").values_list("id", flat=True)
    )


def today() -> date:
    return timezone.localdate()
