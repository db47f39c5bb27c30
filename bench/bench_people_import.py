"""People import: 100,000 realistic rows into a fresh SQLite database.

Usage: .venv/bin/python bench/bench_people_import.py [--rows N] [--runs K] [--seed S]

Each run imports the same generated CSV file with ``peerloop.people.services.person_import_file``
into a freshly migrated SQLite database, in a child process of its own so its peak
memory is its own. The reference, timed in the same run, reads the same file with the
csv module and inserts the same rows with sqlite3 ``executemany`` into a plain table
with the same columns and unique keys (no validation, no units, regions, managers or
topics resolved). Prints the data size, the median of the runs, the ratio to the
reference and the peak memory (maximum resident set of the importing process).
"""

import argparse
import csv
import multiprocessing
import os
from pathlib import Path
import platform
import random
import resource
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import unicodedata

# Run from a checkout: the package is under src/ (a spawned run inherits this path).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from peerloop.people.columns import COLUMNS

FIRST = [
    "Ana",
    "Amara",
    "Aiko",
    "Ahmed",
    "Bo",
    "Bruno",
    "Camila",
    "Chen",
    "Chloé",
    "Dario",
    "Dmitri",
    "Elif",
    "Emeka",
    "Fatima",
    "Felipe",
    "Grace",
    "Hana",
    "Hiroshi",
    "Ines",
    "Ivan",
    "Jamal",
    "Jia",
    "Joaquín",
    "Kofi",
    "Lars",
    "Leila",
    "Liam",
    "Lucía",
    "Mei",
    "Mateo",
    "Nadia",
    "Nikhil",
    "Noor",
    "Olga",
    "Omar",
    "Priya",
    "Rafael",
    "Rosa",
    "Sakura",
    "Samir",
    "Sofia",
    "Søren",
    "Tariq",
    "Thandiwe",
    "Tomás",
    "Valentina",
    "Wei",
    "Yara",
    "Yusuf",
    "Zanele",
    "Zoë",
]
LAST = [
    "Abebe",
    "Almeida",
    "Andersen",
    "Bakr",
    "Banerjee",
    "Brown",
    "Castillo",
    "Chen",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fernández",
    "García",
    "Gómez",
    "Haddad",
    "Hoang",
    "Ibrahim",
    "Ivanova",
    "Jensen",
    "Kim",
    "Kowalski",
    "Kumar",
    "Larsen",
    "Li",
    "Lopez",
    "Mbeki",
    "Müller",
    "Nakamura",
    "Nguyễn",
    "Novak",
    "Okafor",
    "O'Brien",
    "Olsen",
    "Park",
    "Patel",
    "Rossi",
    "Santos",
    "Schmidt",
    "Silva",
    "Singh",
    "Smith",
    "Suzuki",
    "Tanaka",
    "Wang",
    "Yilmaz",
]
REGIONS = (
    ("EMEA North", "Stockholm", "Europe/Stockholm"),
    ("EMEA South", "Madrid", "Europe/Madrid"),
    ("EMEA Central", "Berlin", "Europe/Berlin"),
    ("UK & Ireland", "London", "Europe/London"),
    ("Middle East", "Dubai", "Asia/Dubai"),
    ("Africa", "Lagos", "Africa/Lagos"),
    ("India", "Bengaluru", "Asia/Kolkata"),
    ("South-East Asia", "Jakarta", "Asia/Jakarta"),
    ("Japan & Korea", "Tokyo", "Asia/Tokyo"),
    ("Oceania", "Sydney", "Australia/Sydney"),
    ("North America", "Chicago", "America/Chicago"),
    ("Latin America", "São Paulo", "America/Sao_Paulo"),
)
FAMILIES = {
    "sales": ("Account executive", "Sales lead", "Regional sales manager", "Head of sales"),
    "operations": ("Operations analyst", "Store manager", "Operations lead", "Head of operations"),
    "engineering": ("Software engineer", "Senior engineer", "Engineering manager", "Director of engineering"),
    "customer success": ("Support agent", "Customer success manager", "Support lead", "Head of customer success"),
    "marketing": ("Marketing specialist", "Brand manager", "Marketing lead", "Head of marketing"),
    "finance": ("Accountant", "Financial analyst", "Finance manager", "Finance director"),
    "people": ("HR partner", "Recruiter", "People lead", "Head of people"),
}
DIVISIONS = ("Retail", "Enterprise", "Logistics", "Platform", "Services", "Corporate")
SKILLS = [
    "negotiation",
    "forecasting",
    "coaching",
    "python",
    "sql",
    "pricing",
    "onboarding",
    "merchandising",
    "lean",
    "supply chain",
    "public speaking",
    "account planning",
    "data analysis",
    "hiring",
    "design thinking",
]
TOPICS = (
    "Pricing",
    "Customer retention",
    "Onboarding",
    "Store operations",
    "Forecasting",
    "Hiring",
    "Remote work",
    "Cloud costs",
    "Key accounts",
    "Returns",
    "Loyalty programs",
    "Inventory",
)


