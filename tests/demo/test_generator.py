"""The demo generator: deterministic, realistic in shape, and scalable (no database)."""

from collections import Counter
import dataclasses
import json
import subprocess
import sys

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
import pytest

from peerloop.demo.generator import (
    HISTORY_DAYS,
    IMPORT_COLUMNS,
    LOGIN_EMAILS,
    METRIC_MONTHS,
    MIN_PEOPLE,
    TEAM_SPLIT,
    DemoOrg,
    data,
    generate,
)


def dump(org: DemoOrg) -> bytes:
    return json.dumps(dataclasses.asdict(org), ensure_ascii=False, sort_keys=True).encode()


@pytest.fixture(scope="module")
def org() -> DemoOrg:
    return generate(7, 2000)


def check_org(org: DemoOrg) -> None:
    """The invariants every generated organization keeps, whatever its seed and size."""
    people = org.people
    employees = [p for p in people if p.kind == "employee"]
    guests = [p for p in people if p.kind == "guest"]
    assert len(people) == org.size
    assert 1 <= len(guests) <= len(data.GUEST_COMPANIES)

    emails = [p.email for p in people]
    assert len(set(emails)) == len(emails)
    assert all(e.endswith("@example.com") and e.isascii() and e == e.lower() for e in emails)
    assert set(LOGIN_EMAILS.values()) <= set(emails)

    # The unit tree: unique codes, one root, parents known and listed first.
    codes = [u.code for u in org.units]
    assert len(set(codes)) == len(codes)
    seen: set[str] = set()
    for unit in org.units:
        assert unit.parent is None or unit.parent in seen
        seen.add(unit.code)
    assert [u.code for u in org.units if u.parent is None] == [data.COMPANY_CODE]

    # Every unit and every region has people; units stay of a human size.
    per_unit = Counter(p.unit for p in employees)
    assert set(per_unit) == set(codes)
    assert max(per_unit.values()) <= TEAM_SPLIT + 1
    assert {p.region for p in employees} == {r.code for r in org.regions}
    parents = {u.code: u.parent or "" for u in org.units}
    assert all(p.unit_parent == parents[p.unit] for p in employees)

    # Managers form one tree: the CEO at the top, each manager strictly higher, listed first.
    level = {p.email: p.level for p in employees}
    position: dict[str, int] = {}
    for index, person in enumerate(people):
        position[person.email] = index
        if person.manager_email:
            assert person.manager_email in position, f"{person.email}'s manager is not listed before them"
            assert level[person.manager_email] > person.level
    roots = [p for p in employees if not p.manager_email]
    assert len(roots) == 1 and roots[0].level == 8 and roots[0].title == "Chief Executive Officer"
    managers = {p.email: p.manager_email for p in employees}
    for start in managers:  # no cycle: every chain reaches the CEO within 8 steps
        node, steps = start, 0
        while managers[node]:
            node, steps = managers[node], steps + 1
            assert steps <= 8
        assert node == roots[0].email
    assert all(1 <= p.level <= 8 for p in employees)

    for guest in guests:
        assert (guest.unit, guest.level, guest.manager_email, guest.region) == ("", None, "", "")

    # Import rows: exactly the import columns, all text; topics are vocabulary names.
    topic_names = {t.name for t in org.topics}
    for row in org.people_rows()[:200]:
        assert tuple(row) == IMPORT_COLUMNS
        assert all(isinstance(value, str) for value in row.values())
    assert all(set(p.topics) <= topic_names for p in people)
    assert all(";" not in skill for p in people for skill in p.skills)
    assert all(p.timezone for p in people)

    # Spaces name people who exist; the guests belong to the customer council only.
    slugs = {t.slug for t in org.topics}
    guest_emails = {g.email for g in guests}
    for space in org.spaces:
        members = [*space.hosts, *space.members]
        assert len(set(members)) == len(members)
        assert set(members) <= set(emails)
        assert set(space.topics) <= slugs
        if space.slug == "customer-council":
            assert guest_emails <= set(members)
        else:
            assert not guest_emails & set(members)

    # Twelve months of values per metric and unit; programs measure known metrics.
    metric_codes = {m.code for m in org.metrics}
    per_series = Counter((v.metric, v.unit) for v in org.metric_values)
    assert set(per_series.values()) == {METRIC_MONTHS}
    assert {metric for metric, _ in per_series} == metric_codes
    assert {unit for _, unit in per_series} <= set(codes)
    assert all(set(p.kpis) <= metric_codes for p in org.programs)
    assert {p.owner for p in org.programs} == {LOGIN_EMAILS["program_owner"]}


def test_the_default_organization_has_the_promised_shape(org):
    check_org(org)
    assert len(org.people) == 2000
    assert [r.name for r in org.regions] == [
        "Jakarta",
        "São Paulo",
        "Lagos",
        "Mumbai",
        "Berlin",
        "Chicago",
        "Mexico City",
        "Singapore",
        "Nairobi",
        "Paris",
        "Sydney",
        "Toronto",
    ]
    assert {r.code: r.timezone for r in org.regions}["sao-paulo"] == "America/Sao_Paulo"
    assert 38 <= len(org.units) <= 48
    assert [u.name for u in org.units if u.kind == "division"] == [
        "Sales",
        "Operations",
        "Customer Success",
        "Engineering",
        "Product",
        "Marketing",
        "Finance",
        "People",
    ]
    levels = Counter(p.level for p in org.people if p.kind == "employee")
    assert set(levels) == set(range(1, 9))
    assert levels[8] == 1 and levels[7] == 8
    assert levels[1] > levels[2] > levels[3] > levels[4] > levels[5]
    assert {p.role_family for p in org.people if p.kind == "employee"} == set(data.TITLES)
    assert 25 <= len(org.topics) <= 40
    assert sum(1 for t in org.topics if t.parent is None) >= 5


