"""Task plumbing in immediate mode (the test default): run_job and enqueue_on_commit."""

import os

from huey.contrib.djhuey import HUEY
import pytest

from peerloop.core.models import Job
from peerloop.core.services import job_create
from peerloop.core.tasks import enqueue_on_commit, queue_probe, run_job


@pytest.fixture
def job(db):
    return job_create(kind="test", label="Test job", started_by_id=None)


def test_tests_run_tasks_immediately():
    assert HUEY.immediate


def test_run_job_records_progress_and_result(job):
    seen = []

    def work(progress):
        for done in (1, 2, 3, 4):
            progress(done, 4)
            seen.append(Job.objects.get(pk=job.pk).done)
        return {"created": 4}

    run_job(job.pk, work, total=4)
    job.refresh_from_db()
    assert seen == [1, 2, 3, 4]
    assert (job.status, job.done, job.total, job.result, job.percent) == ("succeeded", 4, 4, {"created": 4}, 100)
    assert job.started_at is not None
    assert job.finished_at is not None


def test_run_job_records_a_failure_and_does_not_raise(job):
    def work(progress):
        progress(1, 10)
        raise ValueError("row 7: unknown unit 'Nowhere'")

    run_job(job.pk, work)
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.message == "ValueError: row 7: unknown unit 'Nowhere'"
    assert job.done == 1


def test_a_finished_job_is_not_run_twice(job):
    calls = []
    run_job(job.pk, lambda progress: calls.append(1) or {"n": len(calls)})
    run_job(job.pk, lambda progress: calls.append(1) or {"n": len(calls)})
    job.refresh_from_db()
    assert calls == [1]
    assert job.result == {"n": 1}


def test_a_missing_job_is_skipped(db):
    calls = []
    run_job("00000000-0000-0000-0000-000000000000", lambda progress: calls.append(1))
    assert calls == []


def test_enqueue_on_commit_runs_the_task_now_in_immediate_mode(job):
    enqueue_on_commit(queue_probe, str(job.pk), steps=2)
    job.refresh_from_db()
    assert (job.status, job.done, job.total) == ("succeeded", 2, 2)
    assert job.result == {"worker_pid": os.getpid(), "steps": 2}


def test_an_idle_worker_polls_the_queue_at_least_every_half_second():
    """Huey's idle workers poll ever more slowly, by default up to every 10 s: feedback that
    arrived after a quiet spell waited that long for its owner (the loop promises a second)."""
    from django.conf import settings

    assert settings.HUEY["consumer"]["max_delay"] <= 0.5