def generate_rows(count: int, seed: int = 42) -> list[dict[str, str]]:
    """``count`` people of a plausible organization: a manager tree with a span of about
    seven, units three levels deep, twelve regions, people from many cultures (names
    with accents, apostrophes and commas). The rows are shuffled, as an HR export would
    not list managers first."""
    rng = random.Random(seed)
    units: list[tuple[str, str]] = []  # (name, parent name)
    for division in DIVISIONS:
        units.append((division, ""))
        for family in FAMILIES:
            department = f"{division} {family.title()}"
            units.append((department, division))
            for team in range(1, 6):
                units.append((f"{department} Team {team}", department))
    teams = [name for name, parent in units if "Team" in name]
    parent_of = dict(units)

    people: list[dict[str, str]] = []
    depth_of: list[int] = []
    for index in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        name = f"{first} {last}" + (", Jr." if rng.random() < 0.002 else "")
        local = unicodedata.normalize("NFKD", f"{first}.{last}.{index}").encode("ascii", "ignore").decode()
        email = local.lower().replace("'", "") + "@example.com"
        region, city, zone = rng.choice(REGIONS)
        family = rng.choice(list(FAMILIES))
        if index == 0:
            manager, depth, unit = None, 0, DIVISIONS[0]
        else:
            # A tree with a span of control of seven, as a heap lays it out.
            manager = (index - 1) // 7
            depth = depth_of[manager] + 1
            unit = rng.choice(teams) if depth >= 3 else rng.choice(DIVISIONS) if depth == 1 else people[manager]["unit"]
        level = max(1, 12 - depth * 2 + rng.choice((0, 0, 1, -1)))
        title = FAMILIES[family][min(3, level // 3)]
        people.append(
            {
                "email": email,
                "external_id": f"E{100000 + index}",
                "name": name,
                "title": title,
                "role_family": family,
                "level": str(min(12, level)),
                "unit": unit,
                "unit_parent": parent_of.get(unit, ""),
                "region": region,
                "location": city,
                "timezone": zone,
                "manager_email": people[manager]["email"] if manager is not None else "",
                "skills": ";".join(rng.sample(SKILLS, rng.randint(1, 3))),
                "topics": ";".join(rng.sample(TOPICS, rng.randint(0, 3))),
                "kind": "employee",
                "active": "true",
            }
        )
        depth_of.append(depth)
    rng.shuffle(people)
    return people


def write_csv(rows: list[dict[str, str]], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


def _setup_django(data_dir: Path) -> None:
    os.environ["PEERLOOP_DATA_DIR"] = str(data_dir)
    # As in production: DEBUG off, so Django keeps no log of the queries.
    os.environ["PEERLOOP_DEBUG"] = "0"
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerloop.settings")
    import django

    django.setup()


def _peak_rss_mib() -> float:
    """The process's peak resident memory. VmHWM belongs to the process image, so a
    spawned child does not inherit its parent's peak (ru_maxrss survives exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _import_once(csv_path: Path, data_dir: Path, queue: "multiprocessing.Queue[tuple]") -> None:
    """Child process: migrate a fresh database, create the topics, time the import."""
    _setup_django(data_dir)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.utils.text import slugify

    from peerloop.core.roles import SYSTEM
    from peerloop.people.models import Person
    from peerloop.people.services import person_import_file
    from peerloop.vocabulary.models import Topic

    Topic.objects.bulk_create([Topic(name=name, slug=slugify(name)) for name in TOPICS])
    before = _peak_rss_mib()
    started = time.perf_counter()
    report = person_import_file(actor=SYSTEM, path=csv_path, dry_run=False)
    elapsed = time.perf_counter() - started
    if report.errors:
        queue.put(("error", [str(e) for e in report.errors[:10]]))
        return
    second = person_import_file(actor=SYSTEM, path=csv_path, dry_run=True)
    queue.put(
        (
            "ok",
            elapsed,
            report.created,
            Person.objects.count(),
            second.created + second.updated,
            before,
            _peak_rss_mib(),
        )
    )


def _reference_once(csv_path: Path, db_path: Path) -> float:
    """sqlite3 executemany of the same rows into an equivalent plain table."""
    if db_path.exists():
        db_path.unlink()
    connection = sqlite3.connect(db_path)
    connection.executescript(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
        "CREATE TABLE person (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, external_id TEXT UNIQUE, "
        "name TEXT, title TEXT, role_family TEXT, level INTEGER, unit TEXT, unit_parent TEXT, region TEXT, "
        "location TEXT, timezone TEXT, manager_email TEXT, skills TEXT, topics TEXT, kind TEXT, active INTEGER);"
    )
    started = time.perf_counter()
    with csv_path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        values = [tuple(row[column] for column in COLUMNS) for row in reader]
    with connection:
        connection.executemany(
            f"INSERT INTO person ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})", values
        )
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed


def _memory_gib() -> float:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        return 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="peerloop-bench-people-"))
    try:
        started = time.perf_counter()
        rows = generate_rows(args.rows, args.seed)
        csv_path = work / "people.csv"
        write_csv(rows, csv_path)
        del rows
        size_mib = csv_path.stat().st_size / 2**20
        generated = time.perf_counter() - started
        print(
            f"machine: {os.cpu_count()} cores, {_memory_gib():.0f} GiB; Python {platform.python_version()}, "
            f"SQLite {sqlite3.sqlite_version}"
        )
        print(f"data: {args.rows:,} rows, {size_mib:.1f} MiB CSV (seed {args.seed}, generated in {generated:.1f} s)")

        context = multiprocessing.get_context("spawn")
        timings, references, peaks = [], [], []
        for run in range(1, args.runs + 1):
            data_dir = work / f"run{run}"
            data_dir.mkdir()
            queue: multiprocessing.Queue[tuple] = context.Queue()
            child = context.Process(target=_import_once, args=(csv_path, data_dir, queue))
            child.start()
            outcome = queue.get()
            child.join()
            if outcome[0] != "ok":
                print("import failed:", *outcome[1], sep="\n  ")
                return 1
            _, elapsed, created, stored, second_changes, before, peak = outcome
            assert created == args.rows == stored, (created, stored)
            assert second_changes == 0, second_changes
            reference = _reference_once(csv_path, work / "reference.sqlite3")
            timings.append(elapsed)
            references.append(reference)
            peaks.append(peak)
            print(
                f"run {run}: import {elapsed:.2f} s ({args.rows / elapsed:,.0f} rows/s), "
                f"reference {reference:.2f} s, peak RSS {peak:.0f} MiB (after setup {before:.0f} MiB)"
            )
            shutil.rmtree(data_dir)

        median = statistics.median(timings)
        reference = statistics.median(references)
        print(
            f"median of {args.runs}: import {median:.2f} s, reference {reference:.2f} s, "
            f"ratio {median / reference:.1f}x"
        )
        print(f"peak memory (max RSS of the importing process): {max(peaks):.0f} MiB")
        print("re-import of the same file: 0 created, 0 updated (checked on every run)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
