"""Kudos and the monthly allowance they are given from."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.urls import reverse

from peerloop.core import services as core_services
from peerloop.core.permissions import NotFound, require, require_internal, require_write
from peerloop.core.roles import SYSTEM, Actor
from peerloop.notifications import services as notification_services
from peerloop.people import queries as people_queries
from peerloop.people.models import Person
from peerloop.programs import queries as programs_queries
from peerloop.recognition.models import Account, AllowancePolicy, JournalEntry, Kudos, Posting, Reaction
from peerloop.recognition.permissions import require_manage
from peerloop.recognition.services.ledger import (
    account_for,
    balance_of,
    entry_once,
    entry_post,
    lock_accounts,
    period_of,
    system_account,
)
from peerloop.vocabulary import queries as vocabulary_queries

MESSAGE_MAX = 1000
ABOUT_TYPES = ("thread", "post", "lesson", "session", "feedback_item")
MAX_ID = 2**31  # ids beyond any integer column: refused as unknown rather than sent to the database


@dataclass(frozen=True)
class Allowance:
    amount: int
    per_recipient_cap: int


def default_allowance() -> Allowance:
    return Allowance(
        amount=int(getattr(settings, "PEERLOOP_KUDOS_ALLOWANCE", 100)),
        per_recipient_cap=int(getattr(settings, "PEERLOOP_KUDOS_PER_RECIPIENT_CAP", 50)),
    )


class AllowanceResolver:
    """The allowance of each person, from the policies loaded once (for a grant run)."""

    def __init__(self) -> None:
        self.policies = list(AllowancePolicy.objects.all())
        self.unit_parents: dict[int, int | None] = {}
        if any(p.scope == AllowancePolicy.Scope.UNIT for p in self.policies):
            self.unit_parents = dict(people_queries.unit_list().values_list("id", "parent_id"))
        self.audiences: dict[int, set[int]] = {}
        for policy in self.policies:
            if policy.scope == AllowancePolicy.Scope.PROGRAM and policy.program_id not in self.audiences:
                program = programs_queries.program_get(program_id=policy.program_id)  # type: ignore[arg-type]
                ids = programs_queries.program_audience(program=program).values_list("id", flat=True) if program else []
                self.audiences[policy.program_id] = set(ids)  # type: ignore[index]

    def _units(self, unit_id: int | None) -> set[int]:
        chain: set[int] = set()
        while unit_id is not None and unit_id not in chain:
            chain.add(unit_id)
            unit_id = self.unit_parents.get(unit_id)
        return chain

    def for_person(self, person: Person) -> Allowance:
        role = person.user.role if person.user_id else ""  # type: ignore[union-attr]
        units = self._units(person.unit_id)
        matching = [
            p
            for p in self.policies
            if p.scope == AllowancePolicy.Scope.EVERYONE
            or (p.scope == AllowancePolicy.Scope.ROLE and p.role == role)
            or (p.scope == AllowancePolicy.Scope.UNIT and p.unit_id in units)
            or (p.scope == AllowancePolicy.Scope.PROGRAM and person.pk in self.audiences.get(p.program_id or 0, ()))
        ]
        if not matching:
            return default_allowance()
        best = max(matching, key=lambda p: (p.amount, p.per_recipient_cap))
        return Allowance(amount=best.amount, per_recipient_cap=best.per_recipient_cap)


def _grant(person: Person, allowance: Allowance, period: str, allowance_account: Account) -> None:
    """Expire what is left of earlier months, then grant this month's allowance (once each).

    The caller holds the lock on the allowance account."""
    if JournalEntry.objects.filter(key=f"grant:{person.pk}:{period}").exists():
        return
    left = balance_of(allowance_account.pk)
    if left > 0:
        entry_once(
            key=f"expire:{person.pk}:{period}",
            kind=JournalEntry.Kind.EXPIRY,
            legs=[(allowance_account, -left), (system_account(Account.Kind.EXPIRY), left)],
            memo=f"Allowance left before {period} expired",
        )
    entry_once(
        key=f"grant:{person.pk}:{period}",
        kind=JournalEntry.Kind.GRANT,
        legs=[(allowance_account, allowance.amount), (system_account(Account.Kind.ISSUANCE), -allowance.amount)],
        memo=f"Allowance for {period}",
    )


def allowance_grant(*, period: str | None = None, person_ids: Iterable[int] | None = None, batch: int = 500) -> int:
    """Grant every active employee (or those given) this month's allowance, expiring what
    is left of earlier months first. Safe to run any number of times; returns grants made.

    Works in batches: per batch, one transaction locks the batch's allowance accounts and
    writes all its entries and postings in bulk."""
    period = period or period_of()
    resolver = AllowanceResolver()
    people = people_queries.person_list().filter(kind=Person.Kind.EMPLOYEE).select_related("user")
    if person_ids is not None:
        people = people.filter(pk__in=list(person_ids))
    made = 0
    chunk: list[Person] = []
    for person in people.iterator(chunk_size=batch):
        chunk.append(person)
        if len(chunk) >= batch:
            made += _grant_batch(chunk, period, resolver)
            chunk = []
    if chunk:
        made += _grant_batch(chunk, period, resolver)
    return made


def _grant_batch(people: list[Person], period: str, resolver: AllowanceResolver) -> int:
    ids = [p.pk for p in people]
    Account.objects.bulk_create(
        [Account(kind=Account.Kind.ALLOWANCE, person_id=pid) for pid in ids], ignore_conflicts=True
    )
    issuance = system_account(Account.Kind.ISSUANCE)
    expiry = system_account(Account.Kind.EXPIRY)
    with transaction.atomic():
        accounts = dict(
            Account.objects.select_for_update()
            .filter(kind=Account.Kind.ALLOWANCE, person_id__in=ids)
            .order_by("pk")
            .values_list("person_id", "pk")
        )
        keys = [f"grant:{pid}:{period}" for pid in ids]
        done = set(JournalEntry.objects.filter(key__in=keys).values_list("key", flat=True))
        todo = [p for p in people if f"grant:{p.pk}:{period}" not in done]
        if not todo:
            return 0
        left = dict(
            Posting.objects.filter(account_id__in=[accounts[p.pk] for p in todo])
            .values_list("account_id")
            .annotate(total=Sum("amount"))
            .values_list("account_id", "total")
        )
        entries: list[JournalEntry] = []
        legs: list[list[tuple[int, int]]] = []
        for person in todo:
            account_id = accounts[person.pk]
            remaining = int(left.get(account_id) or 0)
            if remaining > 0:
                entries.append(
                    JournalEntry(
                        kind=JournalEntry.Kind.EXPIRY,
                        key=f"expire:{person.pk}:{period}",
                        memo=f"Allowance left before {period} expired",
                    )
                )
                legs.append([(account_id, -remaining), (expiry.pk, remaining)])
            amount = resolver.for_person(person).amount
            entries.append(
                JournalEntry(
                    kind=JournalEntry.Kind.GRANT, key=f"grant:{person.pk}:{period}", memo=f"Allowance for {period}"
                )
            )
            legs.append([(account_id, amount), (issuance.pk, -amount)])
        created = JournalEntry.objects.bulk_create(entries)
        postings: list[Posting] = []
        for entry, pair in zip(created, legs, strict=True):
            assert entry.pk is not None and sum(amount for _, amount in pair) == 0
            postings.extend(Posting(entry_id=entry.pk, account_id=acc, amount=amount) for acc, amount in pair)
        Posting.objects.bulk_create(postings)
    return len(todo)


def policy_save(
    *,
    actor: Actor,
    scope: str,
    amount: int,
    per_recipient_cap: int,
    role: str = "",
    unit_id: int | None = None,
    program_id: int | None = None,
) -> AllowancePolicy:
    """An admin sets the monthly allowance of everyone, a site role, a unit or a program's audience."""
    require_manage(actor, write=True)
    errors: dict[str, str] = {}
    if scope not in AllowancePolicy.Scope.values:
        errors["scope"] = "Choose everyone, role, unit or program."
    if amount <= 0:
        errors["amount"] = "An allowance is at least 1 point a month."
    if per_recipient_cap <= 0:
        errors["per_recipient_cap"] = "The cap per recipient is at least 1 point."
    if scope == AllowancePolicy.Scope.ROLE and not role:
        errors["role"] = "Name the site role."
    if scope == AllowancePolicy.Scope.UNIT and (unit_id is None or people_queries.unit_get(unit_id=unit_id) is None):
        errors["unit_id"] = "Choose an existing unit."
    if scope == AllowancePolicy.Scope.PROGRAM and (
        program_id is None or programs_queries.program_get(program_id=program_id) is None
    ):
        errors["program_id"] = "Choose an existing program."
    if errors:
        raise ValidationError(errors)
    policy = AllowancePolicy.objects.create(
        scope=scope,
        amount=amount,
        per_recipient_cap=per_recipient_cap,
        role=role if scope == AllowancePolicy.Scope.ROLE else "",
        unit_id=unit_id if scope == AllowancePolicy.Scope.UNIT else None,
        program_id=program_id if scope == AllowancePolicy.Scope.PROGRAM else None,
    )
    core_services.audit_record(
        actor=actor,
        action="recognition.policy_save",
        object_type="allowance_policy",
        object_id=policy.pk,
        changes={"scope": scope, "amount": amount, "per_recipient_cap": per_recipient_cap},
    )
    return policy


