"""Shared set-up of the feedback benchmarks: a fresh database (SQLite file or PostgreSQL),
migrated, with regions, units, heads of sales, topics and routing rules; generated items."""

import os
from pathlib import Path
import random
import sys
import tempfile

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

CITIES = ("jakarta", "sao-paulo", "lagos", "mumbai", "berlin", "chicago", "mexico-city")
WORDS = (
    "the price went up again", "late delivery this week", "couriers left the box outside", "stock ran out",
    "great service thank you", "the app crashes on reorder", "invoice shows the old discounts", "slow support",
    "quality of the trays dropped", "we may cancel two outlets", "onboarding took three weeks", "order was wrong",
)  # fmt: skip


def database(kind: str, name: str = "") -> str:
    """A fresh, empty database; returns its URL (also set as DATABASE_URL). PostgreSQL's is
    named by FEEDBACK_BENCH_DB (default feedback_bench), so engineers sharing a server
    do not drop each other's."""
    name = name or os.environ.get("FEEDBACK_BENCH_DB", "feedback_bench")
    if kind == "postgres":
        import psycopg

        with psycopg.connect("postgresql://root@127.0.0.1:5432/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            admin.execute(f'CREATE DATABASE "{name}"')
        url = f"postgres://root@127.0.0.1:5432/{name}"
    else:
        folder = Path(tempfile.mkdtemp(prefix="feedback-bench-"))
        url = f"sqlite:///{folder / 'bench.sqlite3'}"
        os.environ["PEERLOOP_DATA_DIR"] = str(folder)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("PEERLOOP_PROFILE", "test")
    os.environ["PEERLOOP_QUEUE_IMMEDIATE"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerloop.settings")
    os.environ.setdefault("PEERLOOP_QUEUE_FILE", str(Path(tempfile.mkdtemp(prefix="feedback-queue-")) / "q.sqlite3"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return url


def organization() -> dict[str, int]:
    """Regions, a head of sales and of operations per region, topics, rules; region ids by code."""
    from peerloop.core.roles import SYSTEM
    from peerloop.feedback import services
    from peerloop.people import services as people_services
    from peerloop.people.models import Person
    from peerloop.vocabulary import services as vocabulary_services

    regions = {}
    for code in CITIES:
        region = people_services.region_create(actor=SYSTEM, name=code.title(), code=code)
        regions[code] = region.pk
        for family in ("sales", "operations"):
            unit = people_services.unit_create(actor=SYSTEM, name=f"{family} {code}", code=f"{family}-{code}")
            Person.objects.create(email=f"{family}.{code}@example.org", name=f"{family} {code}", role_family=family,
                                  level=6, unit=unit, region=region)  # fmt: skip
    topics = {
        "pricing": vocabulary_services.topic_create(actor=SYSTEM, name="Pricing", synonyms=["price", "discounts"]),
        "delivery": vocabulary_services.topic_create(actor=SYSTEM, name="Delivery", synonyms=["late delivery",
                                                                                              "couriers"]),
        "stock": vocabulary_services.topic_create(actor=SYSTEM, name="Inventory", synonyms=["stock"]),
    }  # fmt: skip
    services.rule_save(actor=SYSTEM, name="Pricing", role_family="sales", min_level=6, topic_id=topics["pricing"].pk)
    services.rule_save(actor=SYSTEM, name="Delivery", role_family="operations", min_level=6,
                       topic_id=topics["delivery"].pk)  # fmt: skip
    services.rule_save(actor=SYSTEM, name="Stock", role_family="operations", min_level=6, scope="anywhere",
                       topic_id=topics["stock"].pk)  # fmt: skip
    return regions


def records(n: int, *, seed: int = 42, prefix: str = "k") -> list[dict[str, str]]:
    rng = random.Random(seed)
    return [
        {
            "text": f"{rng.choice(WORDS)}, {rng.choice(WORDS)} (order {i})",
            "score": str(rng.randint(0, 10)),
            "segment": rng.choice(("retail", "chains", "cafes")),
            "region": rng.choice(CITIES),
            "idempotency_key": f"{prefix}{i}",
        }
        for i in range(n)
    ]


def peak_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
