"""Load the generated demo organization into the database, through the modules' services.

Nothing here writes a table of another module directly: the vocabulary, the
directory, accounts, spaces, programs and the interaction stream are each written
by their own services, so the demo exercises the same rules a real installation does.
"""

import calendar
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
import time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from peerloop.accounts import services as account_services
from peerloop.core import services as core_services
from peerloop.core.roles import SYSTEM
from peerloop.demo import discussions as discussions_demo
from peerloop.demo.feedback import load as feedback_demo
from peerloop.demo.generator import DEMO_PASSWORD, DemoOrg, generate
from peerloop.demo.matching import demo_matching
from peerloop.demo.recognition import recognition_load
from peerloop.insights import services as insights_services
from peerloop.people import queries as people_queries
from peerloop.people import services as people_services
from peerloop.programs import services as program_services
from peerloop.spaces import services as space_services
from peerloop.vocabulary import services as vocabulary_services

# progress(stage, done, total): stages are "people" and "interactions".
Progress = Callable[[str, int, int], None]


class DemoNotEmpty(Exception):
    """The database already holds people; the demo loads only into an empty directory."""


@dataclass
class Login:
    role: str
    email: str
    name: str
    title: str


@dataclass
class LoadReport:
    """What the demo loaded, and how long each stage took (seconds)."""

    people: int = 0
    units: int = 0
    regions: int = 0
    topics: int = 0
    spaces: int = 0
    memberships: int = 0
    programs: int = 0
    metric_values: int = 0
    interactions: int = 0
    logins: list[Login] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


def directory_is_empty() -> bool:
    return not people_queries.person_list(include_inactive=True).exists()


