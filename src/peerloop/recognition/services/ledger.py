"""The ledger: every movement of points is one balanced journal entry.

Nothing here updates or deletes a row. A balance is the sum of an account's postings;
a write that must not take an account below zero locks the account row first
(``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's immediate transactions serialize
writers), then reads the sum, so two writers can never both spend the same points.
"""

from collections.abc import Sequence
from datetime import UTC, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from peerloop.core import services as core_services
from peerloop.core.roles import Actor
from peerloop.people import queries as people_queries
from peerloop.recognition.models import Account, JournalEntry, Posting
from peerloop.recognition.permissions import require_manage

Leg = tuple[Account, int]


def period_of(when: datetime | None = None) -> str:
    """The month (YYYY-MM, UTC) allowances, caps and leaderboards count in."""
    when = (when or timezone.now()).astimezone(UTC)
    return f"{when.year:04d}-{when.month:02d}"


def period_bounds(period: str) -> tuple[datetime, datetime]:
    """[start, end) of a YYYY-MM period in UTC; ValidationError for anything else."""
    try:
        year, month = (int(part) for part in period.split("-"))
        start = datetime(year, month, 1, tzinfo=UTC)
    except ValueError:
        raise ValidationError({"period": f"{period!r} is not a month like 2026-01."}) from None
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
    return start, end


def account_for(*, kind: str, person_id: int | None = None, unit_id: int | None = None) -> Account:
    """The account of this kind for a person, a unit or the system, created on first use."""
    lookup = {"kind": kind, "person_id": person_id, "unit_id": unit_id}
    found = Account.objects.filter(**lookup).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return Account.objects.create(**lookup)
    except IntegrityError:  # created by a concurrent transaction
        return Account.objects.get(**lookup)


def system_account(kind: str) -> Account:
    return account_for(kind=kind)


def balance_of(account_id: int) -> int:
    """An account's balance: the sum of its postings."""
    return int(Posting.objects.filter(account_id=account_id).aggregate(total=Sum("amount"))["total"] or 0)


def lock_accounts(account_ids: Sequence[int]) -> None:
    """Lock account rows in id order (so two writers never wait on each other in a cycle)."""
    ids = sorted(set(account_ids))
    list(Account.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))


def entry_post(
    *,
    kind: str,
    legs: Sequence[Leg],
    memo: str = "",
    reason: str = "",
    created_by_id: int | None = None,
    key: str | None = None,
    shortfall: dict[int, str] | None = None,
    checked: bool = False,
) -> JournalEntry:
    """Write one balanced entry. Accounts that lose points are locked and must stay at or
    above zero (except the issuance account); ``shortfall`` names the field and message of
    the ValidationError for an account that would go below zero (``{account_id: "field|message"}``).

    Raises ValueError for an unbalanced or empty entry (a programming error) and
    ValidationError when an account would be overdrawn; nothing is written then.
    ``checked``: the caller already holds the locks of the accounts that lose points and
    has checked their balances in this transaction.
    """
    if len(legs) < 2 or any(amount == 0 for _, amount in legs):
        raise ValueError("an entry needs at least two legs, none of them zero")
    if sum(amount for _, amount in legs) != 0:
        raise ValueError(f"unbalanced entry: legs sum to {sum(amount for _, amount in legs)}")
    # A checked entry raises nothing a caller would catch, so it needs no savepoint.
    with transaction.atomic(savepoint=not checked):
        debited = [
            account
            for account, amount in legs
            if amount < 0 and account.kind not in Account.NEGATIVE_ALLOWED and not checked
        ]
        lock_accounts([account.pk for account in debited])
        for account in debited:
            out = -sum(amount for acc, amount in legs if acc.pk == account.pk)
            available = balance_of(account.pk)
            if out > 0 and available < out:
                field, _, message = (shortfall or {}).get(account.pk, "amount|").partition("|")
                raise ValidationError({field: message or f"The account has {available} points; {out} are needed."})
        entry = JournalEntry.objects.create(
            kind=kind, memo=memo[:300], reason=reason[:500], created_by_id=created_by_id, key=key
        )
        Posting.objects.bulk_create([Posting(entry=entry, account=account, amount=amount) for account, amount in legs])
    return entry


def entry_once(*, key: str, **kwargs) -> JournalEntry | None:  # type: ignore[no-untyped-def]
    """``entry_post`` unless an entry with ``key`` exists (then None): repeatable writes."""
    if JournalEntry.objects.filter(key=key).exists():
        return None
    try:
        with transaction.atomic():
            return entry_post(key=key, **kwargs)
    except IntegrityError:
        return None


def correction_post(*, actor: Actor, person_id: int, account_kind: str, amount: int, reason: str) -> JournalEntry:
    """An admin's correction of a person's points or allowance: a new entry with its reason, audited."""
    require_manage(actor, write=True)
    errors: dict[str, str] = {}
    if account_kind not in (Account.Kind.POINTS, Account.Kind.ALLOWANCE):
        errors["account_kind"] = "Correct either received points or the allowance."
    if amount == 0:
        errors["amount"] = "A correction moves at least one point (negative to take points away)."
    if not reason.strip():
        errors["reason"] = "Say why: corrections are kept with their reason."
    person = people_queries.person_get(person_id=person_id)
    if person is None:
        errors["person_id"] = f"No person {person_id}."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        account = account_for(kind=account_kind, person_id=person_id)
        issuance = system_account(Account.Kind.ISSUANCE)
        entry = entry_post(
            kind=JournalEntry.Kind.CORRECTION,
            legs=[(account, amount), (issuance, -amount)],
            memo=f"Correction for {person.name}" if person else "Correction",
            reason=reason.strip(),
            created_by_id=actor.user_id,
            shortfall={
                account.pk: f"amount|{person.name if person else 'This person'} has fewer than {-amount} points."
            },
        )
        core_services.audit_record(
            actor=actor,
            action="recognition.correction",
            object_type="journal_entry",
            object_id=entry.pk,
            object_repr=entry.memo,
            changes={"person_id": person_id, "account": account_kind, "amount": amount, "reason": reason.strip()},
        )
    return entry


def budget_fund(*, actor: Actor, unit_id: int, amount: int, reason: str = "") -> JournalEntry:
    """An admin adds points to (or, negative, takes them from) a unit's rewards budget."""
    require_manage(actor, write=True)
    unit = people_queries.unit_get(unit_id=unit_id)
    if unit is None:
        raise ValidationError({"unit_id": f"No unit {unit_id}."})
    if amount == 0:
        raise ValidationError({"amount": "Fund the budget with at least one point."})
    with transaction.atomic():
        budget = account_for(kind=Account.Kind.BUDGET, unit_id=unit_id)
        entry = entry_post(
            kind=JournalEntry.Kind.FUNDING,
            legs=[(budget, amount), (system_account(Account.Kind.ISSUANCE), -amount)],
            memo=f"Rewards budget of {unit.name}",
            reason=reason.strip(),
            created_by_id=actor.user_id,
            shortfall={budget.pk: f"amount|The budget of {unit.name} has less than {-amount} points."},
        )
        core_services.audit_record(
            actor=actor,
            action="recognition.budget_fund",
            object_type="unit",
            object_id=unit_id,
            object_repr=unit.name,
            changes={"amount": amount, "reason": reason.strip()},
        )
    return entry
