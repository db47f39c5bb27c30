"""The rows the demo generator produces: plain frozen dataclasses, and its constants."""

from collections.abc import Iterator
from dataclasses import dataclass, field
import random

from peerloop.demo.generator import data
from peerloop.demo.generator.data import TopicSpec
from peerloop.people.columns import COLUMNS

MIN_PEOPLE = 30
MAX_LEVEL = 8
DEMO_PASSWORD = "peerloop-demo"
LOGIN_ROLES = ("admin", "program_owner", "leader", "member", "guest")
LOGIN_EMAILS = {
    "admin": f"admin@{data.EMAIL_DOMAIN}",
    "program_owner": f"owner@{data.EMAIL_DOMAIN}",
    "leader": f"leader@{data.EMAIL_DOMAIN}",
    "member": f"member@{data.EMAIL_DOMAIN}",
    "guest": f"guest@{data.EMAIL_DOMAIN}",
}
HISTORY_DAYS = 182  # the interaction stream covers the last six months
METRIC_MONTHS = 12
TEAM_SPLIT = 150  # a department with more people than this is cut into teams
TEAM_SIZE = 50
CLUSTER_SPLIT = 600  # operations and customer success go regional above this many per cluster
IMPORT_COLUMNS = COLUMNS  # the directory's import format, of PersonRow.as_import_row


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    timezone: str
    location: str
    cluster: str


@dataclass(frozen=True)
class Unit:
    """A unit of the tree. ``kind`` is company, division, department or team."""

    code: str
    name: str
    parent: str | None
    kind: str
    division: str | None
    role_family: str
    region: str | None = None


@dataclass(frozen=True)
class PersonRow:
    """One person, with the columns of the directory's import format."""

    email: str
    external_id: str
    name: str
    title: str
    role_family: str
    level: int | None
    unit: str
    unit_parent: str
    region: str
    location: str
    timezone: str
    manager_email: str
    skills: tuple[str, ...]
    topics: tuple[str, ...]
    kind: str = "employee"
    active: bool = True

    def as_import_row(self) -> dict[str, str]:
        """The row as people.services.person_import reads it: every value a string."""
        return {
            "email": self.email,
            "external_id": self.external_id,
            "name": self.name,
            "title": self.title,
            "role_family": self.role_family,
            "level": "" if self.level is None else str(self.level),
            "unit": self.unit,
            "unit_parent": self.unit_parent,
            "region": self.region,
            "location": self.location,
            "timezone": self.timezone,
            "manager_email": self.manager_email,
            "skills": ";".join(self.skills),
            "topics": ";".join(self.topics),
            "kind": self.kind,
            "active": "true" if self.active else "false",
        }


@dataclass(frozen=True)
class SpaceSpec:
    slug: str
    kind: str  # circle, community, cocreation
    name: str
    description: str
    goals: str
    topics: tuple[str, ...]  # topic slugs
    hosts: tuple[str, ...]  # emails
    members: tuple[str, ...]  # emails, hosts excluded


@dataclass(frozen=True)
class MetricSpec:
    code: str
    name: str
    direction: str  # higher or lower
    unit_label: str
    description: str
    division: str  # the division whose units report it
    baseline: float
    target: float
    decimals: int = 1


@dataclass(frozen=True)
class ProgramSpec:
    name: str
    objective: str
    expected_outcomes: str
    owner: str  # email
    sponsor: str  # email
    mechanisms: tuple[str, ...]
    audience_filter: dict
    audience_space: str | None  # space slug
    status: str
    started_months_ago: int
    duration_months: int
    kpis: tuple[str, ...]  # metric codes


@dataclass(frozen=True)
class MetricValueRow:
    """A metric's value for a unit over one calendar month, ``months_ago`` before the current one."""

    metric: str
    unit: str
    months_ago: int
    value: float


@dataclass(frozen=True)
class InteractionRow:
    """An event of the interaction stream; ``seconds_ago`` counts back from the moment of loading."""

    kind: str
    actor: str  # email
    targets: tuple[str, ...]  # emails
    space: str | None  # space slug
    seconds_ago: int


@dataclass(frozen=True)
class DemoOrg:
    seed: int
    size: int
    company: str
    regions: tuple[Region, ...]
    units: tuple[Unit, ...]
    people: tuple[PersonRow, ...]
    topics: tuple[TopicSpec, ...]
    segments: tuple[tuple[str, str, str], ...]
    values: tuple[tuple[str, str, str], ...]
    logins: dict[str, str]  # site role -> email
    spaces: tuple[SpaceSpec, ...]
    metrics: tuple[MetricSpec, ...]
    programs: tuple[ProgramSpec, ...]
    metric_values: tuple[MetricValueRow, ...]
    _interactions_seed: str = field(default="", repr=False)

    def people_rows(self) -> list[dict[str, str]]:
        """Every person as an import row, managers before their reports."""
        return [person.as_import_row() for person in self.people]

    def interactions(self) -> Iterator[InteractionRow]:
        """The interaction stream of the last six months, generated on demand (deterministic)."""
        from peerloop.demo.generator.stream import interactions  # the stream module reads these rows

        return interactions(self, random.Random(self._interactions_seed))
