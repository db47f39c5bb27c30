"""``peerloop serve``: granian serving the WSGI app, with a task consumer beside it."""

import os
import signal
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve Peerloop with granian and run a task consumer beside it."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default=os.environ.get("PEERLOOP_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PEERLOOP_PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("PEERLOOP_WEB_WORKERS", "2")))
        parser.add_argument("--no-worker", action="store_true", help="do not start a task consumer")

    def handle(self, *args: Any, host: str, port: int, workers: int, no_worker: bool, **options: Any) -> None:
        bin_dir = os.path.dirname(sys.executable)
        children: list[subprocess.Popen] = []
        if not no_worker:
            children.append(subprocess.Popen([os.path.join(bin_dir, "peerloop"), "worker"]))
        if settings.PROFILE == "production" and not settings.DEBUG:
            subprocess.call([os.path.join(bin_dir, "peerloop"), "manage", "collectstatic", "--no-input", "-v", "0"])
        self.stdout.write(f"Peerloop is serving at http://{host}:{port}/  (Ctrl+C to stop)")
        web = subprocess.Popen(
            [
                os.path.join(bin_dir, "granian"),
                "--interface",
                "wsgi",
                "--host",
                host,
                "--port",
                str(port),
                "--workers",
                str(workers),
                "--blocking-threads",
                "4",
                "--log-level",
                "warning",
                "peerloop.wsgi:application",
            ]
        )
        children.append(web)

        def stop(signum: int, frame: object) -> None:
            raise KeyboardInterrupt

        # A supervisor (systemd, a container runtime, a test) stops us with SIGTERM:
        # take the web server and the consumer down with us instead of orphaning them.
        signal.signal(signal.SIGTERM, stop)
        try:
            web.wait()
        except KeyboardInterrupt:
            pass
        finally:
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGINT)
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
