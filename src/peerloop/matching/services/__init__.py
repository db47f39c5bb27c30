"""Every write of peer matching (see the submodules); import from here."""

from peerloop.matching.services.intros import PeerSuggestion, find_peers, intro_answer, intro_request
from peerloop.matching.services.members import (
    followup_record,
    nudge_unmet,
    preference_set,
    repair_on_bad_fit,
)
from peerloop.matching.services.rounds import (
    next_run_after,
    round_preview,
    round_publish,
    round_run_due,
    setup_save,
    setups_due,
)

__all__ = [
    "PeerSuggestion",
    "find_peers",
    "followup_record",
    "intro_answer",
    "intro_request",
    "next_run_after",
    "nudge_unmet",
    "preference_set",
    "repair_on_bad_fit",
    "round_preview",
    "round_publish",
    "round_run_due",
    "setup_save",
    "setups_due",
]
