import itertools

from hypothesis import given, settings
from hypothesis import strategies as st
import pytest

from peerloop.core.roles import SYSTEM
from peerloop.vocabulary import queries, services
from peerloop.vocabulary.models import Topic
from peerloop.vocabulary.terms import compile_terms, find_cycles, find_terms, term_key
from tests.factories import TopicFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def vocabulary():
    sales = services.topic_create(actor=SYSTEM, name="Sales")
    pricing = services.topic_create(actor=SYSTEM, name="Pricing", parent_id=sales.pk, synonyms=["price", "list price"])
    churn = services.topic_create(actor=SYSTEM, name="Customer churn", synonyms=["attrition"])
    cpp = services.topic_create(actor=SYSTEM, name="C++")
    return {"sales": sales, "pricing": pricing, "churn": churn, "cpp": cpp}


def test_topic_resolve_matches_name_slug_or_synonym_case_insensitively(vocabulary):
    found = queries.topic_resolve(names=["PRICING", "customer-churn", "Attrition", " list  Price ", "nothing"])
    assert found == {
        "PRICING": vocabulary["pricing"],
        "customer-churn": vocabulary["churn"],
        "Attrition": vocabulary["churn"],
        " list  Price ": vocabulary["pricing"],
        "nothing": None,
    }


def test_topic_match_text_finds_whole_words_once_each(vocabulary):
    text = "The PRICE went up, so attrition rose; pricey things and churned accounts don't count. C++ and price again."
    found = queries.topic_match_text(text=text)
    assert found == [(vocabulary["pricing"], "PRICE"), (vocabulary["churn"], "attrition"), (vocabulary["cpp"], "C++")]


def test_topic_match_text_prefers_the_longest_term(vocabulary):
    services.topic_create(actor=SYSTEM, name="List")
    found = queries.topic_match_text(text="Our list   price is public")
    assert found == [(vocabulary["pricing"], "list   price")]


def test_match_index_is_rebuilt_after_a_change(vocabulary):
    assert queries.topic_match_text(text="onboarding is slow") == []
    services.topic_update(actor=SYSTEM, topic_id=vocabulary["churn"].pk, synonyms=["onboarding"])
    assert queries.topic_match_text(text="onboarding is slow") == [(vocabulary["churn"], "onboarding")]


def test_match_index_sees_changes_made_behind_its_back(vocabulary):
    queries.topic_match_text(text="warm up")
    # Another process (or a raw update) changes the topics: the fingerprint notices.
    Topic.objects.filter(pk=vocabulary["sales"].pk).update(synonyms=["selling"])
    Topic.objects.filter(pk=vocabulary["sales"].pk).first().save()
    assert queries.topic_match_text(text="Selling is hard") == [(vocabulary["sales"], "Selling")]
    TopicFactory(name="Warm up", slug="warm-up")
    assert [t.name for t, _ in queries.topic_match_text(text="a warm up call")] == ["Warm up"]


def test_topic_match_text_costs_two_queries_when_the_index_is_current(vocabulary, django_assert_num_queries):
    queries.topic_match_text(text="price")
    with django_assert_num_queries(2):
        assert queries.topic_match_text(text="attrition and price")[0][0] == vocabulary["churn"]


def test_topic_tree_is_nested_and_built_in_one_query(vocabulary, django_assert_num_queries):
    services.topic_create(actor=SYSTEM, name="Discounts", parent_id=vocabulary["pricing"].pk)
    with django_assert_num_queries(1):
        tree = queries.topic_tree()
        shape = [(n.topic.name, [(c.topic.name, [g.topic.name for g in c.children]) for c in n.children]) for n in tree]
        parents = [c.topic.parent.name for n in tree for c in n.children]
    assert shape == [("C++", []), ("Customer churn", []), ("Sales", [("Pricing", ["Discounts"])])]
    assert parents == ["Sales"]
    assert sum(n.size for n in tree) == 5


def test_topic_list_filters_on_name_slug_and_synonym(vocabulary):
    assert list(queries.topic_list(q="attri")) == [vocabulary["churn"]]
    assert list(queries.topic_list(q="PRIC")) == [vocabulary["pricing"]]
    assert [t.name for t in queries.topic_list()] == ["C++", "Customer churn", "Pricing", "Sales"]


# --- the pure parts -------------------------------------------------------------------

words = st.text(alphabet="abcdeé +#.-", min_size=1, max_size=12).map(lambda s: " ".join(s.split())).filter(bool)


@settings(max_examples=200, deadline=None)
@given(terms=st.lists(words, min_size=1, max_size=20))
def test_every_term_is_found_as_itself_when_it_stands_alone(terms):
    pattern = compile_terms(term_key(t) for t in terms)
    for term in terms:
        found = find_terms(pattern, f"see ({term.upper()}), then")
        assert found[0][0] == term_key(term), (term, found)


@settings(max_examples=200, deadline=None)
@given(terms=st.lists(words, min_size=1, max_size=20), text=st.text(alphabet="abcdeé +#.-()", max_size=60))
def test_every_match_is_a_term_on_word_boundaries(terms, text):
    keys = {term_key(t) for t in terms}
    pattern = compile_terms(keys)
    assert pattern is not None
    for match in pattern.finditer(text):
        assert term_key(match.group(0)) in keys
        before = text[match.start() - 1] if match.start() else " "
        after = text[match.end()] if match.end() < len(text) else " "
        assert not (before.isalnum() and match.group(0)[0].isalnum())
        assert not (after.isalnum() and match.group(0)[-1].isalnum())


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.integers(0, 20), st.one_of(st.none(), st.integers(0, 20)), max_size=20))
def test_find_cycles_finds_exactly_the_cycles(parents):
    cycles = find_cycles(parents)
    on_cycle = set()
    for cycle in cycles:
        assert cycle[0] == cycle[-1]
        for a, b in itertools.pairwise(cycle):
            assert parents.get(a) == b
        on_cycle |= set(cycle)
    # A node is on a cycle exactly when walking its parents comes back to it.
    for node in parents:
        seen, current = set(), parents.get(node)
        while current is not None and current not in seen and current != node:
            seen.add(current)
            current = parents.get(current)
        assert (current == node) == (node in on_cycle)
