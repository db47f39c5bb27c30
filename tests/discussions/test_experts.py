"""The pure "who to ask" ranking."""

from hypothesis import given, settings
from hypothesis import strategies as st

from peerloop.discussions import experts
from peerloop.discussions.experts import Contribution, Person


def profiles(contributions, n_people=5, n_tags=3, now=10.0):
    return experts.build_profiles(contributions, n_people=n_people, n_tags=n_tags, now=now)


def test_accepted_answers_beat_plain_answer_counts_and_reasons_are_words():
    p = profiles(
        [Contribution(1, (0,), 9.0)] * 3
        + [Contribution(2, (0,), 9.0, accepted=True), Contribution(2, (0,), 9.0, accepted=True)]
    )
    ranked = experts.rank(p, [0], asker=0, tag_names=["pricing", "hiring", "ops"])
    assert [s.person for s in ranked] == [2, 1]
    assert ranked[0].reasons == ["accepted answers on pricing", "2 answers on pricing"]
    assert experts.rank_by_answer_count(p, [0]) == [1, 2]


def test_the_asker_is_never_suggested_and_peers_elsewhere_are_preferred():
    p = profiles([Contribution(0, (1,), 9.0), Contribution(1, (1,), 9.0), Contribution(2, (1,), 9.0)])
    people = [Person(level=4, unit=1), Person(level=4, unit=1), Person(level=4, unit=2), Person(), Person()]
    ranked = experts.rank(p, [1], asker=0, people=people)
    assert [s.person for s in ranked] == [2, 1]
    assert "a peer at your level in another unit" in ranked[0].reasons
    assert ranked[1].reasons[-1] == "at your level"


def test_recent_work_weighs_more_than_old_work():
    p = profiles([Contribution(1, (0,), 0.0), Contribution(2, (0,), 2000.0)], now=2000.0)
    assert [s.person for s in experts.rank(p, [0])] == [2, 1]


def test_no_tags_or_no_evidence_gives_no_suggestion():
    p = profiles([Contribution(1, (0,), 9.0)])
    assert experts.rank(p, []) == []
    assert experts.rank(p, [2]) == []


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 9), st.lists(st.integers(0, 4), min_size=1, max_size=3), st.booleans()), max_size=40
    ),
    st.lists(st.integers(0, 4), min_size=1, max_size=3),
    st.integers(0, 9),
)
def test_rankings_are_sorted_unique_positive_and_skip_the_asker(rows, tags, asker):
    p = experts.build_profiles(
        [Contribution(person, tuple(t), 1.0, accepted=a) for person, t, a in rows], n_people=10, n_tags=5, now=2.0
    )
    ranked = experts.rank(p, tags, asker=asker, k=10)
    scores = [s.score for s in ranked]
    assert scores == sorted(scores, reverse=True)
    assert len({s.person for s in ranked}) == len(ranked)
    assert all(s.score > 0 and s.person != asker for s in ranked)
    assert experts.reciprocal_rank([s.person for s in ranked], -1) == 0.0