def kudos_give(
    *,
    actor: Actor,
    recipient_id: int,
    amount: int,
    message: str,
    value_id: int | None = None,
    topic_ids: Sequence[int] = (),
    public: bool = True,
    giver_id: int | None = None,
    idempotency_key: str | None = None,
    about_type: str = "",
    about_id: str | int = "",
) -> Kudos:
    """Give kudos from the actor's allowance to a colleague (``giver_id``: on behalf of
    someone, for the system's own work such as the demo and imports only).

    Refused with a ValidationError naming the field: a zero or negative amount, oneself,
    a deactivated person or a guest, more than the allowance left, more than the monthly
    cap to one person, an empty or too long message, an unknown value or topic.

    With ``idempotency_key`` (a double click, a retried request), the giver's first kudos
    with that key is returned again and nothing new is written; the same key with other
    kudos is refused.
    """
    if giver_id is not None:
        require(actor == SYSTEM, message="Only the system gives kudos on someone's behalf.")
    else:
        require_internal(actor)
        require_write(actor)
        giver_id = actor.person_id
    if giver_id is None:
        raise NotFound()
    giver = people_queries.person_get(person_id=giver_id)
    if giver is None or not giver.active:
        raise NotFound()
    errors: dict[str, str] = {}
    recipient = people_queries.person_get(person_id=recipient_id) if 0 < recipient_id < MAX_ID else None
    if recipient is None:
        errors["recipient_id"] = f"No person {recipient_id}."
    elif recipient.pk == giver.pk:
        errors["recipient_id"] = "You cannot give kudos to yourself."
    elif not recipient.active:
        errors["recipient_id"] = f"{recipient.name} is deactivated and cannot receive kudos."
    elif recipient.kind != Person.Kind.EMPLOYEE:
        errors["recipient_id"] = f"{recipient.name} is a guest; kudos go to colleagues."
    if amount <= 0:
        errors["amount"] = f"Give at least 1 point ({amount} is not a positive amount)."
    message = (message or "").strip()
    if not message:
        errors["message"] = "Say what you are thanking them for."
    elif len(message) > MESSAGE_MAX:
        errors["message"] = f"Keep the message under {MESSAGE_MAX} characters ({len(message)} now)."
    if value_id is not None and (
        not 0 < value_id < MAX_ID or vocabulary_queries.company_value_get(value_id=value_id) is None
    ):
        errors["value_id"] = f"No company value {value_id}."
    topic_ids = sorted(set(topic_ids))
    if topic_ids:
        valid = [t for t in topic_ids if 0 < t < MAX_ID]
        found = set(vocabulary_queries.topic_list().filter(pk__in=valid).values_list("pk", flat=True))
        missing = [t for t in topic_ids if t not in found]
        if missing:
            errors["topic_ids"] = f"No topic {', '.join(map(str, missing))}."
    about_id = str(about_id or "").strip()
    if about_type and (about_type not in ABOUT_TYPES or not about_id or len(about_id) > 64):
        errors["about_type"] = f"Kudos can be about a {', '.join(ABOUT_TYPES)}, with its id."
    elif about_id and not about_type:
        errors["about_type"] = "Say what the kudos is about (thread, post, lesson...)."
    if errors:
        raise ValidationError(errors)
    assert recipient is not None
    period = period_of()
    with transaction.atomic():
        allowance_account = account_for(kind=Account.Kind.ALLOWANCE, person_id=giver.pk)
        points_account = account_for(kind=Account.Kind.POINTS, person_id=recipient.pk)
        # The lock on the giver's allowance serializes their kudos: the cap and the
        # balance below are read by one writer at a time.
        lock_accounts([allowance_account.pk])
        entry_key = f"kudos:{giver.pk}:{idempotency_key[:80]}" if idempotency_key else None
        if entry_key is not None:
            earlier = Kudos.objects.filter(entry__key=entry_key).first()
            if earlier is not None:
                same = (earlier.recipient_id, earlier.amount, earlier.message, earlier.value_id, earlier.public) == (
                    recipient.pk,
                    amount,
                    message,
                    value_id,
                    public,
                )
                if not same:
                    raise ValidationError({"idempotency_key": "This key was already used for other kudos."})
                return earlier
        allowance = AllowanceResolver().for_person(giver)
        _grant(giver, allowance, period, allowance_account)
        given = (
            Kudos.objects.filter(giver=giver, recipient=recipient, period=period).aggregate(total=Sum("amount"))[
                "total"
            ]
            or 0
        )
        if given + amount > allowance.per_recipient_cap:
            raise ValidationError(
                {
                    "amount": f"You can give {recipient.name} at most {allowance.per_recipient_cap} points a month; "
                    f"you have given {given} this month."
                }
            )
        left = balance_of(allowance_account.pk)
        if amount > left:
            raise ValidationError(
                {"amount": f"You have {left} points left to give this month; {amount} is more than that."}
            )
        entry = entry_post(
            kind=JournalEntry.Kind.KUDOS,
            legs=[(allowance_account, -amount), (points_account, amount)],
            memo=f"Kudos from {giver.name} to {recipient.name}",
            created_by_id=actor.user_id,
            checked=True,
            key=entry_key,
        )
        kudos = Kudos.objects.create(
            giver=giver,
            recipient=recipient,
            amount=amount,
            message=message,
            value_id=value_id,
            public=public,
            entry=entry,
            period=period,
            about_type=about_type,
            about_id=about_id,
        )
        if topic_ids:
            kudos.topics.set(topic_ids)
        core_services.interaction_record(
            kind="kudos.given",
            actor_id=giver.pk,
            target_ids=[recipient.pk],
            object_type="kudos",
            object_id=kudos.pk,
            weight=float(amount),
        )
        notification_services.notify(
            recipient_id=recipient.pk,
            kind="kudos.received",
            title=f"{giver.name} gave you kudos ({amount} points)",
            body=message[:300],
            url=reverse("recognition:statement"),
        )
    return kudos


def reaction_toggle(*, actor: Actor, kudos_id: int, emoji: str) -> bool:
    """Add the actor's reaction to a public kudos, or take it back; True when it is now there."""
    require_internal(actor)
    require_write(actor)
    if actor.person_id is None:
        raise NotFound()
    kudos = Kudos.objects.filter(pk=kudos_id).first()
    visible = kudos is not None and (kudos.public or actor.person_id in (kudos.giver_id, kudos.recipient_id))
    if not visible:
        raise NotFound()
    if emoji not in Reaction.Emoji.values:
        raise ValidationError({"emoji": f"Choose one of {', '.join(Reaction.Emoji.values)}."})
    existing = Reaction.objects.filter(kudos_id=kudos_id, person_id=actor.person_id, emoji=emoji)
    if existing.exists():
        existing.delete()
        return False
    try:
        with transaction.atomic():
            Reaction.objects.create(kudos_id=kudos_id, person_id=actor.person_id, emoji=emoji)
    except IntegrityError:
        pass  # the same reaction from a double click
    return True
