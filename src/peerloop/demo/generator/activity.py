"""What the demo organization does: its spaces, programs, metrics and monthly metric values."""

from collections.abc import Sequence
import random
import zlib

from peerloop.demo.generator.orgtree import OrgBuilder
from peerloop.demo.generator.rows import (
    LOGIN_EMAILS,
    METRIC_MONTHS,
    MetricSpec,
    MetricValueRow,
    PersonRow,
    ProgramSpec,
    SpaceSpec,
    Unit,
)


def spaces_for(builder: OrgBuilder, rows: list[PersonRow], guests: list[PersonRow]) -> tuple[SpaceSpec, ...]:
    heads = builder.heads
    sales_heads = [heads[f"sales-{city.code}"] for city in builder.cities]
    circles = max(1, round(len(sales_heads) / 4))
    spaces: list[SpaceSpec] = []
    for number in range(circles):
        group = sales_heads[number::circles]
        cities = ", ".join(person.region.name for person in group)
        spaces.append(
            SpaceSpec(
                slug=f"sales-heads-circle-{chr(ord('a') + number)}",
                kind="circle",
                name=f"Regional sales heads · Circle {chr(ord('A') + number)}",
                description=f"Heads of sales in {cities} meet every two weeks to swap what works.",
                goals="Raise win rates by learning from peers in other regions, not only from headquarters.",
                topics=("pricing", "key-accounts"),
                hosts=(group[0].email,),
                members=tuple(person.email for person in group[1:]),
            )
        )

    owner = LOGIN_EMAILS["program_owner"]
    pricing_host = heads.get("product-marketing")
    hosts = (owner,) + ((pricing_host.email,) if pricing_host else ())
    members: list[str] = [p.email for p in sales_heads]
    members += [row.email for row in rows if row.kind == "employee" and "Pricing" in row.topics][:120]
    spaces.append(
        SpaceSpec(
            slug="pricing-community",
            kind="community",
            name="Pricing community of practice",
            description="Everyone who sets, defends or analyses prices: what discount worked, where, and why.",
            goals="One shared playbook for pricing conversations; fewer discounts given without a reason.",
            topics=("pricing", "negotiation"),
            hosts=hosts,
            members=_unique(members, exclude=hosts),
        )
    )

    ops_head = heads["operations"]
    ops_members = [p.email for p in builder.people if p.unit.division == "operations" and p.level in (4, 5, 6)]
    spaces.append(
        SpaceSpec(
            slug="delivery-times",
            kind="community",
            name="Delivery times community",
            description="Operations leads compare what shortens deliveries in their cities.",
            goals="Cut the average delivery time by copying what the fastest regions do.",
            topics=("delivery-times", "last-mile"),
            hosts=(ops_head.email,),
            members=_unique(ops_members[:80], exclude=(ops_head.email,)),
        )
    )

    council_hosts = (LOGIN_EMAILS["member"], heads["customer-success"].email)
    council_members = [row.email for row in guests]
    council_members += [
        p.email
        for p in builder.people
        if p.unit.division == "customer-success" and p.unit.kind == "department" and p is heads[p.unit.code]
    ]
    if "product-management" in heads:
        council_members.append(heads["product-management"].email)
    spaces.append(
        SpaceSpec(
            slug="customer-council",
            kind="cocreation",
            name="Customer council",
            description="Customers and the people who serve them shape onboarding and delivery together.",
            goals="Hear customers first-hand; co-design the next onboarding and delivery experience.",
            topics=("onboarding", "delivery-times", "customer-feedback"),
            hosts=council_hosts,
            members=_unique(council_members, exclude=council_hosts),
        )
    )
    return tuple(spaces)


def _unique(emails: Sequence[str], *, exclude: Sequence[str]) -> tuple[str, ...]:
    seen = dict.fromkeys(exclude)
    result = []
    for email in emails:
        if email not in seen:
            seen[email] = None
            result.append(email)
    return tuple(result)


METRICS: tuple[MetricSpec, ...] = (
    MetricSpec("win-rate", "Win rate", "higher", "%", "Deals won out of deals closed.", "sales", 24.0, 28.0),
    MetricSpec(
        "days-to-close", "Days to close", "lower", "days", "From first meeting to signature.", "sales", 46.0, 40.0, 0
    ),
    MetricSpec(
        "delivery-days", "Average delivery time", "lower", "days", "From order to doorstep.", "operations", 3.6, 3.0, 2
    ),
    MetricSpec(
        "on-time-rate",
        "On-time deliveries",
        "higher",
        "%",
        "Deliveries within the promised window.",
        "operations",
        87.0,
        93.0,
    ),
    MetricSpec(
        "nps",
        "Net promoter score",
        "higher",
        "points",
        "Promoters minus detractors.",
        "customer-success",
        32.0,
        40.0,
        0,
    ),
    MetricSpec(
        "churn-rate", "Monthly churn", "lower", "%", "Customers lost in the month.", "customer-success", 2.4, 1.8, 2
    ),
)


