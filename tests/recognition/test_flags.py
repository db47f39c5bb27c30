"""Anti-gaming: reciprocal rings and manager-to-report concentration, with evidence."""

from hypothesis import given
from hypothesis import strategies as st
import networkx as nx
import pytest

from peerloop.core.roles import SYSTEM
from peerloop.recognition import rings, services
from peerloop.recognition.models import AllowancePolicy, Flag
from tests.factories import account
from tests.recognition.helpers import actor_of


def test_rings_of_two_three_and_four_each_once():
    pairs = [(1, 2), (2, 1)] * 2 + [(3, 4), (4, 5), (5, 3)] * 2 + [(6, 7), (7, 8), (8, 9), (9, 6)] * 2 + [(10, 11)] * 5
    found = rings.find_rings(pairs, min_kudos=2)
    assert sorted(r.people for r in found) == [(1, 2), (3, 4, 5), (6, 7, 8, 9)]
    assert all(r.kudos_per_edge == (2,) * r.size for r in found)


def test_light_edges_and_long_cycles_are_ignored():
    assert rings.find_rings([(1, 2), (2, 1), (2, 1)], min_kudos=2) == []
    five = [(1, 2), (2, 3), (3, 4), (4, 5), (5, 1)] * 3
    assert rings.find_rings(five, min_kudos=2, max_length=4) == []
    assert [r.people for r in rings.find_rings(five, min_kudos=2, max_length=5)] == [(1, 2, 3, 4, 5)]


@given(st.lists(st.tuples(st.integers(0, 7), st.integers(0, 7)), max_size=40))
def test_rings_match_networkx_simple_cycles(pairs):
    found = {
        frozenset(zip(r.people, r.people[1:] + r.people[:1], strict=True)) for r in rings.find_rings(pairs, min_kudos=1)
    }
    graph = nx.DiGraph([(a, b) for a, b in pairs if a != b])
    expected = {frozenset(zip(c, c[1:] + c[:1], strict=True)) for c in nx.simple_cycles(graph) if 2 <= len(c) <= 4}
    assert found == expected


def test_concentration():
    reports = {1: {2, 3}}
    given_ = [(1, 2)] * 4 + [(1, 3)] + [(1, 9)]
    assert rings.concentration(given_, reports, min_kudos=5, share=0.8) == [(1, 5, 6, 5 / 6)]
    assert rings.concentration(given_, reports, min_kudos=7) == []


@pytest.mark.django_db
def test_flags_show_the_evidence_and_stay_dismissed(world):
    AllowancePolicy.objects.create(scope="everyone", amount=500, per_recipient_cap=100)
    a, b = world.member, world.leader
    for _ in range(2):
        services.kudos_give(actor=actor_of(a), recipient_id=b.pk, amount=5, message="Thanks B")
        services.kudos_give(actor=actor_of(b), recipient_id=a.pk, amount=5, message="Thanks A")
    boss = account("member", email="boss@example.org")
    reports = [account("member", email=f"report{i}@example.org", manager=boss) for i in range(2)]
    for i in range(5):
        services.kudos_give(actor=actor_of(boss), recipient_id=reports[i % 2].pk, amount=2, message="Good job")
    report = services.flags_detect()
    assert (report.rings, report.concentrations, report.new) == (1, 1, 2)
    ring = Flag.objects.get(kind="ring")
    assert sorted(ring.people) == sorted([a.pk, b.pk])
    assert [(h["from_name"], h["kudos"]) for h in ring.evidence["hops"]] == [
        (min(a, b, key=lambda p: p.pk).name, 2),
        (max(a, b, key=lambda p: p.pk).name, 2),
    ]
    assert len(ring.evidence["kudos_ids"]) == 4
    heavy = Flag.objects.get(kind="concentration")
    assert (heavy.evidence["to_reports"], heavy.evidence["total"]) == (5, 5)
    assert services.flags_detect().new == 0
    services.flag_dismiss(actor=SYSTEM, flag_id=ring.pk)
    assert services.flags_detect().new == 0
    assert Flag.objects.get(pk=ring.pk).status == "dismissed"
