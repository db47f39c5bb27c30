"""Background work of accounts."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from peerloop.accounts.services import login_attempt_prune


@db_periodic_task(crontab(hour="3", minute="17"))
def prune_login_attempts() -> int:
    """Daily: forget login attempts and email rate events older than 30 days (no
    throttle window looks back further). Safe to run twice."""
    return login_attempt_prune()
