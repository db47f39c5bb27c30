"""Demo discussions: questions answered and accepted, lessons endorsed, a playbook with
merged entries and an open proposal, in the pricing and delivery communities. Written
through the discussions services (the same rules as a real installation), deterministic:
people are picked by their place in the member lists."""

from peerloop.core.roles import Actor, SiteRole
from peerloop.demo.generator.rows import LOGIN_EMAILS
from peerloop.discussions import services
from peerloop.people import queries as people_queries
from peerloop.spaces import queries as spaces_queries
from peerloop.vocabulary import queries as vocabulary_queries

QUESTIONS = [
    (
        "How do you handle a 25% discount request on a three-year deal?",
        "A key account in my region asks for 25% off if they sign for three years. What did you offer, and what did "
        "you ask in return?",
        [
            "Ask for a **price ladder** instead: 10% in year one, 15% in year two, 20% in year three, tied to volume.",
            "We traded the discount for a case study and a reference call. Worked twice in São Paulo.",
            "Never give it up front. Tie it to the renewal date and put it in writing.",
        ],
        0,
    ),
    (
        "What shortens the time from quote to signature?",
        "Our quotes wait two weeks for approval. How do other regions get them out faster?",
        [
            "We pre-approved three standard bundles, so 80% of quotes need no approval at all.",
            "A weekly pricing desk with finance: every open quote is decided within five working days.",
        ],
        0,
    ),
    (
        "Has anyone priced per seat for distributors?",
        "Distributors want per-seat prices instead of a platform fee. Is anyone doing this?",
        ["Yes, in Nairobi: per seat above 50 seats, platform fee below. Margins held."],
        None,
    ),
    (
        "How do you defend a price increase with long-time customers?",
        "We must raise prices 6% this year. How do you tell customers who have been with us ten years?",
        [
            "Announce it three months ahead and show what improved since the last increase.",
            "Offer to lock the old price for a longer commitment; most took the increase anyway.",
        ],
        1,
    ),
]
LESSONS = [
    (
        "Lesson: bundles beat discounts in renewals",
        "We stopped giving discounts at renewal and offered a **bundle** (training plus support) instead. "
        "Win rate on renewals went from 71% to 83% over two quarters in Jakarta. "
        "What made it work: the bundle had a visible price.",
    ),
    (
        "Lesson: a pricing desk halves approval time",
        "A weekly 30-minute pricing desk with finance replaced email approvals. Median approval time went from 9 to 4 "
        "working days. Keep it weekly, and decide in the meeting.",
    ),
]
PLAYBOOK = [
    ("Never discount without a trade", "Every discount is exchanged for something: volume, term, a case study."),
    ("Show the price ladder first", "Present the standard ladder before any custom offer, so peers can compare."),
    ("Ask a peer before going above 20%", "Above 20% off, ask one peer in another region how they handled it."),
]
DELIVERY = [
    (
        "What cut your last-mile time the most?",
        "Which single change shortened last-mile delivery in your city?",
        ["Evening slots for business customers: fewer failed deliveries, 11% faster on average."],
    ),
]


def _actor(person_id: int, user_id: int | None, role: str = SiteRole.MEMBER) -> Actor:
    # Demo people without a login act through the demo admin's account id (audit rows name "demo").
    return Actor(user_id=user_id, role=role, person_id=person_id, active=True, label="demo")


