"""Background work of insights: the nightly refresh and refreshes people ask for."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from peerloop.core.queries import job_get
from peerloop.core.roles import SYSTEM
from peerloop.core.tasks import Progress, job_actor, run_job
from peerloop.insights import services


@db_task()
def snapshot_refresh_task(job_id: str) -> None:
    """Refresh the analytics as the job ``job_id`` (a finished job is not run again)."""
    job = job_get(job_id=job_id)
    if job is None:
        return
    actor = job_actor(job)

    def work(progress: Progress) -> dict:
        snapshot = services.snapshot_refresh(actor=actor, progress=progress)
        return {"snapshot_id": snapshot.pk, "seconds": round(snapshot.seconds, 2), "next_url": "/insights/"}

    run_job(job_id, work, total=3)


@db_periodic_task(crontab(minute="20", hour="2"))
def nightly_refresh_task() -> None:
    """Every night: a fresh snapshot of the last twelve months."""
    services.snapshot_refresh(actor=SYSTEM)
