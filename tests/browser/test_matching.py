"""Peer matching in a real browser: the program owner previews and publishes a round for
the whole demo company, a member sees their peer with the reasons and answers the
follow-up, and the program's health counts it."""

import re

import pytest

from peerloop.matching.models import FollowUp, MatchMember
from peerloop.people.models import Person
from tests.browser.conftest import PHONE

pytestmark = pytest.mark.browser

PROGRAM = "Meet a peer across the company"


def test_an_owner_publishes_a_round_and_a_member_follows_up(demo, journey, expect):
    employees = Person.objects.filter(active=True, kind="employee").count()

    owner = journey()
    owner.log_in("owner@example.com")
    owner.goto("matching:programs")
    expect(owner.page.get_by_role("heading", name="Programs with peer matching")).to_be_visible()
    owner.page.get_by_role("link", name=PROGRAM).click()
    expect(owner.page.get_by_role("heading", name="Peer matching", level=1)).to_be_visible()
    expect(owner.page.get_by_text("No round yet.")).to_be_visible()
    owner.shot("setup")

    owner.page.get_by_role("button", name="Preview the next round").click()
    expect(owner.page.get_by_role("heading", name=re.compile(r"Round 1\s+Preview"))).to_be_visible()
    who = owner.page.locator(".match-stats dl")
    expect(who.locator("dt", has_text="In the round").locator("+ dd")).to_have_text(str(employees))
    expect(owner.page.locator(".match-stat").first).to_contain_text("%")
    reasons = owner.page.locator(".match-table tbody tr").first.locator("td[data-label=Why]")
    expect(reasons).to_contain_text(re.compile(r"both .*at level|from .* and "))
    owner.shot("preview")

    owner.page.get_by_role("button", name="Publish and notify").click()
    expect(owner.page.get_by_role("heading", name=re.compile(r"Round 1\s+Published"))).to_be_visible()
    owner.shot("published")

    member = Person.objects.get(email="member@example.com")
    mine = MatchMember.objects.select_related("match").get(round__setup__program__name=PROGRAM, person=member)
    partner = MatchMember.objects.exclude(person=member).filter(match=mine.match).first().person

    phone = journey(viewport=PHONE)
    phone.log_in("member@example.com")
    phone.goto("matching:mine")
    card = phone.page.locator(".match-card").filter(has_text=PROGRAM)
    expect(card.get_by_role("heading", name=re.compile(rf"You meet .*{re.escape(partner.name)}"))).to_be_visible()
    expect(card.locator(".match-reasons li").first).not_to_have_text("No particular reason recorded.")
    for reason in mine.reasons:
        expect(card.locator(".match-reasons")).to_contain_text(reason)
    expect(card).to_contain_text("Suggested agenda")
    phone.shot("my-match")

    card.get_by_label("Yes, we met").check()
    card.get_by_label("How good a fit (1-5)?").select_option("4")
    card.get_by_role("button", name="Save follow-up").click()
    card = phone.page.locator(".match-card").filter(has_text=PROGRAM)
    expect(card).to_contain_text("rated 4/5")
    phone.shot("followed-up")
    followup = FollowUp.objects.get(match=mine.match, person=member)
    assert (followup.met, followup.rating) == (True, 4)

    owner.page.get_by_role("link", name=re.compile("Matching of")).click()
    owner.page.get_by_role("link", name="Health").click()
    expect(owner.page.get_by_role("heading", name="Health of the matching")).to_be_visible()
    rounds = owner.page.locator("table tbody tr")
    expect(rounds).to_have_count(1)
    expect(rounds.first.locator("td[data-label=Met]")).to_have_text(re.compile(r"^1 \("))
    expect(rounds.first.locator("td[data-label='Mean fit']")).to_have_text("4.0")
    owner.shot("health")
