"""``peerloop manage queue_check``: proves a task consumer is running, end to end."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from peerloop.core.queries import job_get
from peerloop.core.services import job_create
from peerloop.core.tasks import enqueue_on_commit, queue_probe


class Command(BaseCommand):
    help = "Enqueue a probe task and wait until a consumer ('peerloop worker' or 'serve') has run it."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait (default: 30)")
        parser.add_argument("--no-wait", action="store_true", help="print the job id and return at once")

    def handle(self, *args: Any, timeout: float, no_wait: bool, **options: Any) -> None:
        job = job_create(kind="core.queue_probe", label="Queue check", started_by_id=None)
        enqueue_on_commit(queue_probe, str(job.pk))
        if no_wait:
            self.stdout.write(str(job.pk))
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            current = job_get(job_id=job.pk)
            if current is not None and current.finished:
                if current.status != current.Status.SUCCEEDED:
                    raise CommandError(f"The probe job failed: {current.message}")
                self.stdout.write(f"A consumer ran the probe (worker pid {current.result.get('worker_pid')}).")
                return
            time.sleep(0.2)
        raise CommandError(
            f"No consumer ran the probe job {job.pk} within {timeout:g} s. Is 'peerloop worker' running?"
        )
