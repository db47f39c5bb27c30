"""The demo organization's feedback loop: sources, routing rules, a survey, a few hundred
items from the webhook, a CSV upload and the survey over the last two months, routed to
the heads accountable; some acknowledged, some closed with lessons shared to peers.

The loop plays out over time: items are routed in three-day waves as they arrived, owners
acknowledge them hours to days later and close some days after that, so loop latencies
look like a working organization's (the newest items still wait in inboxes, within SLA).

Everything goes through the feedback services (the webhook deliveries are signed, the
CSV goes through the upload's checks), and the same seed gives the same data.
"""

from datetime import datetime, timedelta
import json
import random
from typing import Any

from peerloop.core.roles import SYSTEM
from peerloop.feedback import services
from peerloop.feedback.models import FeedbackItem, ItemState, RoutingRule
from peerloop.feedback.services.ingest import csv_of, processing_deferred
from peerloop.people import queries as people_queries
from peerloop.vocabulary import queries as vocabulary_queries

CITIES = ("jakarta", "sao-paulo", "lagos", "mumbai", "berlin", "chicago", "mexico-city")
SEGMENTS = ("small-retailers", "restaurants-cafes", "enterprise-chains", "distributors", "public-sector")
PRODUCTS = ("Daily fresh box", "Pantry restock", "Office coffee", "Catering trays")
# (topic slug, sentences customers write about it)
SAYINGS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("pricing", ("The price went up again without any notice.", "Your discounts are worse than last year.",
                 "Margins on the pantry range make no sense to us.", "We were billed the old price list.")),
    ("negotiation", ("Closing deals with your team takes forever.", "The contract talks stalled for weeks.")),
    ("key-accounts", ("As an enterprise account we expected a dedicated contact.", "Our KAM changed three times.")),
    ("delivery-times", ("Late deliveries twice this week.", "The lead time doubled since spring.",
                        "Shipping time is now five days instead of two.")),
    ("last-mile", ("The couriers left the boxes outside in the rain.", "Last-mile delivery keeps missing our slot.",
                   "Couriers never call before arriving.")),
    ("inventory", ("Stockouts of the coffee again.", "Half the order was missing: out of stock.")),
    ("quality-control", ("Several defects in the last batch.", "QC let through damaged trays.")),
    ("churn", ("We are thinking about cancellations of two outlets.", "Attrition among our shops is due to you.")),
    ("onboarding", ("The first order was a mess.", "Activation of our account took three weeks.")),
    ("mobile-app", ("The app crashes when I reorder.", "The android app logs me out every day.")),
)  # fmt: skip
VAGUE = ("Not happy with the service lately.", "Good overall, keep it up.", "Could be better.", "Thanks for the help!")
RULES: tuple[tuple[str, str | None, str, str, int, int], ...] = (
    # (name, topic slug, role family, scope, priority, SLA hours)
    ("Pricing to the head of sales of the region", "pricing", "sales", "region", 10, 24),
    ("Negotiation to the head of sales of the region", "negotiation", "sales", "region", 11, 48),
    ("Key accounts to the head of sales of the region", "key-accounts", "sales", "region", 12, 24),
    ("Churn to the head of sales of the region", "churn", "sales", "region", 13, 24),
    ("Delivery times to operations", "delivery-times", "operations", "anywhere", 20, 24),
    ("Last mile to operations", "last-mile", "operations", "anywhere", 21, 24),
    ("Inventory to operations", "inventory", "operations", "anywhere", 22, 48),
    ("Quality control to operations", "quality-control", "operations", "anywhere", 23, 48),
    ("Onboarding to customer success", "onboarding", "customer_success", "anywhere", 30, 48),
    ("Mobile app to engineering", "mobile-app", "engineering", "anywhere", 40, 72),
)
LESSONS = (
    ("The spring price list reached shops after it took effect.",
     "Send every price change to shops a month ahead, with the reason, and let heads of sales call the top 20."),
    ("Discounts were cut centrally without telling the regions.",
     "Agree discount changes with each region first; a one-page note per segment avoids most complaints."),
    ("Couriers had no delivery window on their manifest.",
     "Print the customer's delivery window on the manifest and have couriers call 15 minutes before."),
)  # fmt: skip


def _record(rng: random.Random, now: datetime, days: int, cities: list[str]) -> dict[str, Any]:
    slug, sentences = rng.choice(SAYINGS) if rng.random() < 0.88 else ("", VAGUE)
    # Last mile is the emerging issue: mostly in the last two weeks.
    age = rng.uniform(0, 14) if slug == "last-mile" else rng.uniform(0, days)
    return {
        "text": rng.choice(sentences),
        "score": rng.choice((1, 2, 3, 4, 5, 6, 7, 8)) if slug else rng.choice((6, 7, 8, 9, 10)),
        "segment": rng.choice(SEGMENTS),
        "product": rng.choice(PRODUCTS),
        "region": rng.choice(cities),
        "occurred_at": (now - timedelta(days=age)).isoformat(),
    }


WAVE = timedelta(days=3)
# Items routed less than this long ago may still wait in their owner's inbox (shorter than
# every rule's SLA: the demo opens with no overdue item and no reassignment).
FRESH = timedelta(hours=18)


