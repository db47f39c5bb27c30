"""The interaction stream of the demo organization: mostly within units and up and down
the chain, some lateral across units at the same level, and conversations in spaces."""

from collections.abc import Iterator
import random

from peerloop.demo.generator.rows import HISTORY_DAYS, DemoOrg, InteractionRow, PersonRow


def interactions(org: DemoOrg, rng: random.Random) -> Iterator[InteractionRow]:
    employees = [p for p in org.people if p.kind == "employee"]
    by_unit: dict[str, list[str]] = {}
    by_level: dict[int, list[PersonRow]] = {}
    reports: dict[str, list[str]] = {}
    for person in employees:
        by_unit.setdefault(person.unit, []).append(person.email)
        by_level.setdefault(person.level or 0, []).append(person)
        if person.manager_email:
            reports.setdefault(person.manager_email, []).append(person.email)
    horizon = HISTORY_DAYS * 86400
    everyone = employees

    for person in employees:
        colleagues = by_unit[person.unit]
        chain = ([person.manager_email] if person.manager_email else []) + reports.get(person.email, [])
        peers = by_level[person.level or 0]
        # Higher up, more conversations: about 6 events for the front line, 13 for the CEO.
        for _ in range(rng.randint(3, 7) + (person.level or 1)):
            when = rng.randrange(horizon)
            draw = rng.random()
            if draw < 0.45 and len(colleagues) > 1:
                others = [e for e in rng.sample(colleagues, min(4, len(colleagues))) if e != person.email]
                if rng.random() < 0.7 or len(others) < 2:
                    yield InteractionRow("message.sent", person.email, (others[0],), None, when)
                else:
                    yield InteractionRow("meeting.held", person.email, tuple(others), None, when)
            elif draw < 0.75 and chain:
                other = rng.choice(chain)
                kind = "meeting.held" if rng.random() < 0.5 else "message.sent"
                yield InteractionRow(kind, person.email, (other,), None, when)
            elif draw < 0.9 and len(peers) > 1:
                for _attempt in range(4):
                    peer = rng.choice(peers)
                    if peer.unit != person.unit:
                        kind = "meeting.held" if rng.random() < 0.3 else "message.sent"
                        yield InteractionRow(kind, person.email, (peer.email,), None, when)
                        break
            else:
                other_person = rng.choice(everyone)
                if other_person.email != person.email:
                    yield InteractionRow("message.sent", person.email, (other_person.email,), None, when)

    for space in org.spaces:
        members = [*space.hosts, *space.members]
        opened = horizon - rng.randrange(0, 14 * 86400)
        # Joining is recorded by the spaces module itself when the loader adds the members.
        for email in members:
            joined = opened - rng.randrange(0, 30 * 86400)
            for _ in range(rng.randint(1, 6)):
                other = rng.choice(members)
                if other != email:
                    yield InteractionRow("message.sent", email, (other,), space.slug, rng.randrange(max(1, joined)))
        if space.kind == "circle" and len(members) > 1:
            # Circles meet every two weeks; the host records the meeting with everyone present.
            for meeting in range(opened // (14 * 86400)):
                present = tuple(e for e in members[1:] if rng.random() < 0.85)
                if present:
                    when = opened - (meeting + 1) * 14 * 86400 + rng.randrange(0, 86400)
                    yield InteractionRow("meeting.held", members[0], present, space.slug, max(0, when))
