"""The directory: people, units (silos, a tree), regions. Managers form the org chart."""

from django.db import models
from django.db.models.functions import Lower

from peerloop.core.models import TimeStamped

MAX_LEVEL = 12
ACTIVE = models.Q(active=True)


class Region(TimeStamped):
    name = models.CharField(max_length=120)
    code = models.SlugField(max_length=64, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Unit(TimeStamped):
    """A silo: a department, business unit or team. Units form a tree."""

    name = models.CharField(max_length=160)
    code = models.SlugField(max_length=64, unique=True)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Person(TimeStamped):
    class Kind(models.TextChoices):
        EMPLOYEE = "employee", "Employee"
        GUEST = "guest", "Guest"

    user = models.OneToOneField(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="person"
    )
    email = models.EmailField(unique=True)
    external_id = models.CharField(max_length=64, null=True, blank=True, unique=True)
    name = models.CharField(max_length=200)
    title = models.CharField(max_length=200, blank=True, default="")
    role_family = models.CharField(max_length=80, blank=True, default="", db_index=True)
    level = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Altitude: 1 is the front line")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="people")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, null=True, blank=True, related_name="people")
    location = models.CharField(max_length=120, blank=True, default="")
    timezone = models.CharField(max_length=64, blank=True, default="UTC")
    manager = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="reports")
    skills = models.JSONField(default=list, blank=True)
    topics = models.ManyToManyField("vocabulary.Topic", blank=True, related_name="people")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.EMPLOYEE)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["unit", "level"], name="person_unit_level"),
            models.Index(fields=["region", "level"], name="person_region_level"),
            models.Index(fields=["level", "role_family"], name="person_level_family"),
            models.Index(Lower("name"), name="person_name_lower"),
            # The directory lists and counts active people only: partial indexes keep its
            # pages and facet counts to index scans at 100,000 people (docs/benchmarks.md).
            models.Index(fields=["name", "id"], condition=ACTIVE, name="person_active_name"),
            models.Index(fields=["unit"], condition=ACTIVE, name="person_active_unit"),
            models.Index(fields=["region"], condition=ACTIVE, name="person_active_region"),
            models.Index(fields=["level"], condition=ACTIVE, name="person_active_level"),
            models.Index(fields=["role_family"], condition=ACTIVE, name="person_active_family"),
            models.Index(fields=["manager"], condition=ACTIVE, name="person_active_manager"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level__isnull=True) | models.Q(level__gte=1, level__lte=MAX_LEVEL),
                name="person_level_in_range",
            ),
            models.CheckConstraint(condition=~models.Q(manager=models.F("id")), name="person_not_own_manager"),
        ]

    def __str__(self) -> str:
        return self.name
