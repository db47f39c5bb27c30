"""Who may do what with accounts and API tokens."""

from peerloop.accounts.models import ApiToken
from peerloop.core.permissions import require, require_authenticated, require_write
from peerloop.core.roles import Actor


def check_manage_tokens(actor: Actor) -> None:
    """Every account, guests included, manages its own API tokens."""
    require_authenticated(actor)


def check_create_token(actor: Actor) -> None:
    """A read-only token cannot mint tokens (nor can anything else that cannot write)."""
    require_authenticated(actor)
    require_write(actor)


def check_revoke_token(actor: Actor, token: ApiToken | None) -> None:
    """Only the token's own account may revoke it; anyone else's token is a 404."""
    require_authenticated(actor)
    require(token is not None and token.user_id == actor.user_id, hide=True)
    require_write(actor)


def check_change_password(actor: Actor) -> None:
    require_authenticated(actor)
