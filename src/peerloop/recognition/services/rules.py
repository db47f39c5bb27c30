"""Earning rules: points and badges for what the interaction stream says people did."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from peerloop.core import queries as core_queries
from peerloop.core import services as core_services
from peerloop.core.permissions import NotFound
from peerloop.core.roles import Actor
from peerloop.people import queries as people_queries
from peerloop.programs import queries as programs_queries
from peerloop.recognition.models import (
    Account,
    Badge,
    BadgeAward,
    EarningRule,
    JournalEntry,
    RuleAward,
    StreamCursor,
)
from peerloop.recognition.permissions import require_manage
from peerloop.recognition.services.ledger import account_for, entry_post, period_of, system_account

# Events of the interaction stream a rule may reward (the contract between the modules).
EVENT_KINDS = {
    "discussion.answer_accepted": "An answer of theirs was accepted",
    "discussion.lesson_endorsed": "A lesson of theirs was endorsed",
    "discussion.lesson_adopted": "A lesson of theirs was adopted",
    "discussion.session_attended": "They attended a peer session",
    "discussion.playbook_merged": "Their playbook proposal was merged",
    "feedback.closed_within_sla": "They closed a feedback loop within its SLA",
    "feedback.lesson_shared": "They shared a lesson from feedback",
    "match.met": "They met their peer",
    "match.rated": "They met their peer and rated the match",
}
CURSOR = "rules"
# Rows are re-read this far behind the cursor on every run: a row written by a
# transaction that committed after a later id was read is still picked up, and the
# unique constraint on awards makes the re-read harmless.
OVERLAP = 500


@dataclass
class ApplyReport:
    read: int = 0
    awarded: int = 0
    capped: int = 0
    points: int = 0


def rule_save(
    *,
    actor: Actor,
    name: str,
    event_kind: str,
    beneficiary: str,
    points: int,
    cap_per_period: int,
    program_id: int | None = None,
    badge_name: str = "",
    cross_unit_only: bool = False,
    active: bool = True,
    rule_id: int | None = None,
) -> EarningRule:
    """An admin creates or changes an earning rule (audited)."""
    require_manage(actor, write=True)
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = "Name the rule."
    if event_kind not in EVENT_KINDS:
        errors["event_kind"] = f"{event_kind!r} is not an event a rule can reward."
    if beneficiary not in EarningRule.Beneficiary.values:
        errors["beneficiary"] = "Choose actor or target."
    if points <= 0:
        errors["points"] = "A rule awards at least 1 point."
    if cap_per_period <= 0:
        errors["cap_per_period"] = "The cap is at least 1 award per person and month."
    if program_id is not None and programs_queries.program_get(program_id=program_id) is None:
        errors["program_id"] = f"No program {program_id}."
    if errors:
        raise ValidationError(errors)
    badge = None
    if badge_name.strip():
        slug = slugify(badge_name)[:80] or "badge"
        badge, _ = Badge.objects.get_or_create(slug=slug, defaults={"name": badge_name.strip()[:120]})
    fields = {
        "name": name.strip()[:120],
        "event_kind": event_kind,
        "beneficiary": beneficiary,
        "points": points,
        "cap_per_period": cap_per_period,
        "program_id": program_id,
        "badge": badge,
        "cross_unit_only": cross_unit_only,
        "active": active,
    }
    with transaction.atomic():
        if rule_id is None:
            rule = EarningRule.objects.create(**fields)
        else:
            rule = EarningRule.objects.select_for_update().filter(pk=rule_id).first()  # type: ignore[assignment]
            if rule is None:
                raise ValidationError({"rule_id": f"No rule {rule_id}."})
            for field, value in fields.items():
                setattr(rule, field, value)
            rule.save()
        core_services.audit_record(
            actor=actor,
            action="recognition.rule_save",
            object_type="earning_rule",
            object_id=rule.pk,
            object_repr=rule.name,
            changes={k: v for k, v in fields.items() if k != "badge"} | {"badge": badge.slug if badge else ""},
        )
    return rule


def rule_set_active(*, actor: Actor, rule_id: int, active: bool) -> EarningRule:
    """An admin turns a rule off (it awards nothing for later events) or back on (audited)."""
    require_manage(actor, write=True)
    with transaction.atomic():
        rule = EarningRule.objects.select_for_update().filter(pk=rule_id).first()
        if rule is None:
            raise NotFound()
        rule.active = active
        rule.save(update_fields=["active", "updated_at"])
        core_services.audit_record(
            actor=actor,
            action="recognition.rule_active",
            object_type="earning_rule",
            object_id=rule.pk,
            object_repr=rule.name,
            changes={"active": active},
        )
    return rule


def _award(rule: EarningRule, row, person_id: int, report: ApplyReport) -> None:  # type: ignore[no-untyped-def]
    if RuleAward.objects.filter(rule=rule, event_id=row.event_id, person_id=person_id).exists():
        return
    period = period_of(row.occurred_at)
    try:
        with transaction.atomic():
            points = account_for(kind=Account.Kind.POINTS, person_id=person_id)
            # One writer at a time per person, so the cap is counted exactly.
            Account.objects.select_for_update().filter(pk=points.pk).exists()
            count = RuleAward.objects.filter(rule=rule, person_id=person_id, period=period, capped=False).count()
            if count >= rule.cap_per_period:
                RuleAward.objects.create(
                    rule=rule,
                    event_id=row.event_id,
                    interaction_id=row.id,
                    person_id=person_id,
                    period=period,
                    capped=True,
                )
                report.capped += 1
                return
            entry = entry_post(
                kind=JournalEntry.Kind.AWARD,
                legs=[(points, rule.points), (system_account(Account.Kind.ISSUANCE), -rule.points)],
                memo=rule.name,
            )
            RuleAward.objects.create(
                rule=rule, event_id=row.event_id, interaction_id=row.id, person_id=person_id, period=period, entry=entry
            )
            if rule.badge_id:
                BadgeAward.objects.get_or_create(
                    badge_id=rule.badge_id, person_id=person_id, defaults={"program_id": rule.program_id}
                )
            report.awarded += 1
            report.points += rule.points
    except IntegrityError:
        return  # a concurrent run awarded it


def rules_apply(*, from_start: bool = False, batch: int = 1000) -> ApplyReport:
    """Award the active rules for the stream's events after the cursor (all of them with
    ``from_start``). Replaying awards nothing twice: each (rule, event, person) is
    considered once, enforced by a unique constraint."""
    report = ApplyReport()
    rules = list(EarningRule.objects.filter(active=True))
    if not rules:
        return report
    by_kind: dict[str, list[EarningRule]] = {}
    for rule in rules:
        by_kind.setdefault(rule.event_kind, []).append(rule)
    audiences: dict[int, set[int]] = {}
    for rule in rules:
        if rule.program_id and rule.program_id not in audiences:
            program = programs_queries.program_get(program_id=rule.program_id)
            ids = programs_queries.program_audience(program=program).values_list("id", flat=True) if program else []
            audiences[rule.program_id] = set(ids)
    units = dict(people_queries.person_list(include_inactive=True).values_list("id", "unit_id"))
    cursor, _ = StreamCursor.objects.get_or_create(name=CURSOR)
    after = 0 if from_start else max(0, cursor.last_id - OVERLAP)
    last = cursor.last_id
    while True:
        rows = core_queries.interaction_after(after_id=after, kinds=sorted(by_kind), limit=batch)
        if not rows:
            break
        for row in rows:
            report.read += 1
            for rule in by_kind.get(row.kind, []):
                person_id = row.actor_id if rule.beneficiary == EarningRule.Beneficiary.ACTOR else row.target_id
                if person_id is None:
                    continue
                if rule.program_id and person_id not in audiences.get(rule.program_id, set()):
                    continue
                if rule.cross_unit_only and (
                    row.target_id is None or units.get(row.actor_id) == units.get(row.target_id)
                ):
                    continue
                _award(rule, row, person_id, report)
        after = rows[-1].id
        last = max(last, after)
    StreamCursor.objects.filter(pk=cursor.pk, last_id__lt=last).update(last_id=last)
    return report
