"""50 concurrent kudos against one allowance, and 50 givers to one person, in real
concurrent transactions (PostgreSQL only: SQLite serializes writers, so there is no race)."""

import threading

from django.core.exceptions import ValidationError
from django.db import connection, connections
import pytest

from peerloop.recognition import queries, services
from peerloop.recognition.models import AllowancePolicy, JournalEntry, Kudos, Redemption
from tests.recognition.helpers import actor_of, assert_ledger_balanced, members

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL: SQLite runs one writer at a time, nothing races"
)
THREADS = 50


def run_concurrently(work, args_list):  # type: ignore[no-untyped-def]
    barrier = threading.Barrier(len(args_list))
    results: list[object] = [None] * len(args_list)

    def target(i, args):  # type: ignore[no-untyped-def]
        try:
            barrier.wait(timeout=30)
            results[i] = work(*args)
        except BaseException as exc:
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target, args=(i, a)) for i, a in enumerate(args_list)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_kudos_from_one_allowance_never_overdraw_it(world):
    AllowancePolicy.objects.create(scope="everyone", amount=100, per_recipient_cap=100)
    recipients = members(THREADS, prefix="recipient")
    services.allowance_grant(person_ids=[world.member.pk])
    giver = actor_of(world.member)

    def one(recipient_id):  # type: ignore[no-untyped-def]
        return services.kudos_give(actor=giver, recipient_id=recipient_id, amount=3, message="Thanks")

    results = run_concurrently(one, [(r.pk,) for r in recipients])
    given = [r for r in results if isinstance(r, Kudos)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(given) == 33 and len(refused) == 17, [r for r in results if not isinstance(r, Kudos | ValidationError)]
    assert all("points left to give this month" in r.messages[0] for r in refused)
    assert queries.balances_for(person_id=world.member.pk).allowance == 1
    assert Kudos.objects.count() == 33
    assert JournalEntry.objects.filter(kind="kudos").count() == 33
    assert sum(queries.balances_for(person_id=r.pk).points for r in recipients) == 99
    assert_ledger_balanced()


@pytest.mark.django_db(transaction=True)
def test_fifty_givers_to_one_person_at_once_lose_no_entry(world):
    givers = members(THREADS)

    def one(giver):  # type: ignore[no-untyped-def]
        return services.kudos_give(actor=actor_of(giver), recipient_id=world.leader.pk, amount=2, message="Thanks")

    results = run_concurrently(one, [(g,) for g in givers])
    assert all(isinstance(r, Kudos) for r in results), [r for r in results if not isinstance(r, Kudos)]
    assert queries.balances_for(person_id=world.leader.pk).points == 100
    assert JournalEntry.objects.filter(kind="kudos").count() == THREADS
    assert JournalEntry.objects.filter(kind="grant").count() == THREADS
    assert_ledger_balanced()


@pytest.mark.django_db(transaction=True)
def test_concurrent_redemptions_never_overdraw_the_unit_budget(world):
    admin = actor_of(world.admin)
    people = members(20, prefix="redeemer", unit=world.unit)
    for person in people:
        services.correction_post(actor=admin, person_id=person.pk, account_kind="points", amount=50, reason="seed")
    services.budget_fund(actor=admin, unit_id=world.unit.pk, amount=200)
    reward = services.reward_save(actor=admin, name="Book", cost=30, approval="none")

    def one(person):  # type: ignore[no-untyped-def]
        return services.redemption_request(actor=actor_of(person), reward_id=reward.pk)

    results = run_concurrently(one, [(p,) for p in people])
    done = [r for r in results if isinstance(r, Redemption)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(done) == 6 and len(refused) == 14, results
    assert all("rewards budget of this unit" in r.messages[0] for r in refused)
    budget = queries.account_balances(kind="budget").get(unit=world.unit)
    assert budget.balance == 20
    assert sum(queries.balances_for(person_id=p.pk).points for p in people) == 20 * 50 - 6 * 30
    assert_ledger_balanced()


@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_posts_with_one_idempotency_key_make_one_kudos(world):
    from django.test import Client

    from tests.factories import PASSWORD

    def post():  # type: ignore[no-untyped-def]
        client = Client()
        assert client.login(email=world.member.email, password=PASSWORD)
        return client.post(
            "/api/v1/recognition/kudos",
            {"recipient_id": world.leader.pk, "amount": 5, "message": "Thanks"},
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY="retry-1",
        )

    results = run_concurrently(post, [()] * 10)
    assert [r.status_code for r in results] == [201] * 10, results
    assert len({r.json()["id"] for r in results}) == 1
    assert Kudos.objects.count() == 1
    assert queries.balances_for(person_id=world.member.pk).allowance == 95
    assert_ledger_balanced()
