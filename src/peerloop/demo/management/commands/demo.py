"""``peerloop demo``: seed the demo organization (deterministic from --seed)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from peerloop.demo.generator import DEMO_PASSWORD, MIN_PEOPLE
from peerloop.demo.load import DemoNotEmpty, demo_load, directory_is_empty

ROLE_LABELS = {
    "admin": "admin",
    "program_owner": "program owner",
    "leader": "leader",
    "member": "member",
    "guest": "guest",
}


class Command(BaseCommand):
    help = "Seed the demo organization: people, vocabulary, logins for each role, spaces, programs, interactions."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=7, help="the same seed gives the same organization (7)")
        parser.add_argument("--people", type=int, default=2000, help=f"how many people, at least {MIN_PEOPLE} (2000)")
        parser.add_argument("--if-empty", action="store_true", help="do nothing when the directory already has people")
        parser.add_argument("--no-progress", action="store_true", help="no progress bars")

    def handle(self, *args: Any, seed: int, people: int, if_empty: bool, no_progress: bool, **options: Any) -> None:
        if people < MIN_PEOPLE:
            raise CommandError(f"--people must be at least {MIN_PEOPLE}")
        if if_empty and not directory_is_empty():
            self.stdout.write("The directory already has people: the demo was not loaded (--if-empty).")
            return
        bars: dict[str, tqdm] = {}
        labels = {"people": ("People", " rows"), "interactions": ("Interactions", " events")}

        def progress(stage: str, done: int, total: int) -> None:
            if no_progress:
                return
            bar = bars.get(stage)
            if bar is None:
                desc, unit = labels.get(stage, (stage, " rows"))
                bar = bars[stage] = tqdm(total=total, desc=desc, unit=unit, leave=True)
            if bar.total != total:
                bar.total = total
            bar.update(done - bar.n)
            if done >= total:
                bar.close()

        self.stdout.write(f"Loading the demo organization (seed {seed}, {people:,} people)...")
        try:
            report = demo_load(seed=seed, people=people, progress=progress)
        except DemoNotEmpty as exc:
            raise CommandError(f"{exc} Use --if-empty to skip quietly, or start from a new data directory.") from exc
        finally:
            for bar in bars.values():
                bar.close()

        self.stdout.write(
            self.style.SUCCESS(
                f"Demo loaded in {report.seconds['total']:.1f} s: {report.people:,} people in {report.units} units "
                f"and {report.regions} regions, {report.topics} topics, {report.spaces} spaces, "
                f"{report.programs} programs, {report.metric_values:,} metric values, "
                f"{report.interactions:,} interactions."
            )
        )
        if options.get("verbosity", 1) >= 2:
            stages = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in report.seconds.items())
            self.stdout.write(f"Stages: {stages}")
        self.stdout.write("")
        self.stdout.write(f"Open http://127.0.0.1:8000/ and log in with the password {DEMO_PASSWORD}:")
        width = max(len(email) for email in (login.email for login in report.logins))
        for login in report.logins:
            self.stdout.write(f"  {ROLE_LABELS[login.role]:<14} {login.email:<{width}}  {login.name}, {login.title}")
