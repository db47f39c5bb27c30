"""Helpers of the recognition tests."""

from peerloop.core.roles import Actor
from peerloop.people.models import Person
from peerloop.people.queries import actor_for_user
from peerloop.recognition import queries
from peerloop.recognition.models import JournalEntry, Posting
from peerloop.vocabulary.models import CompanyValue
from tests.factories import account


def actor_of(person: Person) -> Actor:
    return actor_for_user(person.user)


def members(n: int, prefix: str = "giver", **fields: object) -> list[Person]:
    return [account("member", email=f"{prefix}{i}@example.org", **fields) for i in range(n)]


def value(slug: str = "customer-first") -> CompanyValue:
    return CompanyValue.objects.get_or_create(slug=slug, defaults={"name": slug.replace("-", " ").capitalize()})[0]


def assert_ledger_balanced() -> None:
    """The whole ledger sums to zero and every entry is balanced."""
    assert queries.ledger_total() == 0
    assert list(queries.unbalanced_entries()) == []
    assert not JournalEntry.objects.filter(postings__isnull=True).exists()
    assert Posting.objects.filter(amount=0).count() == 0
