"""Background work plumbing (Huey) that every module uses, and the queue probe.

A module's ``tasks.py`` declares Huey tasks with ``huey.contrib.djhuey.db_task``;
each takes ids, calls one service and is safe to run twice. Services and views
enqueue them with :func:`enqueue_on_commit`, so a task never runs before the data
it reads is committed (and never runs when the transaction rolls back). Work a
person waits for is tracked by a :class:`~peerloop.core.models.Job`:
:func:`run_job` marks it running, passes a progress callback, and records
success or failure, so the page ``web:job`` and ``GET /api/v1/jobs/{job_id}`` show it.

Example, in ``people/tasks.py``::

    @db_task()
    def person_import_task(job_id: str, path: str) -> None:
        run_job(job_id, lambda progress: person_import_file(
            actor=SYSTEM, path=Path(path), dry_run=False, progress=progress).as_dict())

and in the view: ``job = job_create(...); enqueue_on_commit(person_import_task, str(job.pk), path)``.
"""

from collections.abc import Callable
from functools import partial
import logging
import os
from typing import Any
import uuid

from django.db import transaction
from huey.contrib.djhuey import HUEY, db_task

from peerloop.core.models import Job
from peerloop.core.roles import Actor
from peerloop.core.services import job_finish, job_progress, job_start

logger = logging.getLogger("peerloop.tasks")

Progress = Callable[[int, int], None]


def enqueue_on_commit(task: Any, /, *args: Any, **kwargs: Any) -> None:
    """Enqueue ``task(*args, **kwargs)`` once the current transaction commits.

    Outside a transaction it is enqueued at once. In immediate mode (tests, and
    ``PEERLOOP_QUEUE_IMMEDIATE=1``) the task runs at once in the caller's
    transaction, so its effects roll back with it, as if it had never been enqueued.
    """
    if HUEY.immediate:
        task(*args, **kwargs)
        return
    # robust: a queue that is down must not turn a committed write into an error
    # page; the job stays "queued" and the failure is logged.
    transaction.on_commit(partial(task, *args, **kwargs), robust=True)


def actor_params(actor: Actor) -> dict[str, Any]:
    """The account a job works for, as its params keep it (``params={"actor": ...}``)."""
    return {"user_id": actor.user_id, "role": actor.role, "label": actor.label}


def job_actor(job: Job) -> Actor:
    """The actor a job's work runs as: the account in its params (see :func:`actor_params`),
    so the audit log names who started it."""
    params = job.params.get("actor", {})
    return Actor(
        user_id=params.get("user_id"), role=params.get("role"), active=True, label=params.get("label", "") or "system"
    )


def run_job(job_id: uuid.UUID | str, work: Callable[[Progress], dict | None], *, total: int = 0) -> None:
    """Run ``work(progress)`` as the job ``job_id``: running, then succeeded with its
    result, or failed with the error's message. A job already finished is not run
    again, so a task delivered twice does its work once."""
    status = Job.objects.filter(pk=job_id).values_list("status", flat=True).first()
    if status is None:
        logger.warning("job %s does not exist; nothing to run", job_id)
        return
    if status in (Job.Status.SUCCEEDED, Job.Status.FAILED):
        return
    job_start(job_id=job_id, total=total)

    def progress(done: int, of: int) -> None:
        job_progress(job_id=job_id, done=done, total=of)

    try:
        result = work(progress)
    except Exception as exc:
        logger.exception("job %s failed", job_id)
        job_finish(job_id=job_id, error=f"{type(exc).__name__}: {exc}"[:500])
        return
    job_finish(job_id=job_id, result=result or {})


def probe_work(steps: int) -> Callable[[Progress], dict]:
    def work(progress: Progress) -> dict:
        for done in range(1, steps + 1):
            progress(done, steps)
        return {"worker_pid": os.getpid(), "steps": steps}

    return work


@db_task()
def queue_probe(job_id: str, steps: int = 3) -> None:
    """Proves a consumer runs work: advances the job ``steps`` times and records the worker's pid."""
    run_job(job_id, probe_work(steps), total=steps)