def test_the_five_demo_logins_are_recognizable_people(org):
    by_email = {p.email: p for p in org.people}
    member = by_email["member@example.com"]
    leader = by_email["leader@example.com"]
    owner = by_email["owner@example.com"]
    admin = by_email["admin@example.com"]
    guest = by_email["guest@example.com"]
    assert (member.title, member.level, member.unit, member.region) == (
        "Head of Sales, Jakarta",
        6,
        "sales-jakarta",
        "jakarta",
    )
    assert (leader.title, leader.level, leader.unit) == ("VP Sales", 7, "sales")
    assert member.manager_email == leader.email
    assert "Pricing" in member.topics
    assert (owner.title, owner.level) == ("Head of Learning & Development", 6)
    assert admin.title == "Systems Administrator" and admin.unit == "infrastructure"
    assert (guest.kind, guest.title) == ("guest", "Owner, Toko Makmur")
    assert org.logins == {
        "admin": "admin@example.com",
        "program_owner": "owner@example.com",
        "leader": "leader@example.com",
        "member": "member@example.com",
        "guest": "guest@example.com",
    }


def test_spaces_and_programs_of_the_default_demo(org):
    spaces = {s.slug: s for s in org.spaces}
    circles = [s for s in org.spaces if s.kind == "circle"]
    assert len(circles) == 3
    heads = sorted(e for s in circles for e in (*s.hosts, *s.members))
    assert heads == sorted(p.email for p in org.people if p.title.startswith("Head of Sales, "))
    assert "member@example.com" in spaces["sales-heads-circle-a"].hosts
    assert spaces["pricing-community"].kind == "community"
    assert "pricing" in spaces["pricing-community"].topics
    council = spaces["customer-council"]
    assert council.kind == "cocreation"
    assert "guest@example.com" in council.members
    assert len(org.programs) == 4
    measured = [p for p in org.programs if p.kpis]
    assert [len(p.kpis) for p in measured] == [2, 2, 2]
    everyone = next(p for p in org.programs if not p.kpis)
    assert everyone.mechanisms == ("matching",) and everyone.audience_filter == {} and everyone.audience_space is None


def test_the_same_seed_gives_byte_identical_output():
    first, second = generate(11, 800), generate(11, 800)
    assert dump(first) == dump(second)
    assert list(first.interactions()) == list(second.interactions())
    assert dump(generate(12, 800)) != dump(first)


def test_the_output_does_not_depend_on_hash_randomization():
    script = (
        "import dataclasses, hashlib, json; from peerloop.demo.generator import generate; "
        "org = generate(5, 300); "
        "blob = json.dumps(dataclasses.asdict(org), sort_keys=True).encode(); "
        "blob += repr(list(org.interactions())).encode(); "
        "print(hashlib.sha256(blob).hexdigest())"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed, "PATH": ""},
        ).stdout
        for seed in ("1", "2")
    }
    assert len(digests) == 1


def test_the_generator_imports_no_django():
    script = "import sys, peerloop.demo.generator; print(sorted(m for m in sys.modules if m.startswith('django')))"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_the_interaction_stream_is_mostly_local_with_some_lateral_ties(org):
    people = {p.email: p for p in org.people}
    events = list(org.interactions())
    assert 10 * len(org.people) > len(events) > 5 * len(org.people)
    assert {e.kind for e in events} == {"message.sent", "meeting.held"}
    spaces = {s.slug for s in org.spaces}
    within = chain = lateral = 0
    for event in events:
        assert event.actor in people
        assert event.actor not in event.targets
        assert event.targets and set(event.targets) <= set(people)
        assert 0 <= event.seconds_ago < HISTORY_DAYS * 86400
        assert event.space is None or event.space in spaces
        actor = people[event.actor]
        for email in event.targets:
            target = people[email]
            if target.unit == actor.unit:
                within += 1
            elif email == actor.manager_email or target.manager_email == actor.email:
                chain += 1
            elif target.level == actor.level:
                lateral += 1
    edges = sum(len(e.targets) for e in events)
    assert (within + chain) / edges > 0.6
    assert 0.05 < lateral / edges < 0.3


def test_sizes_scale_with_the_same_shape():
    small, large = generate(3, 200), generate(3, 20_000)
    for org in (small, large):
        check_org(org)
    assert len(small.regions) < 12 < len(large.regions) <= len(data.CITIES)
    assert len(small.units) < 40 < len(large.units)
    assert any(u.kind == "team" for u in large.units)
    assert not any(u.kind == "team" for u in small.units)
    # Unit sizes stay of the same order whatever the size of the organization.
    for org in (small, large):
        employees = sum(1 for p in org.people if p.kind == "employee")
        assert employees / len(org.units) < 80


def test_too_small_an_organization_is_refused():
    with pytest.raises(ValueError, match=f"at least {MIN_PEOPLE}"):
        generate(1, MIN_PEOPLE - 1)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(min_value=0, max_value=2**31), people=st.integers(min_value=MIN_PEOPLE, max_value=3000))
def test_every_seed_and_size_gives_a_consistent_organization(seed, people):
    org = generate(seed, people)
    check_org(org)
    assert all(e.actor != t for e in org.interactions() for t in e.targets)
