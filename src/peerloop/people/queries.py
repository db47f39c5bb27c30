"""Reads of the directory: people lists and search, profiles, the org chart, units, regions."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from peerloop.accounts import queries as accounts_queries
from peerloop.core.roles import Actor
from peerloop.people.models import Person, Region, Unit
from peerloop.people.orgchart import descendants

# Deeper than any real org chart; stops a corrupt chain from running away.
MAX_CHAIN = 64


def _person_of(user_column: str) -> str:
    """SQL for the id of the account's person: active, the first by name when several."""
    return (
        f"(SELECT p.id FROM {Person._meta.db_table} p WHERE p.user_id = {user_column} AND p.active "  # noqa: S608
        "ORDER BY p.name, p.id LIMIT 1)"
    )


def actor_for_user(user: object, *, scope: str = "write") -> Actor:
    """The Actor for an authenticated account (any object with the User fields)."""
    user_id = getattr(user, "pk", None)
    if user_id is None or not getattr(user, "is_authenticated", False):
        return Actor()
    # Asked on every request: a hand-written query (the ORM's compilation cost more than it).
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {_person_of('%s')}", [user_id])
        row = cursor.fetchone()
    return _actor(user, row[0] if row else None, scope)


def actor_for_token(*, secret: str) -> Actor | None:
    """The Actor behind an API token secret, or None: token, account and person read by
    one query (every API request asks it)."""
    holder = accounts_queries.user_for_token(secret=secret, also=_person_of("u.id"))
    if holder is None:
        return None
    return Actor(
        user_id=holder.user_id, role=holder.role, person_id=holder.also, active=True, scope=holder.scope,
        label=holder.email,
    )  # fmt: skip


def _actor(user: object, person_id: int | None, scope: str) -> Actor:
    return Actor(
        user_id=getattr(user, "pk", None),
        role=getattr(user, "role", None),
        person_id=person_id,
        active=bool(getattr(user, "is_active", False)),
        scope=scope,
        label=getattr(user, "email", ""),
    )


def person_get(*, person_id: int) -> Person | None:
    return Person.objects.select_related("unit", "region", "manager").filter(pk=person_id).first()


def person_for_user(*, user_id: int) -> Person | None:
    """The person whose login is ``user_id``, or None."""
    return Person.objects.select_related("unit", "region").filter(user_id=user_id).first()


def person_for_email(*, email: str) -> Person | None:
    """The person (active or not) whose email is ``email``, ignoring case and surrounding spaces."""
    email = (email or "").strip().lower()
    if not email:
        return None
    # Emails are stored lowercased, so an exact match uses the unique index.
    return Person.objects.select_related("unit", "region").filter(email=email).first()


def unit_subtree_ids(unit_ids: Iterable[int]) -> set[int]:
    """The given units and every unit below them (one query over the small unit table)."""
    parents = dict(Unit.objects.order_by().values_list("id", "parent_id"))
    return descendants(parents, [pk for pk in unit_ids if pk in parents])


def _search(qs: QuerySet[Person], q: str) -> QuerySet[Person]:
    # Every word must appear in the name, title or email (case-insensitive).
    for word in q.split()[:8]:
        qs = qs.filter(Q(name__icontains=word) | Q(title__icontains=word) | Q(email__icontains=word))
    return qs


def person_list(
    *,
    unit_ids: Sequence[int] | None = None,
    region_ids: Sequence[int] | None = None,
    levels: Sequence[int] | None = None,
    role_families: Sequence[str] | None = None,
    topic_ids: Sequence[int] | None = None,
    q: str | None = None,
    include_inactive: bool = False,
    include_subunits: bool = True,
) -> QuerySet[Person]:
    """People matching every given filter (each filter matches any of its values),
    by name, with unit and region loaded. Units include their subunits unless told not to."""
    qs = Person.objects.select_related("unit", "region")
    if not include_inactive:
        qs = qs.filter(active=True)
    if unit_ids:
        ids = unit_subtree_ids(unit_ids) if include_subunits else set(unit_ids)
        qs = qs.filter(unit_id__in=ids)
    if region_ids:
        qs = qs.filter(region_id__in=list(region_ids))
    if levels:
        qs = qs.filter(level__in=list(levels))
    if role_families:
        qs = qs.filter(role_family__in=list(role_families))
    if topic_ids:
        through = Person.topics.through
        qs = qs.filter(id__in=through.objects.filter(topic_id__in=list(topic_ids)).values("person_id"))
    if q and q.strip():
        qs = _search(qs, q.strip())
    return qs.order_by("name", "id")


def directory_search(*, q: str, limit: int = 20) -> list[Person]:
    """The first people whose name, title or email holds every word of ``q``."""
    return list(person_list(q=q)[:limit])


# --- facets of the directory ----------------------------------------------------------


@dataclass(frozen=True)
class Facet:
    value: str
    label: str
    count: int