def load(seed: int, person_ids: dict[str, int], space_ids: dict[str, int], now: datetime, items: int = 320) -> int:
    """Seed the loop; returns the number of items."""
    rng = random.Random(f"peerloop-demo:{seed}:feedback")
    topics = dict(vocabulary_queries.topic_list().values_list("slug", "id"))
    for name, slug, family, scope, priority, sla in RULES:
        services.rule_save(actor=SYSTEM, name=name, topic_id=topics.get(slug) if slug else None, role_family=family,
                           min_level=6, scope=scope, priority=priority, sla_hours=sla)  # fmt: skip
    hook = services.source_create(
        actor=SYSTEM, name="Shop reviews", kind="webhook", slug="shop-reviews",
        mapping={"text": "review.body", "score": "review.stars", "region": "store.region", "segment": "store.segment",
                 "occurred_at": "review.at"},
    )  # fmt: skip
    crm = services.source_create(actor=SYSTEM, name="CRM export", kind="upload", slug="crm-export")
    survey = services.survey_create(
        actor=SYSTEM, title="Customer council pulse", question="How likely are you to recommend us to a peer?",
        space_id=space_ids.get("customer-council"),
    )  # fmt: skip
    known = set(people_queries.region_list().values_list("code", flat=True))
    cities = [c for c in CITIES if c in known] or sorted(known)
    records = [_record(rng, now, 60, cities) for _ in range(items)]
    _freshen_member_pricing(rng, records, now)
    half = len(records) // 2
    # Wave by wave, oldest first: what arrived in three days is stored, then routed at the
    # end of those three days (the newest wave a few minutes before ``now``).
    waves: dict[int, list[int]] = {}
    for index, record in enumerate(records):
        age = now - datetime.fromisoformat(record["occurred_at"])
        waves.setdefault(int(age / WAVE), []).append(index)
    for wave in sorted(waves, reverse=True):
        indices = waves[wave]
        with processing_deferred():
            _ingest(records, [i for i in indices if i < half], [i for i in indices if i >= half], hook, crm, now)
        latest = max(datetime.fromisoformat(records[i]["occurred_at"]) for i in indices)
        services.outbox_drain(now=min(latest + timedelta(minutes=rng.uniform(2, 30)), now - timedelta(minutes=1)))
    _move(rng, person_ids, now)
    _ = survey
    return FeedbackItem.objects.count()


def _freshen_member_pricing(rng: random.Random, records: list[dict[str, Any]], now: datetime) -> None:
    """The demo member's journey starts from a pricing item in her inbox: the first Jakarta
    pricing record arrived a few hours ago."""
    pricing = dict(SAYINGS)["pricing"]
    for record in records:
        if record["region"] == "jakarta" and record["text"] in pricing:
            record["occurred_at"] = (now - timedelta(hours=rng.uniform(1, 6))).isoformat()
            return


def _ingest(records: list[dict[str, Any]], hooked: list[int], uploaded: list[int], hook: Any, crm: Any,
            now: datetime) -> None:  # fmt: skip
    for number in hooked:
        record = records[number]
        payload = {
            "review": {"body": record["text"], "stars": record["score"], "at": record["occurred_at"]},
            "store": {"region": record["region"], "segment": record["segment"]},
        }
        body = json.dumps(payload).encode()
        stamp = str(int(now.timestamp()))
        signature = services.signature_for(hook.secret, stamp, body)
        services.webhook_receive(
            source_slug=hook.slug, body=body, timestamp=stamp, event_id=f"demo-{number}", signature=signature,
            now=now.timestamp(),
        )  # fmt: skip
    if not uploaded:
        return
    rows = [{**records[i], "idempotency_key": f"crm-{i}"} for i in uploaded]
    report = services.item_import_file(actor=SYSTEM, data=csv_of(rows), name="crm-export.csv", dry_run=False,
                                       source_id=crm.pk)  # fmt: skip
    if report.errors:
        raise ValueError(f"The demo feedback upload was refused: {report.errors[:3]}")


def _later(rng: random.Random, start: datetime, median_hours: float, now: datetime) -> datetime:
    """A moment after ``start``, log-normally hours to days later (median ``median_hours``),
    never after ``now``."""
    wait = timedelta(hours=median_hours * rng.lognormvariate(0, 0.9))
    latest = now - timedelta(minutes=1)
    if start + wait <= latest:
        return start + wait
    return start + (latest - start) * rng.uniform(0.3, 0.95) if latest > start else start


def _move(rng: random.Random, person_ids: dict[str, int], now: datetime) -> None:
    """Owners work their inboxes: most items acknowledged hours after routing, some closed
    days later with lessons; the newest may still wait (the demo member, head of sales in
    Jakarta, keeps her pricing items for the journey)."""
    member = person_ids.get("member@example.com")
    routed = list(
        FeedbackItem.objects.filter(state=ItemState.ROUTED, owner__isnull=False).select_related("rule").order_by("id")
    )
    lessons = 0
    for item in routed:
        if item.routed_at is None:
            continue
        fresh = now - item.routed_at < FRESH
        if fresh and item.owner_id == member and item.rule and item.rule.topic_id:
            continue  # the member's newest pricing items stay in the inbox for the journey
        roll = rng.random()
        if roll < 0.35 and fresh:
            continue
        acknowledged = _later(rng, item.routed_at, 5, now)
        services.item_advance(item=item, action="acknowledge", by_id=item.owner_id, now=acknowledged)
        if roll < 0.6:
            continue
        learning = _later(rng, acknowledged, 8, now)
        services.item_advance(item=item, action="learning", by_id=item.owner_id, now=learning)
        if roll < 0.8 or lessons >= len(LESSONS) * 4:
            continue
        cause, text = LESSONS[lessons % len(LESSONS)]
        closed = _later(rng, learning, 48, now)
        services.item_advance(item=item, action="close", by_id=item.owner_id, root_cause=cause, lesson=text,
                              now=closed)  # fmt: skip
        lessons += 1
    _ = RoutingRule
