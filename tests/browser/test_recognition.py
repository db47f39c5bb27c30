"""Recognition in a real browser: a member thanks a colleague in two clicks from their
profile, the colleague sees it on their statement, a reward is redeemed with the manager's
approval, and an admin sees the reciprocal ring the demo planted."""

import re

import pytest

from peerloop.people.models import Person
from peerloop.recognition import queries
from peerloop.recognition.models import Kudos, Redemption
from tests.browser.conftest import PHONE

pytestmark = pytest.mark.browser


def test_kudos_in_two_clicks_statement_redemption_with_approval_and_ring_flag(demo, journey, expect):
    member = Person.objects.get(email="member@example.com")
    leader = Person.objects.get(email="leader@example.com")
    assert member.manager_id == leader.pk  # the member's manager approves their book

    # 1. A member gives kudos in two clicks from a colleague's profile.
    j = journey()
    j.log_in(member.email)
    j.goto("people:profile", leader.pk)
    j.page.get_by_role("link", name="Give kudos").click()  # click 1
    form = j.page.locator("#give-form")
    expect(form).to_contain_text(f"Kudos to {leader.name}")
    j.shot("give-form")
    form.get_by_role("button", name="Send kudos").click()  # click 2
    expect(j.page.locator("#give-form")).to_contain_text(f"Kudos sent to {leader.name} (5 points).")
    j.shot("kudos-sent")
    kudos = Kudos.objects.filter(giver=member, recipient=leader).latest("id")
    assert kudos.amount == 5 and kudos.message == f"Thank you for your help, {leader.name}!"

    # 2. The recipient sees it on their statement.
    r = journey(viewport=PHONE)
    r.log_in(leader.email)
    r.goto("recognition:statement")
    expect(r.page.locator(".rec-statement")).to_contain_text(f"Kudos from {member.name} to {leader.name}")
    r.shot("statement-phone")

    # 3. The member redeems a book; their manager approves it.
    points_before = queries.balances_for(person_id=member.pk).points
    j.goto("recognition:rewards")
    book = j.page.locator("section.card", has_text="A book of your choice")
    book.get_by_role("button", name="Redeem").click()
    expect(j.page.locator(".messages")).to_contain_text("your manager will approve it")
    j.shot("redeem-requested")
    r.goto("recognition:approvals")
    request = r.page.locator("section.card", has_text=member.name)
    expect(request).to_contain_text("A book of your choice")
    r.shot("approval")
    request.get_by_role("button", name="Approve").click()
    expect(r.page.locator(".messages")).to_contain_text("Approved.")
    redemption = Redemption.objects.get(person=member)
    assert (redemption.status, redemption.decided_by_id) == ("approved", leader.pk)
    assert queries.balances_for(person_id=member.pk).points == points_before - 150
    j.goto("recognition:rewards")
    expect(j.page.locator("table")).to_contain_text("Approved")

    # 4. An admin sees the reciprocal ring with its evidence.
    a = journey()
    a.log_in("admin@example.com")
    a.goto("recognition:flags")
    ring = a.page.locator(".rec-flag", has_text="Reciprocal ring of 3")
    expect(ring).to_contain_text("Kudos went round")
    ring.locator("summary").click()
    expect(ring).to_contain_text(re.compile(r"Evidence: \d+ kudos"))
    a.shot("ring-flag")
    assert queries.ledger_total() == 0
