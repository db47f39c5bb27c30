"""What people do, in a real browser: a member finds a colleague and their reporting
line, a guest sees only their own space, and the phone layout still works."""

import re

import pytest

from peerloop.demo.generator import generate
from peerloop.people.models import Person, Unit
from tests.browser.conftest import PHONE

pytestmark = pytest.mark.browser

ORG = generate(7, 300)  # the organization the `demo` fixture loads


def front_liner_in_jakarta():
    """A salesperson in Jakarta two levels below the member (the Head of Sales, Jakarta),
    and the names of their reporting line from the top."""
    people = {p.email: p for p in ORG.people}
    for person in ORG.people:
        manager = people.get(person.manager_email)
        if person.unit == "sales-jakarta" and manager and manager.manager_email == "member@example.com":
            chain = []
            email = person.manager_email
            while email:
                chain.append(people[email].name)
                email = people[email].manager_email
            return person, list(reversed(chain))
    raise AssertionError("the demo has no front-line salesperson in Jakarta")


def test_a_member_finds_a_colleague_and_their_reporting_line(demo, journey, expect):
    target, chain = front_liner_in_jakarta()
    jakarta = Unit.objects.get(code="sales-jakarta")
    in_jakarta = sorted(p.name for p in ORG.people if p.unit == "sales-jakarta")
    outsider = next(p.name for p in ORG.people if p.kind == "employee" and p.unit != "sales-jakarta")

    j = journey()
    j.log_in("member@example.com")
    expect(j.page.get_by_role("navigation", name="Main")).to_contain_text("People")
    j.shot("home")

    j.page.get_by_role("link", name="People", exact=True).click()
    expect(j.page.get_by_role("heading", name="People", level=1)).to_be_visible()
    expect(j.page.locator(".results-count")).to_contain_text(f"{Person.objects.filter(active=True).count()} people")
    j.shot("directory")

    j.page.get_by_label("Unit").select_option(str(jakarta.pk))
    expect(j.page).to_have_url(re.compile(rf"unit={jakarta.pk}"))
    results = j.page.locator("#directory-results")
    expect(results.locator(".results-count")).to_contain_text(f"{len(in_jakarta)} people")
    expect(results).to_contain_text(target.name)
    expect(results).not_to_contain_text(outsider)
    j.shot("filtered-by-unit")

    j.page.get_by_label("Search").fill(target.name)
    expect(j.page).to_have_url(re.compile(r"[?&]q="))
    matches = in_jakarta.count(target.name)
    expect(results.locator(".results-count")).to_contain_text(f"{matches} {'person' if matches == 1 else 'people'}")
    expect(results.get_by_role("link", name=target.name).first).to_be_visible()
    j.shot("searched")

    results.get_by_role("link", name=target.name).first.click()
    expect(j.page.get_by_role("heading", name=target.name, level=1)).to_be_visible()
    line = j.page.get_by_role("navigation", name="Reporting line")
    expect(line).to_have_text(re.compile(r"\s*›\s*".join(map(re.escape, [*chain, target.name]))))
    expect(line.get_by_role("link")).to_have_text(chain)
    expect(j.page.locator(".profile-title")).to_contain_text(target.title)
    j.shot("profile")

    # Up the chain: the member's own profile names the leader as manager.
    line.get_by_role("link", name=chain[-2]).click()
    expect(j.page.get_by_role("heading", name=chain[-2], level=1)).to_be_visible()
    expect(j.page.locator(".profile-title")).to_contain_text("Head of Sales, Jakarta")
    j.shot("manager-profile")


def test_a_guest_sees_only_their_own_space(demo, journey, expect):
    j = journey()
    j.log_in("guest@example.com")
    nav = j.page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="People")).to_have_count(0)
    j.shot("home")

    j.goto("spaces:list")
    cards = j.page.locator("main .grid > *")
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("Customer council")
    for other in ("Pricing community of practice", "Delivery times community", "Regional sales heads"):
        expect(j.page.locator("main")).not_to_contain_text(other)
    j.shot("spaces")

    cards.first.get_by_role("link", name="Customer council").click()
    expect(j.page.get_by_role("heading", name="Customer council", level=1)).to_be_visible()
    j.shot("own-space")

    response = j.goto("people:directory")
    assert response.status == 404
    expect(j.page.get_by_role("heading", name="Page not found")).to_be_visible()
    j.shot("directory-not-found")

    response = j.goto("spaces:detail", slug="pricing-community")
    assert response.status == 404
    expect(j.page.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(j.page.locator("main")).not_to_contain_text("Pricing community")
    j.shot("other-space-not-found")


def test_the_phone_layout_has_a_menu_and_a_working_directory(demo, journey, expect):
    target, _ = front_liner_in_jakarta()
    j = journey(viewport=PHONE)
    j.log_in("member@example.com")
    toggle = j.page.locator("label.nav-toggle-label")
    people_link = j.page.get_by_role("navigation", name="Main").get_by_role("link", name="People", exact=True)
    expect(toggle).to_be_visible()
    expect(people_link).to_be_hidden()
    j.shot("menu-closed")

    toggle.click()
    expect(people_link).to_be_visible()
    j.shot("menu-open")

    people_link.click()
    expect(j.page.get_by_role("heading", name="People", level=1)).to_be_visible()
    j.page.get_by_label("Search").fill(target.name)
    expect(j.page).to_have_url(re.compile(r"[?&]q="))
    link = j.page.locator("#directory-results").get_by_role("link", name=target.name).first
    expect(link).to_be_visible()
    # Nothing wider than the phone: the page does not scroll sideways.
    assert j.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    j.shot("directory-search")

    link.click()
    expect(j.page.get_by_role("heading", name=target.name, level=1)).to_be_visible()
    j.shot("profile")