def directory_facets() -> dict[str, list[Facet]]:
    """The filter choices of the directory with the number of active people in each."""
    active = Person.objects.filter(active=True).order_by()
    unit_counts = dict(active.values_list("unit_id").annotate(n=Count("id")).values_list("unit_id", "n"))
    region_counts = dict(active.values_list("region_id").annotate(n=Count("id")).values_list("region_id", "n"))
    level_counts = active.exclude(level=None).values_list("level").annotate(n=Count("id")).order_by("level")
    family_counts = (
        active.exclude(role_family="").values_list("role_family").annotate(n=Count("id")).order_by("role_family")
    )
    return {
        "units": [
            Facet(str(pk), name, unit_counts.get(pk, 0))
            for pk, name in Unit.objects.order_by("name").values_list("id", "name")
        ],
        "regions": [
            Facet(str(pk), name, region_counts.get(pk, 0))
            for pk, name in Region.objects.order_by("name").values_list("id", "name")
        ],
        "levels": [Facet(str(level), f"Level {level}", n) for level, n in level_counts],
        "role_families": [Facet(family, family, n) for family, n in family_counts],
    }


# --- profiles and the org chart -------------------------------------------------------


def _with_report_counts(qs: QuerySet[Person]) -> QuerySet[Person]:
    reports = (
        Person.objects.filter(manager_id=OuterRef("pk"), active=True)
        .order_by()
        .values("manager_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return qs.annotate(report_count=Coalesce(Subquery(reports, output_field=IntegerField()), Value(0)))


def manager_chain(*, person_id: int) -> list[Person]:
    """The managers of a person from the nearest to the top, in two queries."""
    table = connection.ops.quote_name(Person._meta.db_table)
    manager = connection.ops.quote_name(Person._meta.get_field("manager").column)
    sql = (
        f"WITH RECURSIVE chain(id, depth) AS ("  # noqa: S608 - identifiers from the model, values as parameters
        f" SELECT {manager}, 1 FROM {table} WHERE id = %s"
        f" UNION ALL SELECT p.{manager}, chain.depth + 1 FROM {table} p JOIN chain ON p.id = chain.id"
        f" WHERE chain.depth < %s) SELECT id, depth FROM chain WHERE id IS NOT NULL"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [person_id, MAX_CHAIN])
        depth_of: dict[int, int] = {}
        for pk, depth in cursor.fetchall():
            depth_of.setdefault(pk, depth)
    people = Person.objects.select_related("unit").filter(pk__in=depth_of)
    return sorted(people, key=lambda person: depth_of[person.pk])


def direct_reports(*, person_id: int, include_inactive: bool = False) -> QuerySet[Person]:
    """A person's direct reports, each with ``report_count`` (their own active reports)."""
    qs = Person.objects.select_related("unit", "region").filter(manager_id=person_id)
    if not include_inactive:
        qs = qs.filter(active=True)
    return _with_report_counts(qs).order_by("name", "id")


def orgchart_top() -> QuerySet[Person]:
    """The tops of the org chart: active people without an active manager, with ``report_count``."""
    inactive = Person.objects.filter(active=False).values("id")
    qs = (
        Person.objects.select_related("unit", "region")
        .filter(active=True, kind=Person.Kind.EMPLOYEE)
        .filter(Q(manager__isnull=True) | Q(manager_id__in=inactive))
    )
    return _with_report_counts(qs).order_by("-report_count", "name", "id")  # type: ignore[misc]


@dataclass
class Profile:
    person: Person
    chain: list[Person]
    reports: list[Person]
    topics: list = field(default_factory=list)


def profile_for(*, person_id: int, include_inactive: bool = False) -> Profile | None:
    """Everything a profile page shows: the person, their chain to the top, reports, topics."""
    qs = Person.objects.select_related("unit", "unit__parent", "region")
    if not include_inactive:
        qs = qs.filter(active=True)
    person = qs.filter(pk=person_id).first()
    if person is None:
        return None
    return Profile(
        person=person,
        chain=manager_chain(person_id=person.pk),
        reports=list(direct_reports(person_id=person.pk)),
        topics=list(person.topics.order_by("name")),
    )


# --- units and regions ----------------------------------------------------------------


def unit_list() -> QuerySet[Unit]:
    return Unit.objects.all()


def unit_list_with_counts() -> QuerySet[Unit]:
    """Units by name, each with ``people_count`` (active people directly in it)."""
    people = (
        Person.objects.filter(unit_id=OuterRef("pk"), active=True)
        .order_by()
        .values("unit_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Unit.objects.annotate(people_count=Coalesce(Subquery(people, output_field=IntegerField()), Value(0)))


def unit_get(*, unit_id: int) -> Unit | None:
    return unit_list_with_counts().select_related("parent").filter(pk=unit_id).first()


def unit_children(*, unit_id: int) -> list[Unit]:
    return list(Unit.objects.filter(parent_id=unit_id).order_by("name"))


def region_list() -> QuerySet[Region]:
    return Region.objects.all()


def region_list_with_counts() -> QuerySet[Region]:
    people = (
        Person.objects.filter(region_id=OuterRef("pk"), active=True)
        .order_by()
        .values("region_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Region.objects.annotate(people_count=Coalesce(Subquery(people, output_field=IntegerField()), Value(0)))


def region_get(*, region_id: int) -> Region | None:
    return region_list_with_counts().filter(pk=region_id).first()


def role_family_list() -> list[str]:
    return list(
        Person.objects.exclude(role_family="").order_by("role_family").values_list("role_family", flat=True).distinct()
    )


def person_for_handle(*, handle: str) -> Person | None:
    """The one active person whose email starts with ``handle@`` (a mention's handle), or
    None when nobody or several people have it."""
    found = list(Person.objects.filter(active=True, email__istartswith=f"{handle}@")[:2])
    return found[0] if len(found) == 1 else None
