"""Background work of peer matching: scheduled rounds and nudges (Huey periodic tasks)."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from peerloop.matching import services

logger = logging.getLogger("peerloop.matching")


@db_task()
def round_run_due_task(setup_id: int) -> None:
    """Preview and publish one setup's due round (a no-op when it is no longer due)."""
    services.round_run_due(setup_id=setup_id)


@db_periodic_task(crontab(minute="*/10"))
def rounds_due_task() -> None:
    """Every 10 minutes: run each setup whose next round is due, one task per setup."""
    for setup_id in services.setups_due():
        round_run_due_task(setup_id)


@db_periodic_task(crontab(minute="7", hour="*"))
def nudges_task() -> None:
    """Every hour: nudge the pairs that have not met a week after publication (once per person and match)."""
    sent = services.nudge_unmet()
    if sent:
        logger.info("matching: %d nudges sent", sent)