def programs_for(builder: OrgBuilder) -> tuple[ProgramSpec, ...]:
    heads = builder.heads
    owner = LOGIN_EMAILS["program_owner"]
    return (
        ProgramSpec(
            name="Sales heads learn across regions",
            objective="Raise win rates by letting regional heads of sales learn directly from each other.",
            expected_outcomes="Every head of sales meets three peers a quarter; the win rate rises four points.",
            owner=owner,
            sponsor=LOGIN_EMAILS["leader"],
            mechanisms=("matching", "discussions"),
            audience_filter={"role_families": ["sales"], "levels": [6]},
            audience_space=None,
            status="active",
            started_months_ago=5,
            duration_months=12,
            kpis=("win-rate", "days-to-close"),
        ),
        ProgramSpec(
            name="Faster deliveries, peer to peer",
            objective="Shorten deliveries by pairing operations leads with the peers who deliver fastest.",
            expected_outcomes="Delivery time down to three days; on-time deliveries above 93%.",
            owner=owner,
            sponsor=heads["operations"].email,
            mechanisms=("matching", "feedback_loop"),
            audience_filter={"role_families": ["operations"], "levels": [4, 5, 6]},
            audience_space=None,
            status="active",
            started_months_ago=4,
            duration_months=12,
            kpis=("delivery-days", "on-time-rate"),
        ),
        ProgramSpec(
            name="Customer voice loop",
            objective="Route what customers tell us to the person who can act on it, and share the lesson.",
            expected_outcomes="Every complaint answered within a week; NPS up eight points; churn under 2%.",
            owner=owner,
            sponsor=heads["customer-success"].email,
            mechanisms=("feedback_loop", "cocreation"),
            audience_filter={},
            audience_space="customer-council",
            status="active",
            started_months_ago=2,
            duration_months=12,
            kpis=("nps", "churn-rate"),
        ),
        ProgramSpec(
            name="Meet a peer across the company",
            objective="Everyone meets a peer at their level in another unit every month.",
            expected_outcomes="Four in five people meet their peer; half of them keep in touch.",
            owner=owner,
            sponsor=LOGIN_EMAILS["leader"],
            mechanisms=("matching",),
            audience_filter={},
            audience_space=None,
            status="active",
            started_months_ago=1,
            duration_months=12,
            kpis=(),
        ),
    )


def takes_part(unit_code: str) -> bool:
    """Whether a unit's people take part in the programs that measure its metrics: about two
    units in three do; the others are the comparison group the program's impact is measured
    against (the demo's matching follow-ups agree: their people do not meet)."""
    return zlib.crc32(unit_code.encode()) % 3 != 0


def metric_values_for(
    rng: random.Random, units: Sequence[Unit], metrics: Sequence[MetricSpec], programs: Sequence[ProgramSpec]
) -> tuple[MetricValueRow, ...]:
    """Twelve monthly values per department and team of the metric's division.

    Units start around the KPI's baseline (some better, some worse: their average is
    the baseline) and vary from month to month; the units that take part (:func:`takes_part`)
    move towards the target once the program measuring the metric started, reaching most of
    the way in about eight months.
    """
    started = {code: program.started_months_ago for program in programs for code in program.kpis}
    rows = []
    for metric in metrics:
        gap = metric.target - metric.baseline
        reporting = [unit for unit in units if unit.division == metric.division and unit.kind in ("department", "team")]
        offsets = [rng.uniform(-0.6, 0.6) * abs(gap) for _ in reporting]
        mean = sum(offsets) / len(offsets) if offsets else 0.0
        for unit, offset in zip(reporting, offsets, strict=True):
            level = metric.baseline + offset - mean
            gain = gap * rng.uniform(0.5, 1.1)
            if not takes_part(unit.code):
                gain = 0.0
            for months_ago in range(METRIC_MONTHS, 0, -1):
                since = started.get(metric.code, 0) - months_ago + 1
                effect = gain * min(1.0, since / 8) if since > 0 else 0.0
                value = level + effect + rng.gauss(0, abs(gap) * 0.08)
                if metric.unit_label == "%":
                    value = min(100.0, value)
                rows.append(MetricValueRow(metric.code, unit.code, months_ago, round(max(0.0, value), metric.decimals)))
    return tuple(rows)
