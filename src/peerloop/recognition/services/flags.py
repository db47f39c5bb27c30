"""Anti-gaming: flags for reciprocal rings and manager-to-report concentration, and the
leaderboard opt-out."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from peerloop.core import services as core_services
from peerloop.core.permissions import NotFound, require_internal, require_write
from peerloop.core.roles import Actor
from peerloop.people import queries as people_queries
from peerloop.recognition import rings
from peerloop.recognition.models import Flag, Kudos, LeaderboardOptOut
from peerloop.recognition.permissions import require_manage

WINDOW_DAYS = 90


@dataclass
class DetectReport:
    rings: int = 0
    concentrations: int = 0
    new: int = 0


def _flag(kind: str, key: str, people: list[int], evidence: dict, start: datetime, end: datetime) -> bool:
    """Create the flag, or refresh the evidence of an open one; True when it is new."""
    existing = Flag.objects.filter(key=key).first()
    if existing is not None:
        if existing.status == Flag.Status.OPEN:
            existing.evidence = evidence
            existing.window_start, existing.window_end = start, end
            existing.save(update_fields=["evidence", "window_start", "window_end", "updated_at"])
        return False
    try:
        with transaction.atomic():
            Flag.objects.create(
                kind=kind, key=key, people=people, evidence=evidence, window_start=start, window_end=end
            )
    except IntegrityError:
        return False
    return True


def flags_detect(*, now: datetime | None = None, window_days: int = WINDOW_DAYS, min_kudos: int = 2) -> DetectReport:
    """Look at the kudos of the last ``window_days`` for rings (every hop at least
    ``min_kudos`` kudos) and managers whose kudos go mostly to their reports. Safe to run
    again: a flag is keyed by its people, and a dismissed flag stays dismissed."""
    end = now or timezone.now()
    start = end - timedelta(days=window_days)
    kudos = list(
        Kudos.objects.filter(at__gte=start, at__lt=end).values_list("id", "giver_id", "recipient_id", "amount")
    )
    report = DetectReport()
    pairs = [(giver, recipient) for _, giver, recipient, _ in kudos]
    names = {}
    found = rings.find_rings(pairs, min_kudos=min_kudos)
    involved = {p for ring in found for p in ring.people}
    managers = dict(people_queries.person_list(include_inactive=True).values_list("id", "manager_id"))
    reports_of: dict[int, set[int]] = {}
    for person_id, manager_id in managers.items():
        if manager_id is not None:
            reports_of.setdefault(manager_id, set()).add(person_id)
    heavy = rings.concentration(pairs, reports_of)
    involved |= {row[0] for row in heavy}
    if involved:
        names = dict(
            people_queries.person_list(include_inactive=True).filter(pk__in=involved).values_list("id", "name")
        )
    for ring in found:
        members = set(ring.people)
        ids = [k for k, g, r, _ in kudos if g in members and r in members][:50]
        hops = [
            {
                "from": ring.people[i],
                "from_name": names.get(ring.people[i], ""),
                "to": ring.people[(i + 1) % ring.size],
                "to_name": names.get(ring.people[(i + 1) % ring.size], ""),
                "kudos": ring.kudos_per_edge[i],
            }
            for i in range(ring.size)
        ]
        key = "ring:" + "-".join(map(str, ring.people))
        report.rings += 1
        evidence = {"hops": hops, "kudos_ids": ids, "window_days": window_days}
        report.new += _flag(Flag.Kind.RING, key, list(ring.people), evidence, start, end)
    for manager, to_reports, total, share in heavy:
        recipients = [r for _, g, r, _ in kudos if g == manager]
        evidence = {
            "manager": manager,
            "manager_name": names.get(manager, ""),
            "to_reports": to_reports,
            "total": total,
            "share": round(share, 3),
            "kudos_ids": [k for k, g, _, _ in kudos if g == manager][:50],
            "recipients": sorted(set(recipients)),
        }
        report.concentrations += 1
        report.new += _flag(Flag.Kind.CONCENTRATION, f"concentration:{manager}", [manager], evidence, start, end)
    return report


def flag_dismiss(*, actor: Actor, flag_id: int, note: str = "") -> Flag:
    """An admin dismisses a flag they looked into (audited); it is not raised again."""
    require_manage(actor, write=True)
    flag = Flag.objects.filter(pk=flag_id).first()
    if flag is None:
        raise NotFound()
    flag.status = Flag.Status.DISMISSED
    flag.save(update_fields=["status", "updated_at"])
    core_services.audit_record(
        actor=actor,
        action="recognition.flag_dismiss",
        object_type="flag",
        object_id=flag.pk,
        object_repr=flag.key,
        changes={"note": note[:300]},
    )
    return flag


def leaderboard_opt(*, actor: Actor, opt_out: bool) -> bool:
    """The actor leaves (or rejoins) every leaderboard; returns whether they are out."""
    require_internal(actor)
    require_write(actor)
    if actor.person_id is None:
        raise NotFound()
    if opt_out:
        LeaderboardOptOut.objects.get_or_create(person_id=actor.person_id)
    else:
        LeaderboardOptOut.objects.filter(person_id=actor.person_id).delete()
    return opt_out
