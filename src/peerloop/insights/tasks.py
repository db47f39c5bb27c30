"""Background work of insights: the nightly refresh and refreshes people ask for."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from peerloop.core.queries import job_get
from peerloop.core.roles import SYSTEM
from peerloop.core.tasks import Progress, job_actor, run_job
from peerloop.insights import services


@db_task()
def snapshot_refresh_task(job_id: str) -> None:
    """Refresh the analytics as the job ``job_id`` (a finished job is not run again): the rows
    recorded since the latest refresh are added to it when they can be."""
    job = job_get(job_id=job_id)
    if job is None:
        return
    actor = job_actor(job)

    def work(progress: Progress) -> dict:
        snapshot = services.snapshot_refresh(actor=actor, incremental=True, progress=progress)
        return {"snapshot_id": snapshot.pk, "seconds": round(snapshot.seconds, 2), "next_url": "/insights/"}

    run_job(job_id, work, total=3)


@db_periodic_task(crontab(minute="20", hour="2"))
def nightly_refresh_task() -> None:
    """Every night: a full recompute of the last twelve months, graph metrics included."""
    services.snapshot_refresh(actor=SYSTEM)


@db_periodic_task(crontab(minute="50", hour="0-1,3-23"))
def hourly_refresh_task() -> None:
    """Every hour but the nightly refresh's: the new interactions added to the latest snapshot."""
    services.snapshot_refresh(actor=SYSTEM, incremental=True)
