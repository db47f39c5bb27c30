"""The demo organization, generated deterministically from a seed (no Django).

``generate(seed, people=2000)`` returns a :class:`DemoOrg`: regions, a unit tree,
people in the import row format of the directory (contracts.md), the vocabulary,
spaces, programs with metric values, and (lazily, through
:meth:`DemoOrg.interactions`) a plausible interaction stream. The same arguments
always give the same output, byte for byte: every draw comes from a
``random.Random`` seeded with a string, and nothing iterates over a set or a hash.

Shape (by default, 2,000 people): one company unit, 8 divisions, ~35 departments
(regional sales, operations and customer success per cluster of regions, functional
departments elsewhere); 12 regions; levels 1 (front line) to 8 (the CEO). As the
organization grows, regions grow slowly (up to 24), departments split into teams of
about 50, and functional divisions gain departments, so units stay ~50-150 people.
"""

import random

from peerloop.demo.generator import data
from peerloop.demo.generator.activity import METRICS, metric_values_for, programs_for, spaces_for, takes_part
from peerloop.demo.generator.data import CITIES
from peerloop.demo.generator.orgtree import EmailBook, OrgBuilder, StaffMember, location_of, person_name, pick, subsets
from peerloop.demo.generator.rows import (
    DEMO_PASSWORD,
    HISTORY_DAYS,
    IMPORT_COLUMNS,
    LOGIN_EMAILS,
    LOGIN_ROLES,
    MAX_LEVEL,
    METRIC_MONTHS,
    MIN_PEOPLE,
    TEAM_SPLIT,
    DemoOrg,
    InteractionRow,
    MetricSpec,
    MetricValueRow,
    PersonRow,
    ProgramSpec,
    Region,
    SpaceSpec,
    Unit,
)

__all__ = [
    "DEMO_PASSWORD",
    "HISTORY_DAYS",
    "IMPORT_COLUMNS",
    "LOGIN_EMAILS",
    "LOGIN_ROLES",
    "MAX_LEVEL",
    "METRIC_MONTHS",
    "MIN_PEOPLE",
    "TEAM_SPLIT",
    "DemoOrg",
    "InteractionRow",
    "MetricSpec",
    "MetricValueRow",
    "PersonRow",
    "ProgramSpec",
    "Region",
    "SpaceSpec",
    "Unit",
    "generate",
    "takes_part",
]


def generate(seed: int = 7, people: int = 2000) -> DemoOrg:
    """Generate the demo organization of ``people`` people (employees and a few guests).

    Deterministic: the same ``seed`` and ``people`` give the same organization.
    """
    if people < MIN_PEOPLE:
        raise ValueError(f"people must be at least {MIN_PEOPLE}")
    builder = OrgBuilder(seed, people)
    builder.build()
    rng = builder.rng
    staff = builder.people

    logins = _choose_logins(builder)
    emails = EmailBook(list(LOGIN_EMAILS.values()))
    for person in staff:
        person.given, person.family = person_name(rng, person.region)
    for role, person in logins.items():
        person.email = LOGIN_EMAILS[role]
    for person in staff:
        if not person.email:
            person.email = emails.make(person.given, person.family)

    parents = {unit.code: unit.parent or "" for unit in builder.units}
    rows: list[PersonRow] = []
    skill_sets = {family: subsets(rng, skills, 2, 4) for family, skills in data.SKILLS.items()}
    topic_sets = {family: subsets(rng, topics, 1, 3) for family, topics in data.FAMILY_TOPICS.items()}
    for number, person in enumerate(staff, start=1):
        family = person.role_family
        skills = pick(rng, skill_sets[family])
        topics = LOGIN_TOPICS.get(person.email) or pick(rng, topic_sets[family])
        rows.append(
            PersonRow(
                email=person.email,
                external_id=f"NS-{number:06d}",
                name=f"{person.given} {person.family}",
                title=person.title,
                role_family=family,
                level=person.level,
                unit=person.unit.code,
                unit_parent=parents[person.unit.code],
                region=person.region.code,
                location=location_of(person.region),
                timezone=person.region.timezone,
                manager_email=person.manager.email if person.manager else "",
                skills=skills,
                topics=topics,
            )
        )
    guests = _guests(rng, builder.guests, emails)
    rows.extend(guests)

    regions = tuple(
        Region(code=city.code, name=city.name, timezone=city.timezone, location=location_of(city), cluster=city.cluster)
        for city in builder.cities
    )
    spaces = spaces_for(builder, rows, guests)
    programs = programs_for(builder)
    values = metric_values_for(rng, builder.units, METRICS, programs)
    return DemoOrg(
        seed=seed,
        size=people,
        company=data.COMPANY_NAME,
        regions=regions,
        units=tuple(builder.units),
        people=tuple(rows),
        topics=data.TOPICS,
        segments=data.SEGMENTS,
        values=data.COMPANY_VALUES,
        logins={role: LOGIN_EMAILS[role] for role in LOGIN_ROLES},
        spaces=spaces,
        metrics=METRICS,
        programs=programs,
        metric_values=values,
        _interactions_seed=f"peerloop-demo:{seed}:{people}:interactions",
    )


# The demo logins care about what their stories are about (the member is in the pricing community).
LOGIN_TOPICS = {
    LOGIN_EMAILS["member"]: ("Pricing", "Key accounts", "Negotiation"),
    LOGIN_EMAILS["leader"]: ("Forecasting", "Key accounts"),
    LOGIN_EMAILS["program_owner"]: ("Coaching", "Onboarding"),
    LOGIN_EMAILS["admin"]: ("Security", "Reliability"),
}


def _choose_logins(builder: OrgBuilder) -> dict[str, StaffMember]:
    """The four employees with demo logins: recognizable places in the organization."""
    heads = builder.heads
    member = heads[f"sales-{builder.cities[0].code}"]  # Head of Sales, Jakarta (level 6)
    leader = heads["sales"]  # VP Sales, the member's manager
    owner = heads.get("learning") or heads["people"]  # Head of Learning & Development
    engineers = [p for p in builder.people if p.unit.division == "engineering" and p.level <= 4]
    in_infrastructure = [p for p in engineers if p.unit.code.startswith("infrastructure")]
    admin = (in_infrastructure or engineers or [heads["engineering"]])[0]
    if admin.level <= 4:
        admin.title = "Systems Administrator"
    return {"admin": admin, "program_owner": owner, "leader": leader, "member": member}


def _guests(rng: random.Random, count: int, emails: EmailBook) -> list[PersonRow]:
    rows = []
    for number, (role, company) in enumerate(data.GUEST_COMPANIES[:count]):
        city = CITIES[number]
        given, family = person_name(rng, city)
        email = LOGIN_EMAILS["guest"] if number == 0 else emails.make(given, family)
        rows.append(
            PersonRow(
                email=email,
                external_id="",
                name=f"{given} {family}",
                title=f"{role}, {company}",
                role_family="",
                level=None,
                unit="",
                unit_parent="",
                region="",
                location=location_of(city),
                timezone=city.timezone,
                manager_email="",
                skills=(),
                topics=tuple(rng.sample(("Onboarding", "Delivery times", "Pricing", "Customer feedback"), 2)),
                kind="guest",
            )
        )
    return rows
