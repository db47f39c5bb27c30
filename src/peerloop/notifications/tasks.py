"""Background work of notifications: sending the outbox."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from peerloop.notifications.services import email_deliver, email_retry_schedule


@db_task()
def deliver_email(email_id: int) -> None:
    """Send one outbox row; safe to run twice (a row is sent at most once)."""
    email_deliver(email_id=email_id)


@db_periodic_task(crontab(minute="*"))
def retry_due_emails() -> int:
    """Every minute: enqueue delivery of every outbox row that is due (retries after
    backoff, and rows whose first enqueue was lost); returns how many."""
    due = email_retry_schedule()
    for email_id in due:
        deliver_email(email_id)
    return len(due)
