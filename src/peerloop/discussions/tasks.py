"""Background work of discussions: the digest, recurring sessions and the content-health scan (Huey periodic tasks)."""

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from peerloop.discussions import search, services

logger = logging.getLogger("peerloop.discussions")


@db_task()
def digest_send_task(person_id: int) -> None:
    """Queue one person's digest if it is due (idempotent: a second run finds it not due)."""
    services.digest_send(person_id=person_id)


@db_periodic_task(crontab(minute="15", hour="*"))
def digests_due_task() -> None:
    """Every hour: one task per person who may have a digest due."""
    for person_id in services.digest_due_people():
        digest_send_task(person_id)


@db_periodic_task(crontab(minute="25", hour="*"))
def sessions_repeat_task() -> None:
    """Every hour: recurring sessions that have ended get their next occurrence, agenda and invitations."""
    planned = services.sessions_repeat()
    if planned:
        logger.info("discussions: %d next session occurrences planned", len(planned))


@db_periodic_task(crontab(minute="40", hour="3"))
def review_scan_task() -> None:
    """Every night: answers and lessons not verified for a year enter the review queue; orphaned search rows go."""
    moved = services.review_scan()
    if moved:
        logger.info("discussions: %d threads entered the review queue", moved)
    purged = search.docs_purge_orphans()  # FTS rows of documents a deleted space took with it
    if purged:
        logger.info("discussions: %d search rows of deleted documents purged", purged)
