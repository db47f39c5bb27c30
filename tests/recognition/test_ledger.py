"""The ledger: balanced entries only, derived balances, corrections audited, statements."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
import pytest

from peerloop.core.models import AppendOnlyError, AuditEntry
from peerloop.recognition import queries, services
from peerloop.recognition.models import Account, JournalEntry, Posting
from tests.recognition.helpers import actor_of, assert_ledger_balanced

pytestmark = pytest.mark.django_db


def test_unbalanced_or_empty_entry_is_refused_and_nothing_written(world):
    points = services.account_for(kind=Account.Kind.POINTS, person_id=world.member.pk)
    issuance = services.account_for(kind=Account.Kind.ISSUANCE)
    with pytest.raises(ValueError, match="unbalanced entry: legs sum to 1"):
        services.entry_post(kind="award", legs=[(points, 5), (issuance, -4)])
    with pytest.raises(ValueError, match="at least two legs"):
        services.entry_post(kind="award", legs=[(points, 5)])
    with pytest.raises(ValueError, match="none of them zero"):
        services.entry_post(kind="award", legs=[(points, 0), (issuance, 0)])
    assert JournalEntry.objects.count() == 0
    assert Posting.objects.count() == 0


def test_an_account_other_than_issuance_never_goes_below_zero(world):
    points = services.account_for(kind=Account.Kind.POINTS, person_id=world.member.pk)
    expiry = services.account_for(kind=Account.Kind.EXPIRY)
    with pytest.raises(ValidationError) as exc:
        services.entry_post(kind="correction", legs=[(points, -1), (expiry, 1)], reason="test")
    assert exc.value.message_dict == {"amount": ["The account has 0 points; 1 are needed."]}
    assert Posting.objects.count() == 0


def test_postings_and_entries_are_append_only(world):
    entry = services.correction_post(
        actor=actor_of(world.admin), person_id=world.member.pk, account_kind="points", amount=7, reason="Welcome"
    )
    posting = entry.postings.first()
    with pytest.raises(AppendOnlyError):
        posting.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        posting.delete()


def test_a_zero_posting_is_refused_by_the_database(world):
    entry = services.correction_post(
        actor=actor_of(world.admin), person_id=world.member.pk, account_kind="points", amount=3, reason="x"
    )
    account = services.account_for(kind=Account.Kind.POINTS, person_id=world.member.pk)
    with pytest.raises(IntegrityError):
        Posting.objects.create(entry=entry, account=account, amount=0)


def test_correction_is_a_new_entry_with_its_reason_and_one_audit_row(world):
    admin = actor_of(world.admin)
    services.correction_post(
        actor=admin, person_id=world.member.pk, account_kind="points", amount=30, reason="Missed award"
    )
    entry = services.correction_post(
        actor=admin, person_id=world.member.pk, account_kind="points", amount=-10, reason="Double award"
    )
    assert entry.kind == "correction" and entry.reason == "Double award"
    assert queries.balances_for(person_id=world.member.pk).points == 20
    audits = AuditEntry.objects.filter(action="recognition.correction").order_by("id")
    assert [a.changes["amount"] for a in audits] == [30, -10]
    assert audits[1].changes["reason"] == "Double award"
    statement = list(queries.statement_for(person_id=world.member.pk))
    assert [(p.entry.kind, p.amount, p.entry.reason) for p in statement] == [
        ("correction", -10, "Double award"),
        ("correction", 30, "Missed award"),
    ]
    assert_ledger_balanced()


def test_correction_refuses_bad_input_naming_each_field(world):
    with pytest.raises(ValidationError) as exc:
        services.correction_post(
            actor=actor_of(world.admin), person_id=999999, account_kind="cash", amount=0, reason=" "
        )
    assert set(exc.value.message_dict) == {"account_kind", "amount", "reason", "person_id"}
    with pytest.raises(ValidationError) as exc:
        services.correction_post(
            actor=actor_of(world.admin), person_id=world.member.pk, account_kind="points", amount=-5, reason="oops"
        )
    assert "fewer than 5 points" in exc.value.message_dict["amount"][0]
    assert JournalEntry.objects.count() == 0


def test_only_admins_correct(world):
    from peerloop.core.permissions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.correction_post(
            actor=actor_of(world.leader), person_id=world.member.pk, account_kind="points", amount=5, reason="x"
        )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["points", "allowance"]), st.integers(-50, 80)), min_size=1, max_size=12))
def test_balances_equal_the_sum_of_accepted_corrections_and_the_ledger_stays_balanced(world, moves):
    admin = actor_of(world.admin)
    expected = {
        "points": queries.balances_for(person_id=world.member.pk).points,
        "allowance": queries.balances_for(person_id=world.member.pk).allowance,
    }
    for kind, amount in moves:
        try:
            services.correction_post(
                actor=admin, person_id=world.member.pk, account_kind=kind, amount=amount, reason="p"
            )
        except ValidationError:
            assert amount == 0 or expected[kind] + amount < 0
        else:
            expected[kind] += amount
    balances = queries.balances_for(person_id=world.member.pk)
    assert (balances.points, balances.allowance) == (expected["points"], expected["allowance"])
    assert balances.points >= 0 and balances.allowance >= 0
    assert_ledger_balanced()


def test_budget_fund_is_audited_and_refuses_to_go_negative(world):
    admin = actor_of(world.admin)
    services.budget_fund(actor=admin, unit_id=world.unit.pk, amount=500, reason="Q1")
    with pytest.raises(ValidationError, match="less than 600 points"):
        services.budget_fund(actor=admin, unit_id=world.unit.pk, amount=-600)
    budget = queries.account_balances(kind="budget").get()
    assert budget.balance == 500
    assert AuditEntry.objects.filter(action="recognition.budget_fund").count() == 1
