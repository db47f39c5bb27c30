"""Site roles and the actor a request acts as."""

from dataclasses import dataclass

from django.db import models


class SiteRole(models.TextChoices):
    ADMIN = "admin", "Admin"
    PROGRAM_OWNER = "program_owner", "Program owner"
    LEADER = "leader", "Leader"
    MEMBER = "member", "Member"
    GUEST = "guest", "Guest"


INTERNAL_ROLES = frozenset({SiteRole.ADMIN, SiteRole.PROGRAM_OWNER, SiteRole.LEADER, SiteRole.MEMBER})


@dataclass(frozen=True)
class Actor:
    """Who is acting: the one value every permission check receives.

    ``scope`` is ``"write"`` for a browser session, and the token's scope
    (``"read"`` or ``"write"``) for a request authenticated by an API token.
    """

    user_id: int | None = None
    role: str | None = None
    person_id: int | None = None
    active: bool = False
    scope: str = "write"
    label: str = ""

    @property
    def authenticated(self) -> bool:
        return self.user_id is not None and self.active

    @property
    def is_admin(self) -> bool:
        return self.authenticated and self.role == SiteRole.ADMIN

    @property
    def is_program_owner(self) -> bool:
        return self.authenticated and self.role in (SiteRole.ADMIN, SiteRole.PROGRAM_OWNER)

    @property
    def is_internal(self) -> bool:
        """An employee account (member or above); guests and anonymous are not."""
        return self.authenticated and self.role in INTERNAL_ROLES

    @property
    def is_guest(self) -> bool:
        return self.authenticated and self.role == SiteRole.GUEST

    @property
    def can_write(self) -> bool:
        return self.authenticated and self.scope == "write"


ANONYMOUS = Actor()

# The actor of command-line and background work started by no one in particular
# (demo seeding, scheduled jobs); audit rows name it "system".
SYSTEM = Actor(role=SiteRole.ADMIN, active=True, label="system")
