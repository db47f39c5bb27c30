"""Who may do what in recognition.

Employees give kudos, react, read the public feed, their own balances and statement,
leaderboards, the catalog, and redeem. A redemption's approver is the requester's manager
(manager tier) or an admin. Admins run rules, the catalog, budgets, corrections and
flags; admins and leaders read the insight hook. Guests reach nothing here (404).
"""

from peerloop.core.permissions import require, require_admin, require_internal, require_person, require_write
from peerloop.core.roles import SYSTEM, Actor, SiteRole

# An employee with a directory entry; returns their person id (others: 404).
require_member = require_person


def require_manage(actor: Actor, *, write: bool = False) -> None:
    """Rules, catalog, budgets, corrections, flags: admins (and the system's own work)."""
    if actor == SYSTEM:
        return
    require_admin(actor)
    if write:
        require_write(actor)


def can_read_insights(actor: Actor) -> bool:
    return actor.is_internal and actor.role in (SiteRole.ADMIN, SiteRole.LEADER)


def require_insights(actor: Actor) -> None:
    require_internal(actor)
    require(can_read_insights(actor))
