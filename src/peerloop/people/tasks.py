"""Background work of the directory: large imports run as a Job with a progress bar."""

from pathlib import Path

from django.urls import reverse
from huey.contrib.djhuey import db_task

from peerloop.core.queries import job_get
from peerloop.core.tasks import Progress, job_actor, run_job
from peerloop.people.services import person_import_file

# A job's result is stored as JSON; the full list stays available from a preview.
MAX_ERRORS_IN_RESULT = 200


class ImportFailed(Exception):
    pass


@db_task()
def person_import_task(job_id: str, path: str, deactivate_missing: bool = False) -> None:
    """Apply the import file at ``path`` as the job ``job_id``, then delete the file.

    Safe to run twice: a finished job is not run again, and the import is idempotent.
    The job's params name the account that started it (``actor``), for the audit log.
    """
    job = job_get(job_id=job_id)
    if job is None:
        return
    actor = job_actor(job)

    def work(progress: Progress) -> dict:
        file = Path(path)
        try:
            report = person_import_file(
                actor=actor, path=file, dry_run=False, deactivate_missing=deactivate_missing, progress=progress
            )
        finally:
            file.unlink(missing_ok=True)
        if report.errors:
            raise ImportFailed(f"{report.summary()} First: {report.errors[0]}")
        result = report.as_dict()
        result["errors"] = result["errors"][:MAX_ERRORS_IN_RESULT]
        result["summary"] = report.summary()
        result["next_url"] = reverse("people:directory")
        return result

    run_job(job_id, work)
