"""Background work of recognition (Huey periodic tasks; each is safe to run twice)."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from peerloop.recognition import services

logger = logging.getLogger("peerloop.recognition")


@db_periodic_task(crontab(minute="5", hour="0", day="1"))
def allowance_grant_task() -> None:
    """On the first of each month: expire last month's allowance left and grant the new one."""
    made = services.allowance_grant()
    logger.info("recognition: %d allowances granted", made)


@db_task()
def rules_apply_task() -> None:
    """Award the earning rules for the stream's new events (on demand)."""
    report = services.rules_apply()
    if report.awarded:
        logger.info("recognition: %d awards, %d points", report.awarded, report.points)


@db_periodic_task(crontab(minute="*/5"))
def rules_apply_periodic_task() -> None:
    """Every 5 minutes: award the earning rules for the stream's new events."""
    services.rules_apply()


@db_periodic_task(crontab(minute="30", hour="2"))
def flags_detect_task() -> None:
    """Every night: flag reciprocal rings and manager-to-report concentration."""
    report = services.flags_detect()
    if report.new:
        logger.info("recognition: %d new flags", report.new)
