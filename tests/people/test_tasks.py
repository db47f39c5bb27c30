"""The background import: a Job with progress, safe to run twice."""

from peerloop.core.models import AuditEntry, Job
from peerloop.core.services import job_create
from peerloop.people.models import Person
from peerloop.people.tasks import person_import_task
from tests.people.conftest import csv_text, row


def make_job(world) -> Job:
    return job_create(
        kind="people.import",
        label="Import of people.csv",
        started_by_id=world.admin.user_id,
        params={"actor": {"user_id": world.admin.user_id, "role": "admin", "label": world.admin.email}},
    )


def test_the_task_imports_records_progress_and_runs_once(world, write_file):
    path = write_file(csv_text([row("a@example.org", "A"), row("b@example.org", "B", manager_email="a@example.org")]))
    job = make_job(world)

    person_import_task(str(job.pk), str(path))

    job.refresh_from_db()
    assert (job.status, job.done, job.total) == ("succeeded", 4, 4)
    assert job.result["created"] == 2 and job.result["errors"] == []
    assert job.result["summary"] == "2 row(s): 2 created, 0 updated, 0 unchanged, 0 deactivated"
    assert not path.exists()
    assert Person.objects.get(email="b@example.org").manager.email == "a@example.org"
    entry = AuditEntry.objects.get(action="people.import")
    assert (entry.actor_id, entry.actor_label) == (world.admin.user_id, world.admin.email)

    person_import_task(str(job.pk), str(path))  # delivered twice: the finished job is not run again
    assert Person.objects.filter(email__in=["a@example.org", "b@example.org"]).count() == 2
    assert AuditEntry.objects.filter(action="people.import").count() == 1


def test_a_file_with_errors_fails_the_job_and_writes_nothing(world, write_file):
    path = write_file("email,name\nnot-an-email,A\n")
    job = make_job(world)
    person_import_task(str(job.pk), str(path))
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.message == (
        "ImportFailed: 1 error(s) in 1 row(s): nothing was written. "
        "First: line 2, column email: not an email address: 'not-an-email'"
    )
    assert not Person.objects.filter(name="A").exists()
