"""Every write of recognition (see the submodules); import from here."""

from peerloop.recognition.services.flags import DetectReport, flag_dismiss, flags_detect, leaderboard_opt
from peerloop.recognition.services.kudos import (
    AllowanceResolver,
    allowance_grant,
    kudos_give,
    policy_save,
    reaction_toggle,
)
from peerloop.recognition.services.ledger import (
    account_for,
    balance_of,
    budget_fund,
    correction_post,
    entry_post,
    period_bounds,
    period_of,
)
from peerloop.recognition.services.rewards import (
    approval_for,
    can_decide,
    redemption_decide,
    redemption_request,
    reward_save,
)
from peerloop.recognition.services.rules import EVENT_KINDS, ApplyReport, rule_save, rule_set_active, rules_apply

__all__ = [
    "EVENT_KINDS",
    "AllowanceResolver",
    "ApplyReport",
    "DetectReport",
    "account_for",
    "allowance_grant",
    "approval_for",
    "balance_of",
    "budget_fund",
    "can_decide",
    "correction_post",
    "entry_post",
    "flag_dismiss",
    "flags_detect",
    "kudos_give",
    "leaderboard_opt",
    "period_bounds",
    "period_of",
    "policy_save",
    "reaction_toggle",
    "redemption_decide",
    "redemption_request",
    "reward_save",
    "rule_save",
    "rule_set_active",
    "rules_apply",
]
