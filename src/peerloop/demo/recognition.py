"""The demo organization's recognition: allowances, earning rules, kudos between peers,
a reciprocal ring for the admin to find, unit budgets and a rewards catalog.

Deterministic for a seed; everything goes through recognition's services.
"""

from datetime import datetime, timedelta
import random

from peerloop.core import queries as core_queries
from peerloop.core import services as core_services
from peerloop.core.roles import SYSTEM
from peerloop.demo.generator import DemoOrg
from peerloop.people import queries as people_queries
from peerloop.recognition import services
from peerloop.vocabulary import queries as vocabulary_queries

MESSAGES = (
    "Your pricing playbook saved my renewal call this week.",
    "Thanks for walking me through how your region runs onboarding.",
    "You answered my question in the community within the hour. Huge help.",
    "The lesson you shared from that customer escalation changed how we triage.",
    "Thanks for pairing with me on the forecast review.",
    "Your notes from the peer session were the clearest summary I have read.",
    "You closed the loop with the customer and told us what you learned. Thank you.",
    "Thanks for introducing me to the team in São Paulo.",
)
RULES = (
    ("Accepted answer", "discussion.answer_accepted", "target", 20, 10, "Helpful answerer", False),
    ("Lesson endorsed by a peer", "discussion.lesson_endorsed", "target", 10, 10, "", False),
    ("Lesson adopted by another unit", "discussion.lesson_adopted", "target", 40, 5, "Practice travelled", True),
    ("Feedback loop closed within its SLA", "feedback.closed_within_sla", "actor", 15, 10, "Loop closer", False),
    ("Peer session attended", "discussion.session_attended", "actor", 3, 8, "", False),
    ("Peer pair met and rated", "match.rated", "actor", 5, 4, "", False),
)
REWARDS = (
    ("Coffee with a peer in another region", "We pay for a coffee (or a video call snack) with a peer.", 40, None),
    ("A book of your choice", "Any book that helps you learn your craft.", 150, None),
    ("A day at a peer's site", "Travel to spend a day with a peer team in another unit.", 700, None),
)


def recognition_load(*, org: DemoOrg, person_ids: dict[str, int], now: datetime) -> dict:
    """Seed recognition for the loaded demo organization; returns what it made."""
    rng = random.Random(f"recognition:{org.seed}")
    logins = org.logins
    people = list(people_queries.person_list().filter(kind="employee").values_list("id", "unit_id", "manager_id"))
    ids = [pid for pid, _, _ in people]
    unit_of = {pid: unit for pid, unit, _ in people}
    values = list(vocabulary_queries.company_value_list().values_list("id", flat=True))
    topics = list(vocabulary_queries.topic_list().values_list("id", flat=True)[:40])

    services.policy_save(actor=SYSTEM, scope="everyone", amount=100, per_recipient_cap=40)
    services.policy_save(actor=SYSTEM, scope="role", role="leader", amount=150, per_recipient_cap=50)
    services.allowance_grant()
    for name, kind, who, points, cap, badge, cross_unit in RULES:
        services.rule_save(
            actor=SYSTEM,
            name=name,
            event_kind=kind,
            beneficiary=who,
            points=points,
            cap_per_period=cap,
            badge_name=badge,
            cross_unit_only=cross_unit,
        )
    top = people_queries.unit_list().filter(parent__isnull=True)
    for unit in people_queries.unit_list().filter(parent__in=top) or top:
        services.budget_fund(actor=SYSTEM, unit_id=unit.pk, amount=5000, reason="Rewards budget for the year")
    for name, description, cost, approval in REWARDS:
        services.reward_save(actor=SYSTEM, name=name, description=description, cost=cost, approval=approval)

    member = person_ids[logins["member"]]
    leader = person_ids[logins["leader"]]
    owner = person_ids[logins["program_owner"]]
    kudos = 0

    def give(giver: int, recipient: int, amount: int) -> None:
        nonlocal kudos
        services.kudos_give(
            actor=SYSTEM,
            giver_id=giver,
            recipient_id=recipient,
            amount=amount,
            message=rng.choice(MESSAGES),
            value_id=rng.choice(values) if values else None,
            topic_ids=rng.sample(topics, k=min(len(topics), rng.randint(0, 2))),
            public=rng.random() > 0.1,
        )
        kudos += 1

    # Peers thanking peers, mostly across units.
    givers = rng.sample(ids, k=min(len(ids), 150))
    for giver in givers:
        others = [p for p in rng.sample(ids, k=min(len(ids), 6)) if p != giver]
        across = [p for p in others if unit_of[p] != unit_of[giver]] or others
        for recipient in across[:2]:
            give(giver, recipient, rng.choice((5, 10, 10, 15)))
    # The demo member is thanked by a few colleagues, so they can redeem a reward.
    for giver in [p for p in rng.sample(ids, k=min(len(ids), 12)) if p != member][:10]:
        give(giver, member, 20)
    give(leader, member, 20)
    give(owner, member, 10)
    # A reciprocal ring of three the admin's flags page shows.
    ring = [p for p in rng.sample(ids, k=min(len(ids), 10)) if p not in (member, leader, owner)][:3]
    if len(ring) == 3:
        for _ in range(3):
            for i in range(3):
                give(ring[i], ring[(i + 1) % 3], 10)

    # Accepted answers and loops closed within their SLA, as discussions and feedback record
    # them, for each kind the stream has none of yet (those modules' demos may record them).
    def missing(kind: str) -> bool:
        return not core_queries.interaction_after(after_id=0, kinds=[kind], limit=1)

    events = []
    if missing("discussion.answer_accepted"):
        for i in range(60):
            asker, answerer = rng.sample(ids, k=2)
            when = now - timedelta(days=rng.randint(0, 20), hours=rng.randint(0, 23))
            events.append(
                core_services.InteractionEvent(
                    kind="discussion.answer_accepted",
                    actor_id=asker,
                    target_ids=[member if i < 3 else answerer],
                    object_type="post",
                    object_id=f"demo-{i}",
                    occurred_at=when,
                )
            )
    if missing("feedback.closed_within_sla"):
        for i in range(40):
            owner_id = member if i < 2 else rng.choice(ids)
            when = now - timedelta(days=rng.randint(0, 20), hours=rng.randint(0, 23))
            events.append(
                core_services.InteractionEvent(
                    kind="feedback.closed_within_sla",
                    actor_id=owner_id,
                    object_type="feedback_item",
                    object_id=f"demo-{i}",
                    occurred_at=when,
                )
            )
    recorded = core_services.interaction_record_many(events=events) if events else 0
    applied = services.rules_apply()
    flags = services.flags_detect()
    return {"kudos": kudos, "events": recorded, "awards": applied.awarded, "flags": flags.new}
