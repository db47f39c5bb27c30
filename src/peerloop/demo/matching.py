"""Peer matching in the demo organization: programs that match, with rounds people answered.

"Sales heads learn across regions" has two published rounds of pairs with follow-ups (so the
program's health page has something to show and the demo member sees their match);
"Meet a peer across the company" is set up for everyone and waits for its owner to preview
and publish its first round.
"""

import random

from peerloop.core.roles import SYSTEM
from peerloop.demo.generator import takes_part
from peerloop.matching import queries as matching_queries
from peerloop.matching import services as matching_services
from peerloop.programs import queries as programs_queries

ANSWERED_SHARE = (0.8, 0.5)  # of the members of round 1 and round 2 who answer the follow-up


def demo_matching(*, seed: int) -> int:
    """Set up matching for the demo programs that have it; returns the rounds published."""
    rng = random.Random(seed)
    published = 0
    for program in programs_queries.program_list().order_by("id"):
        if "matching" not in (program.mechanisms or []):
            continue
        setup = matching_services.setup_save(actor=SYSTEM, program_id=program.pk)
        if program.audience_filter or program.audience_space_id:
            published += _rounds_with_followups(setup.pk, rng)
    return published


def _rounds_with_followups(setup_id: int, rng: random.Random) -> int:
    for share in ANSWERED_SHARE:
        round_ = matching_services.round_preview(actor=SYSTEM, setup_id=setup_id)
        matching_services.round_publish(actor=SYSTEM, round_id=round_.pk)
        for match in matching_queries.round_matches(round_id=round_.pk):
            members = list(match.active_members)  # type: ignore[attr-defined]  # prefetched by round_matches
            for member in members:
                if rng.random() >= share:
                    continue
                # People of the units that do not take part never meet: they are the comparison
                # group the program's impact is measured against.
                unit = member.person.unit
                met = unit is not None and takes_part(unit.code) and rng.random() < 0.85
                rating = rng.choice((3, 4, 4, 5, 5)) if met else None
                matching_services.followup_record(
                    actor=SYSTEM, match_id=match.pk, met=met, rating=rating, on_behalf_of=member.person_id
                )
    return len(ANSWERED_SHARE)