def load(*, space_ids: dict[str, int]) -> dict[str, int]:
    """Seed the demo discussions; returns counts."""
    admin_person = people_queries.person_for_email(email=LOGIN_EMAILS["admin"])
    user_id = admin_person.user_id if admin_person else None
    counts = {"threads": 0, "posts": 0, "playbook_entries": 0}
    pricing = space_ids.get("pricing-community")
    if pricing is None or user_id is None:
        return counts
    members = list(spaces_queries.member_list(space_id=pricing))
    hosts = [m.person_id for m in members if m.role == "host"]
    others = [m.person_id for m in members if m.role != "host"]
    me = people_queries.person_for_email(email=LOGIN_EMAILS["member"])
    if not hosts or me is None or len(others) < 6:
        return counts
    host = _actor(hosts[0], user_id)
    people = [p for p in others if p != me.pk][:8]
    topic = {t.slug: t.pk for t in vocabulary_queries.topic_list()}
    pricing_topics = [t for t in (topic.get("pricing"), topic.get("negotiation")) if t]

    for number, (title, body, answers, accepted) in enumerate(QUESTIONS):
        asker = me.pk if number == 0 else people[number]
        thread = services.thread_create(
            actor=_actor(asker, user_id),
            space_id=pricing,
            kind="question",
            title=title,
            body=body,
            topic_ids=pricing_topics[: 1 + number % 2],
        )
        counts["threads"] += 1
        posts = []
        for offset, text in enumerate(answers):
            answerer = people[(number + offset + 2) % len(people)]
            if answerer == asker:
                answerer = hosts[0]
            posts.append(services.post_create(actor=_actor(answerer, user_id), thread_id=thread.pk, body=text))
            counts["posts"] += 1
        if accepted is not None:
            services.answer_accept(actor=_actor(asker, user_id), post_id=posts[accepted].pk)
    lessons = []
    for number, (title, body) in enumerate(LESSONS):
        author = people[number + 4]
        lesson = services.thread_create(
            actor=_actor(author, user_id),
            space_id=pricing,
            kind="lesson",
            title=title,
            body=body,
            topic_ids=pricing_topics[:1],
        )
        lessons.append(lesson)
        counts["threads"] += 1
        opening = lesson.posts.get(opening=True)
        for endorser in (me.pk, people[0], people[1]):
            if endorser != author:
                services.reaction_toggle(actor=_actor(endorser, user_id), post_id=opening.pk, kind="endorse")
    # The second lesson is newer than the first on the same topic: the first waits in the review queue.

    playbook = services.playbook_create(
        actor=host,
        space_id=pricing,
        title="Pricing conversations: non-negotiables",
        description="What every pricing conversation in the company keeps to.",
    )
    entries = []
    for number, (title, body) in enumerate(PLAYBOOK):
        proposal = services.proposal_create(
            actor=_actor(people[number], user_id),
            playbook_id=playbook.pk,
            title=title,
            body=body,
            reason="From our discussions.",
        )
        services.proposal_vote(actor=_actor(people[number + 1], user_id), proposal_id=proposal.pk, kind="endorse")
        entries.append(services.proposal_merge(actor=host, proposal_id=proposal.pk))
        counts["playbook_entries"] += 1
    services.entry_evidence_set(actor=host, entry_id=entries[0].pk, thread_ids=[lessons[0].pk])
    change = services.proposal_create(
        actor=_actor(me.pk, user_id),
        playbook_id=playbook.pk,
        entry_id=entries[2].pk,
        title="Ask a peer before going above 15%",
        body="Above 15% off, ask one peer in another region how they handled it, and link the thread.",
        reason="Our renewals lesson shows 15% is already where discounts stop paying back.",
    )
    services.proposal_vote(actor=_actor(people[2], user_id), proposal_id=change.pk, kind="endorse")
    services.digest_setting_save(actor=_actor(me.pk, user_id), frequency="daily", topic_ids=pricing_topics[:1])

    delivery = space_ids.get("delivery-times")
    if delivery is not None:
        ops = [m.person_id for m in spaces_queries.member_list(space_id=delivery)]
        for title, body, answers in DELIVERY:
            if len(ops) < 3:
                break
            thread = services.thread_create(
                actor=_actor(ops[1], user_id),
                space_id=delivery,
                kind="question",
                title=title,
                body=body,
                topic_ids=[t for t in [topic.get("last-mile")] if t],
            )
            counts["threads"] += 1
            for text in answers:
                services.post_create(actor=_actor(ops[2], user_id), thread_id=thread.pk, body=text)
                counts["posts"] += 1
    return counts
