"""Built-in program templates: the outline of a P2P program (objective, expected outcomes,
mechanisms, KPIs with targets) that a program owner starts from. Pure data, no Django.

A template's KPIs name metrics by code: creating a program from the template reuses the
organization's metric of that code, or creates it with the name, direction and unit given
here. Targets are starting points the owner adjusts on the program's page.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class KpiTemplate:
    code: str
    name: str
    direction: str  # "higher" or "lower" is better
    unit_label: str
    target: float
    description: str


@dataclass(frozen=True)
class ProgramTemplate:
    key: str
    name: str
    summary: str  # what it is for, in a sentence
    objective: str
    expected_outcomes: str
    mechanisms: tuple[str, ...]
    kpis: tuple[KpiTemplate, ...]


TEMPLATES: tuple[ProgramTemplate, ...] = (
    ProgramTemplate(
        key="regional-leaders",
        name="Regional leaders learn from each other",
        summary="Leaders in the same role in different regions meet, compare results and copy what works.",
        objective="Let leaders in the same role across regions learn directly from each other instead of waiting "
        "for a central function to codify and send back what works.",
        expected_outcomes="Every leader meets three peers a quarter; the regions that lag close half of the gap "
        "to the best region on the program's KPIs within a year.",
        mechanisms=("matching", "discussions", "recognition"),
        kpis=(
            KpiTemplate("win-rate", "Win rate", "higher", "%", 30.0, "Deals won out of deals closed in the period."),
            KpiTemplate(
                "peer-meetings",
                "Peer meetings per leader",
                "higher",
                "",
                3.0,
                "Peer meetings each leader of the audience held in the quarter.",
            ),
        ),
    ),
    ProgramTemplate(
        key="customer-feedback-loop",
        name="Customer feedback loop",
        summary="What customers say reaches the person who can act on it, and the lesson reaches their peers.",
        objective="Route customer feedback in real time to the person accountable for it, close the loop with a "
        "lesson, and share that lesson with the peers who face the same issue.",
        expected_outcomes="Nine in ten items acknowledged within their SLA; every closed item carries a root cause "
        "and a lesson; NPS up five points.",
        mechanisms=("feedback_loop", "discussions"),
        kpis=(
            KpiTemplate("nps", "Net promoter score", "higher", "", 40.0, "Promoters minus detractors, in points."),
            KpiTemplate(
                "feedback-in-sla",
                "Feedback closed within its SLA",
                "higher",
                "%",
                90.0,
                "Share of feedback items closed within their SLA in the period.",
            ),
        ),
    ),
    ProgramTemplate(
        key="communities-of-practice",
        name="Communities of practice",
        summary="People who do the same work across silos ask, answer and keep a living playbook together.",
        objective="Make peer discussion a regular part of how work is learned: questions answered by peers, "
        "lessons written down, and a playbook the community keeps alive.",
        expected_outcomes="Four in five questions answered by a peer within two days; the playbook re-validated "
        "every quarter; lessons adopted by other units every month.",
        mechanisms=("discussions", "matching", "recognition"),
        kpis=(
            KpiTemplate(
                "questions-answered",
                "Questions answered by a peer",
                "higher",
                "%",
                80.0,
                "Share of questions with an accepted answer within two days.",
            ),
            KpiTemplate(
                "lessons-adopted",
                "Lessons adopted by another unit",
                "higher",
                "",
                10.0,
                "Lessons adopted by a unit other than the author's, in the month.",
            ),
        ),
    ),
    ProgramTemplate(
        key="co-creation-campaign",
        name="Co-creation campaign",
        summary="Customers, partners and fans submit, discuss and vote on ideas tied to one objective.",
        objective="Invite customers, partners and prospects to co-create: submit ideas or designs toward one "
        "business objective, discuss them and vote, and adopt the best.",
        expected_outcomes="A few hundred ideas from outside the company; the best ten taken up by a team; the "
        "participants come back for the next campaign.",
        mechanisms=("cocreation", "recognition"),
        kpis=(
            KpiTemplate(
                "ideas-submitted", "Ideas submitted", "higher", "", 200.0, "Ideas submitted during the campaign."
            ),
            KpiTemplate("ideas-adopted", "Ideas adopted", "higher", "", 10.0, "Ideas a team took up and built."),
        ),
    ),
    ProgramTemplate(
        key="peer-army",
        name="Peer army",
        summary="Super fans, hosts and customers serve other customers, fairly paid and curated.",
        objective="Let members who know the product best serve other customers through listings and bookings, "
        "with two-way reviews, transparent earnings and a fair-pay floor.",
        expected_outcomes="Customers served by peers rate them as well as staff; peers earn at least the floor; "
        "support load falls.",
        mechanisms=("peer_army", "recognition"),
        kpis=(
            KpiTemplate(
                "peer-sessions", "Sessions served by peers", "higher", "", 500.0, "Bookings completed in the period."
            ),
            KpiTemplate("peer-rating", "Rating of peer sessions", "higher", "/5", 4.5, "Mean rating by customers."),
        ),
    ),
)


def template_get(key: str) -> ProgramTemplate | None:
    return next((t for t in TEMPLATES if t.key == key), None)