def demo_load(
    *,
    seed: int = 7,
    people: int = 2000,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> LoadReport:
    """Generate the demo organization for ``seed`` and load all of it, or nothing.

    Refuses (DemoNotEmpty) when the directory already has people. ``now`` anchors the
    interaction stream (the last six months) and the monthly metric values.
    """
    if not directory_is_empty():
        raise DemoNotEmpty("The directory already has people; the demo loads only into an empty database.")
    now = now or timezone.now()
    report = LoadReport()
    started = time.perf_counter()
    org = generate(seed, people)
    report.seconds["generate"] = time.perf_counter() - started
    with transaction.atomic():
        topic_ids = _stage(report, "vocabulary", lambda: _vocabulary(org, report))
        _stage(report, "people", lambda: _people(org, report, progress))
        person_ids = dict(people_queries.person_list(include_inactive=True).values_list("email", "id"))
        _stage(report, "logins", lambda: _logins(org, report, person_ids))
        space_ids = _stage(report, "spaces", lambda: _spaces(org, report, person_ids, topic_ids))
        _stage(report, "programs", lambda: _programs(org, report, person_ids, space_ids, now.date()))
        _stage(report, "interactions", lambda: _interactions(org, report, person_ids, space_ids, now, progress))
        _stage(report, "matching", lambda: demo_matching(seed=seed))
        _stage(report, "discussions", lambda: discussions_demo.load(space_ids=space_ids))
        _stage(report, "feedback", lambda: feedback_demo(seed, person_ids, space_ids, now))
        _stage(report, "recognition", lambda: recognition_load(org=org, person_ids=person_ids, now=now))
        # After every module recorded its activity (stamped at load time, after ``now``).
        _stage(report, "insights", lambda: insights_services.snapshot_refresh(actor=SYSTEM))
    report.seconds["total"] = time.perf_counter() - started
    return report


def _stage(report: LoadReport, name: str, work: Callable):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = work()
    report.seconds[name] = time.perf_counter() - started
    return result


def _fail(what: str, errors: object) -> ValidationError:
    return ValidationError(f"The demo {what} was refused: {errors}")


def _vocabulary(org: DemoOrg, report: LoadReport) -> dict[str, int]:
    topic_ids: dict[str, int] = {}
    for spec in org.topics:
        topic = vocabulary_services.topic_create(
            actor=SYSTEM,
            name=spec.name,
            slug=spec.slug,
            parent_id=topic_ids[spec.parent] if spec.parent else None,
            synonyms=spec.synonyms,
            description=spec.description,
        )
        topic_ids[spec.slug] = topic.pk
    for name, slug, description in org.segments:
        vocabulary_services.segment_create(actor=SYSTEM, name=name, slug=slug, description=description)
    for name, slug, description in org.values:
        vocabulary_services.company_value_create(actor=SYSTEM, name=name, slug=slug, description=description)
    report.topics = len(topic_ids)
    return topic_ids


def _people(org: DemoOrg, report: LoadReport, progress: Progress | None) -> None:
    # Regions and units first, so they get their proper names (an import creates a
    # missing one named after its code).
    for region in org.regions:
        people_services.region_create(actor=SYSTEM, name=region.name, code=region.code)
    unit_ids: dict[str, int] = {}
    for unit in org.units:
        created = people_services.unit_create(
            actor=SYSTEM, name=unit.name, code=unit.code, parent_id=unit_ids[unit.parent] if unit.parent else None
        )
        unit_ids[unit.code] = created.pk

    def on_progress(done: int, total: int) -> None:
        if progress is not None:
            progress("people", done, total)

    result = people_services.person_import(actor=SYSTEM, rows=org.people_rows(), dry_run=False, progress=on_progress)
    if result.errors:
        raise _fail("people import", result.errors[:5])
    report.people = result.created
    report.units = len(unit_ids)
    report.regions = len(org.regions)


def _logins(org: DemoOrg, report: LoadReport, person_ids: dict[str, int]) -> None:
    by_email = {person.email: person for person in org.people}
    for role, email in org.logins.items():
        user = account_services.user_ensure(email=email, role=role)
        account_services.user_set_password(user_id=user.pk, password=DEMO_PASSWORD, actor=SYSTEM)
        people_services.person_link_user(person_id=person_ids[email], user_id=user.pk)
        person = by_email[email]
        report.logins.append(Login(role=role, email=email, name=person.name, title=person.title))


def _spaces(org: DemoOrg, report: LoadReport, person_ids: dict[str, int], topic_ids: dict[str, int]) -> dict[str, int]:
    space_ids: dict[str, int] = {}
    for spec in org.spaces:
        space = space_services.space_create(
            actor=SYSTEM,
            kind=spec.kind,
            name=spec.name,
            slug=spec.slug,
            description=spec.description,
            goals=spec.goals,
            topic_ids=[topic_ids[slug] for slug in spec.topics],
        )
        space_ids[spec.slug] = space.pk
        for role, emails in (("host", spec.hosts), ("member", spec.members)):
            for email in emails:
                space_services.membership_add(actor=SYSTEM, space_id=space.pk, person_id=person_ids[email], role=role)
                report.memberships += 1
    report.spaces = len(space_ids)
    return space_ids


def _month_start(today: date, months_ago: int) -> date:
    index = today.year * 12 + (today.month - 1) - months_ago
    return date(index // 12, index % 12 + 1, 1)


def _month_end(start: date) -> date:
    return start.replace(day=calendar.monthrange(start.year, start.month)[1])


def _programs(
    org: DemoOrg, report: LoadReport, person_ids: dict[str, int], space_ids: dict[str, int], today: date
) -> None:
    metric_ids: dict[str, int] = {}
    for spec in org.metrics:
        metric = program_services.metric_create(
            actor=SYSTEM,
            code=spec.code,
            name=spec.name,
            direction=spec.direction,
            unit_label=spec.unit_label,
            description=spec.description,
        )
        metric_ids[spec.code] = metric.pk
    metrics = {spec.code: spec for spec in org.metrics}
    for program_spec in org.programs:
        starts_on = _month_start(today, program_spec.started_months_ago)
        ends_on = _month_start(today, program_spec.started_months_ago - program_spec.duration_months) - timedelta(
            days=1
        )
        program = program_services.program_create(
            actor=SYSTEM,
            name=program_spec.name,
            objective=program_spec.objective,
            owner_id=person_ids[program_spec.owner],
            sponsor_id=person_ids[program_spec.sponsor],
            mechanisms=program_spec.mechanisms,
            audience_filter=program_spec.audience_filter or None,
            audience_space_id=space_ids[program_spec.audience_space] if program_spec.audience_space else None,
            expected_outcomes=program_spec.expected_outcomes,
            status=program_spec.status,
            starts_on=starts_on,
            ends_on=ends_on,
        )
        for code in program_spec.kpis:
            metric_spec = metrics[code]
            program_services.kpi_set(
                actor=SYSTEM,
                program_id=program.pk,
                metric_id=metric_ids[code],
                target=metric_spec.target,
                baseline=metric_spec.baseline,
                target_date=ends_on,
            )
        report.programs += 1

    rows = []
    for value in org.metric_values:
        start = _month_start(today, value.months_ago)
        rows.append(
            {
                "metric": value.metric,
                "unit": value.unit,
                "period_start": start.isoformat(),
                "period_end": _month_end(start).isoformat(),
                "value": repr(value.value),
            }
        )
    result = program_services.metric_value_import(actor=SYSTEM, rows=rows, dry_run=False)
    errors = getattr(result, "errors", None)
    if errors:
        raise _fail("metric values import", errors[:5])
    report.metric_values = len(rows)


def _interactions(
    org: DemoOrg,
    report: LoadReport,
    person_ids: dict[str, int],
    space_ids: dict[str, int],
    now: datetime,
    progress: Progress | None,
) -> None:
    events = list(org.interactions())
    # Oldest first, so the stream's ids follow time as they would have in real life.
    events.sort(key=lambda event: -event.seconds_ago)
    total = len(events)

    def described() -> Iterator[core_services.InteractionEvent]:
        for done, event in enumerate(events, start=1):
            yield core_services.InteractionEvent(
                kind=event.kind,
                actor_id=person_ids[event.actor],
                target_ids=[person_ids[email] for email in event.targets],
                space_id=space_ids[event.space] if event.space else None,
                object_type="space" if event.space else "",
                object_id=space_ids[event.space] if event.space else "",
                occurred_at=now - timedelta(seconds=event.seconds_ago),
            )
            if progress is not None and (done % 500 == 0 or done == total):
                progress("interactions", done, total)

    report.interactions += core_services.interaction_record_many(events=described())
