"""Search: ranking, filters, snippets, prefixes, hostile queries and who sees what.
Runs on the test database's backend (SQLite FTS5 or PostgreSQL full-text)."""

import contextlib
from datetime import timedelta

from django.db import connection
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
import pytest

from peerloop.discussions import permissions, search, services
from peerloop.discussions.search import Filters, SearchError
from tests.discussions.helpers import actor, community, peer, private_question, question


def hits(world, role_person, text, **filters):
    a = actor(role_person)
    return search.search(text=text, filters=Filters(space_ids=permissions.readable_space_ids(a), **filters))


def test_ranked_hits_with_highlighted_escaped_snippets(world):
    question(world, title="Discount ladders for renewals", body="How do <b>you</b> handle discount ladders?")
    question(world, title="Quarterly planning", body="A note that mentions a discount once, among many other words.")
    found = hits(world, world.leader, "discount ladders")
    assert len(found) == 1
    assert found[0].title_html == "<mark>Discount</mark> <mark>ladders</mark> for renewals"
    # Markup in a post is text: escaped (SQLite) or dropped by ts_headline (PostgreSQL), never a tag.
    assert "you" in found[0].snippet_html and "<b>" not in found[0].snippet_html
    ranked = hits(world, world.leader, "discount")
    assert [h.title_html.startswith("<mark>Discount") for h in ranked] == [True, False]


def test_prefix_phrase_and_exclusion(world):
    question(world, title="Renewal pricing", body="multi year renewal contracts")
    question(world, title="Onboarding", body="year one onboarding")
    assert len(hits(world, world.leader, "renew*")) == 1
    assert len(hits(world, world.leader, '"multi year"')) == 1
    assert len(hits(world, world.leader, "year -renewal")) == 1


def test_filters_space_type_topic_author_date(world):
    q = question(world, title="Pricing question alpha", body="alpha")
    services.thread_create(
        actor=actor(world.member),
        space_id=community(world).pk,
        kind="lesson",
        title="Pricing lesson alpha",
        body="alpha lesson",
    )
    assert {h.thread_kind for h in hits(world, world.leader, "alpha", kind="lesson")} == {"lesson"}
    assert [h.thread_id for h in hits(world, world.leader, "alpha", topic_id=world.topic.pk)] == [q.pk]
    assert len(hits(world, world.leader, "alpha", author_id=world.member.pk)) == 1
    assert hits(world, world.leader, "alpha", since=timezone.now() + timedelta(days=1)) == []
    assert len(hits(world, world.leader, "alpha", space_id=community(world).pk)) == 2


def test_replies_and_lessons_are_searchable_as_soon_as_written(world):
    thread = question(world)
    answer = services.post_create(actor=actor(peer(world)), thread_id=thread.pk, body="Try quokka bundles")
    assert [h.post_id for h in hits(world, world.leader, "quokka")] == [answer.pk]
    services.post_edit(actor=actor(answer_author(answer)), post_id=answer.pk, body="Try wombat bundles")
    assert hits(world, world.leader, "quokka") == []
    assert len(hits(world, world.leader, "wombat")) == 1


def answer_author(post):
    from peerloop.people.models import Person

    return Person.objects.get(pk=post.author_id)


def test_private_space_content_never_leaks(world):
    private_question(world)
    assert len(hits(world, world.member, "zebra")) == 1
    for person in (world.leader, world.program_owner, world.guest):
        assert hits(world, person, "zebra") == [], person.email
    # Hidden threads leave search for everyone.
    thread = question(world, title="Hidden zebra talk", body="zebra")
    services.thread_moderate(actor=actor(world.member), thread_id=thread.pk, action="hide")
    assert [h.thread_id for h in hits(world, world.member, "zebra")] != [thread.pk]
    assert all(h.thread_id != thread.pk for h in hits(world, world.admin, "zebra"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "at least one word"),
        ("   ", "at least one word"),
        ("😀🎉", "at least one word"),
        ('"" ( ) * ^ : - """', "at least one word"),
        ("-pricing", "at least one word"),
        ("x" * 10_000, "limited to 1,000 characters"),
    ],
)
def test_queries_that_cannot_be_searched_say_why(world, text, message):
    with pytest.raises(SearchError, match=message):
        hits(world, world.leader, text)


@pytest.mark.parametrize(
    "text",
    [
        'pricing AND "multi',
        "NEAR(pricing renewal)",
        "title:pricing",
        "pri*ng*",
        "pricing 😀",
        "c++ o'brien e-mail",
        "{pricing}",
        "pricing) OR (1=1",
        "'; DROP TABLE discussions_searchdoc; --",
        "ｐｒｉｃｉｎｇ",
        "a" * 999,
    ],
)
def test_operators_quotes_and_emoji_give_results(world, text):
    question(world, title="Pricing talk", body="pricing")
    hits(world, world.leader, text)  # no error raised: results (maybe none)
    assert len(hits(world, world.leader, "pricing")) == 1


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=200))
def test_any_text_is_a_result_or_a_search_error(db, text):
    with contextlib.suppress(SearchError):
        search.search(text=text, filters=Filters(space_ids=frozenset({1, 2, 3})))


def test_slices_of_newest_documents_are_searched_once_newest_first(world, monkeypatch):
    monkeypatch.setattr(search, "RECENT", 1)  # PostgreSQL: the newest one read row by row, then the GIN slices
    monkeypatch.setattr(search, "WINDOWS", (2, 4))
    threads = [question(world, title=f"Walrus {i}", body="walrus") for i in range(7)]
    found = hits(world, world.leader, "walrus")
    assert len(found) == 7 and len({h.doc_id for h in found}) == 7
    # The newest slice first: the two newest threads lead, whatever their rank.
    assert {h.thread_id for h in found[:2]} == {threads[6].pk, threads[5].pk}
    readable = permissions.readable_space_ids(actor(world.leader))
    page = search.search(text="walrus", filters=Filters(space_ids=readable), limit=3, offset=3)
    assert [h.doc_id for h in page] == [h.doc_id for h in found[3:6]]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's statistics of the tsvector column")
def test_a_phrase_of_common_words_is_answered_from_the_newest_documents(world, monkeypatch):
    monkeypatch.setattr(search, "RECENT", 1)
    monkeypatch.setattr(search, "WINDOWS", (3, 5))
    threads = [question(world, title=f"Walrus tusk {i}", body="The walrus tusk grows.") for i in range(8)]
    apart = question(world, title="Tusk of a walrus", body="Not adjacent in this order: tusk then walrus.")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE discussions_searchdoc")
    search._stats.clear()
    every = {t.pk for t in threads}
    assert {h.thread_id for h in hits(world, world.leader, '"walrus tusk"')} == every
    # Common by the statistics: only the newest RECENT + WINDOWS[0] documents are searched.
    monkeypatch.setattr(search, "PHRASE_OLDER_MAX", 0)
    newest = {h.thread_id for h in hits(world, world.leader, '"walrus tusk"')}
    assert newest and newest < every
    assert {h.thread_id for h in hits(world, world.leader, "walrus")} == every | {apart.pk}
    search._stats.clear()
