"""Who may see insights.

Aggregates (shares, matrices of groups of at least five people, trends, the unit map) are for
leaders, program owners and admins. Person-level figures (who the brokers are) only for an
admin who turned them on, and each look is audited. Pseudonymized exports for analysts: admins
only, each export audited. Members and guests reach nothing (404).
"""

from peerloop.core.permissions import require, require_internal
from peerloop.core.roles import Actor, SiteRole

READERS = frozenset({SiteRole.ADMIN, SiteRole.LEADER, SiteRole.PROGRAM_OWNER})


def can_read_insights(actor: Actor) -> bool:
    return actor.is_internal and actor.role in READERS


def require_read(actor: Actor) -> None:
    require_internal(actor)
    require(can_read_insights(actor), hide=True)


def can_see_people(actor: Actor, *, enabled: bool) -> bool:
    return actor.is_admin and enabled


def require_export(actor: Actor) -> None:
    """Pseudonymized exports are for admins; everyone else gets a 404."""
    require_internal(actor)
    require(actor.is_admin, hide=True)
