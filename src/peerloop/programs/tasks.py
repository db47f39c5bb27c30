"""Background work of programs: large imports of metric values run as a Job with a
progress bar."""

from django.core.files.storage import default_storage
from django.urls import reverse
from huey.contrib.djhuey import db_task

from peerloop.core.queries import job_get
from peerloop.core.tasks import Progress, job_actor, run_job
from peerloop.programs.services import metric_value_import_file

# A job's result is stored as JSON: keep the first errors only.
MAX_ERRORS_IN_RESULT = 200


class ImportFailed(Exception):
    pass


@db_task()
def metric_value_import_task(job_id: str, stored_name: str, file_name: str) -> None:
    """Apply the previewed file kept in storage under ``stored_name`` as the job
    ``job_id``, then delete it. Safe to run twice: a finished job is not run again
    and the import is an idempotent upsert. The job's params name the account that
    started it (``actor``), for the audit log."""
    job = job_get(job_id=job_id)
    if job is None:
        return
    actor = job_actor(job)

    def work(progress: Progress) -> dict:
        try:
            with default_storage.open(stored_name, "rb") as handle:
                data = handle.read()
            report = metric_value_import_file(actor=actor, data=data, name=file_name, dry_run=False, progress=progress)
        finally:
            if default_storage.exists(stored_name):
                default_storage.delete(stored_name)
        if report.errors:
            raise ImportFailed(f"{len(report.errors)} problem(s); first: {report.errors[0]}")
        result = report.as_dict()
        result["errors"] = result["errors"][:MAX_ERRORS_IN_RESULT]
        result["next_url"] = reverse("programs:metrics")
        return result

    run_job(job_id, work)
