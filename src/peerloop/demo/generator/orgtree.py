"""Building the organization: the unit tree, levels, managers, regions and names."""

from collections.abc import Sequence
import random
from typing import TypeVar
import unicodedata

from peerloop.demo.generator import data
from peerloop.demo.generator.data import CITIES, City, Division
from peerloop.demo.generator.rows import CLUSTER_SPLIT, TEAM_SIZE, TEAM_SPLIT, Unit

T = TypeVar("T")


class StaffMember:
    """A person while the organization is being built (mutable; becomes a PersonRow)."""

    __slots__ = ("culture", "email", "family", "given", "level", "manager", "region", "role_family", "title", "unit")

    def __init__(self, *, unit: Unit, level: int, title: str, region: City, manager: "StaffMember | None") -> None:
        self.unit = unit
        self.level = level
        self.title = title
        self.region = region
        self.manager = manager
        self.role_family = unit.role_family
        self.given = ""
        self.family = ""
        self.culture = ""
        self.email = ""


def pick(rng: random.Random, items: Sequence[T]) -> T:
    """One of ``items``, uniformly: ``rng.choice`` at a third of its cost (it matters at 100,000 people)."""
    return items[int(rng.random() * len(items))]


def subsets(
    rng: random.Random, items: Sequence[T], smallest: int, largest: int, count: int = 64
) -> list[tuple[T, ...]]:
    """``count`` random subsets of ``items`` (in random order) of ``smallest`` to ``largest`` elements,
    drawn once so that each person then costs one draw instead of a ``sample``."""
    return [tuple(rng.sample(items, rng.randint(smallest, largest))) for _ in range(count)]


def apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Split ``total`` in proportion to ``weights`` (largest remainder); each part >= 1 when possible."""
    count = len(weights)
    if count == 0:
        return []
    floor = 1 if total >= count else 0
    rest = total - floor * count
    whole = sum(weights)
    exact = [rest * weight / whole for weight in weights]
    parts = [int(value) for value in exact]
    order = sorted(range(count), key=lambda i: (parts[i] - exact[i], i))
    for i in order[: rest - sum(parts)]:
        parts[i] += 1
    return [floor + part for part in parts]


def region_count(people: int) -> int:
    wanted = round(12 * (people / 2000) ** 0.25)
    return max(1, min(len(CITIES), wanted))


class OrgBuilder:
    def __init__(self, seed: int, size: int) -> None:
        self.rng = random.Random(f"peerloop-demo:{seed}:org")
        self.size = size
        self.units: list[Unit] = []
        self.people: list[StaffMember] = []
        self.guests = min(len(data.GUEST_COMPANIES), max(1, size // 300))
        self.employees = size - self.guests
        division_sizes = apportion(self.employees - 1, [division.share for division in data.DIVISIONS])
        self.division_sizes = dict(zip([d.code for d in data.DIVISIONS], division_sizes, strict=True))
        # Each region has its own sales department of at least five people.
        sales_people = self.division_sizes["sales"] - 1
        self.cities = list(CITIES[: max(1, min(region_count(size), sales_people // 5 or 1))])
        self.hq = next((city for city in self.cities if city.code == "singapore"), self.cities[0])
        self.clusters = [c for c in data.CLUSTER_ORDER if any(city.cluster == c for city in self.cities)]
        self.heads: dict[str, StaffMember] = {}  # unit code -> head

    # units -----------------------------------------------------------------------------------
    def unit(self, **fields: object) -> Unit:
        unit = Unit(**fields)  # type: ignore[arg-type]
        self.units.append(unit)
        return unit

    def person(self, *, unit: Unit, level: int, title: str, region: City, manager: StaffMember | None) -> StaffMember:
        person = StaffMember(unit=unit, level=level, title=title, region=region, manager=manager)
        self.people.append(person)
        return person

    def pick_city(self, cities: Sequence[City]) -> City:
        return self.rng.choices(cities, weights=[city.hub_weight for city in cities])[0]

    def build(self) -> None:
        company = self.unit(
            code=data.COMPANY_CODE, name=data.COMPANY_NAME, parent=None, kind="company", division=None, role_family=""
        )
        ceo = self.person(unit=company, level=8, title="Chief Executive Officer", region=self.hq, manager=None)
        ceo.role_family = "operations"
        self.heads[company.code] = ceo
        for division in data.DIVISIONS:
            self.build_division(division, company, ceo)

    def build_division(self, division: Division, company: Unit, ceo: StaffMember) -> None:
        unit = self.unit(
            code=division.code,
            name=division.name,
            parent=company.code,
            kind="division",
            division=division.code,
            role_family=division.role_family,
        )
        head = self.person(unit=unit, level=7, title=division.head_title, region=self.hq, manager=ceo)
        self.heads[unit.code] = head
        staff = self.division_sizes[division.code] - 1
        if staff <= 0:
            return
        # (code, name, head title, cities the department's people work in, home city)
        departments: list[tuple[str, str, str, list[City]]] = []
        cut = division.cut
        if cut == "cluster" and staff / max(1, len(self.clusters)) > CLUSTER_SPLIT:
            cut = "region"
        if cut == "region":
            for city in self.cities:
                departments.append(
                    (
                        f"{division.code}-{city.code}",
                        f"{division.name} {city.name}",
                        f"Head of {division.name}, {city.name}",
                        [city],
                    )
                )
        elif cut == "cluster":
            for cluster in self.clusters:
                cities = [city for city in self.cities if city.cluster == cluster]
                label = data.CLUSTER_NAMES[cluster]
                departments.append(
                    (
                        f"{division.code}-{cluster}",
                        f"{division.name} {label}",
                        f"Head of {division.name}, {label}",
                        cities,
                    )
                )
        else:
            wanted = max(min(division.base_departments, max(1, staff // 5)), staff // 1200)
            for department in division.departments[: min(len(division.departments), wanted)]:
                departments.append((department.code, department.name, department.head_title, self.cities))
        departments = departments[: max(1, min(len(departments), staff))]
        weights = [self.rng.uniform(0.75, 1.25) for _ in departments]
        for (code, name, head_title, cities), size in zip(departments, apportion(staff, weights), strict=True):
            self.build_department(division, unit, head, code, name, head_title, cities, size)

    def build_department(
        self,
        division: Division,
        parent: Unit,
        division_head: StaffMember,
        code: str,
        name: str,
        head_title: str,
        cities: list[City],
        size: int,
    ) -> None:
        home = cities[0] if len(cities) < len(self.cities) else self.pick_city(cities)
        unit = self.unit(
            code=code,
            name=name,
            parent=parent.code,
            kind="department",
            division=division.code,
            role_family=division.role_family,
            region=cities[0].code if len(cities) == 1 else None,
        )
        head = self.person(unit=unit, level=6, title=head_title, region=home, manager=division_head)
        self.heads[code] = head
        staff = size - 1
        if staff <= TEAM_SPLIT:
            self.fill(unit, head, staff, cities)
            return
        teams = max(2, round(staff / TEAM_SIZE))
        sizes = apportion(staff, [self.rng.uniform(0.8, 1.2) for _ in range(teams)])
        manager_title = data.TITLES[division.role_family][5][0]
        for number, team_size in enumerate(sizes):
            label = data.TEAM_NAMES[number] if number < len(data.TEAM_NAMES) else f"Team {number + 1}"
            team = self.unit(
                code=f"{code}-{label.lower().replace(' ', '-')}",
                name=f"{name} · {label}",
                parent=code,
                kind="team",
                division=division.code,
                role_family=division.role_family,
                region=unit.region,
            )
            team_home = cities[0] if len(cities) == 1 else self.pick_city(cities)
            team_head = self.person(
                unit=team, level=5, title=f"{manager_title}, {label}", region=team_home, manager=head
            )
            self.heads[team.code] = team_head
            self.fill(team, team_head, team_size - 1, [team_home] if len(cities) > 1 else cities, spread=cities)

    def fill(
        self, unit: Unit, head: StaffMember, count: int, cities: list[City], spread: list[City] | None = None
    ) -> None:
        """Put ``count`` people under ``head``: a few senior staff, team leads, and front-line staff."""
        if count <= 0:
            return
        rng = self.rng
        titles = data.TITLES[unit.role_family]
        seniors = count // 40 if head.level == 6 and count >= 30 else 0
        rest = count - seniors
        leads_count = rest // 9 if rest >= 12 else (1 if rest >= 7 else 0)
        spread = spread or cities
        for _ in range(seniors):
            self.person(unit=unit, level=5, title=rng.choice(titles[5]), region=self.pick_city(cities), manager=head)
        leads = [
            self.person(unit=unit, level=4, title=rng.choice(titles[4]), region=self.pick_city(cities), manager=head)
            for _ in range(leads_count)
        ]
        for number in range(rest - leads_count):
            manager = leads[number % leads_count] if leads else head
            draw = rng.random()
            level = 1 if draw < 0.42 else 2 if draw < 0.78 else 3
            region = manager.region if rng.random() < 0.8 or len(spread) == 1 else self.pick_city(spread)
            self.person(unit=unit, level=level, title=pick(rng, titles[level]), region=region, manager=manager)


_FOLD = str.maketrans({"ı": "i", "ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ß": "ss", "đ": "d"})


def ascii_slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.translate(_FOLD)).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if "a" <= ch <= "z")


class EmailBook:
    """Unique name-based emails: ana.silva@, then ana.silva2@, ana.silva3@..."""

    def __init__(self, taken: Sequence[str]) -> None:
        self.used: dict[str, int] = {}
        self.taken = set(taken)
        self.slugs: dict[str, str] = {}

    def make(self, given: str, family: str) -> str:
        key = f"{given}|{family}"
        base = self.slugs.get(key)
        if base is None:
            base = self.slugs[key] = f"{ascii_slug(given)}.{ascii_slug(family)}"
        count = self.used.get(base, 0) + 1
        self.used[base] = count
        email = f"{base}@{data.EMAIL_DOMAIN}" if count == 1 else f"{base}{count}@{data.EMAIL_DOMAIN}"
        while email in self.taken:  # pragma: no cover - login emails contain no dot, names always do
            count += 1
            email = f"{base}{count}@{data.EMAIL_DOMAIN}"
        self.taken.add(email)
        return email


def person_name(rng: random.Random, city: City) -> tuple[str, str]:
    # Most people carry a name of where they work; some moved there.
    culture = pick(rng, city.cultures) if rng.random() < 0.85 else pick(rng, data.CULTURES)
    given, family = data.NAMES[culture]
    return pick(rng, given), pick(rng, family)


def location_of(city: City) -> str:
    return f"{city.name}, {city.country}"
