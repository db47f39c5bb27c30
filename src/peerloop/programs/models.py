"""Programs (the P2P program template) and the metrics every module shares."""

from django.db import models

from peerloop.core.models import TimeStamped


class Mechanism(models.TextChoices):
    MATCHING = "matching", "Peer matching"
    FEEDBACK_LOOP = "feedback_loop", "Active feedback loop"
    DISCUSSIONS = "discussions", "Peer discussions"
    RECOGNITION = "recognition", "Recognition"
    COCREATION = "cocreation", "Co-creation"
    PEER_ARMY = "peer_army", "Peer army"


class Program(TimeStamped):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        CLOSED = "closed", "Closed"

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    objective = models.TextField()
    expected_outcomes = models.TextField(blank=True, default="")
    mechanisms = models.JSONField(default=list, blank=True, help_text="Mechanism codes")
    audience_filter = models.JSONField(
        default=dict, blank=True, help_text="Directory filter: units, regions, levels, role_families"
    )
    audience_space = models.ForeignKey(
        "spaces.Space", on_delete=models.SET_NULL, null=True, blank=True, related_name="programs"
    )
    owner = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="owned_programs")
    sponsor = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="sponsored_programs"
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DRAFT)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    template = models.CharField(max_length=40, blank=True, default="", help_text="The built-in template it came from")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Metric(TimeStamped):
    """A measure shared by all modules (cost per order, NPS, time to close...)."""

    class Direction(models.TextChoices):
        HIGHER_IS_BETTER = "higher", "Higher is better"
        LOWER_IS_BETTER = "lower", "Lower is better"

    code = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=160)
    unit_label = models.CharField(max_length=32, blank=True, default="")
    direction = models.CharField(max_length=8, choices=Direction.choices, default=Direction.HIGHER_IS_BETTER)
    description = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Kpi(TimeStamped):
    """A program's key performance indicator: a metric with a baseline and a target."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="kpis")
    metric = models.ForeignKey(Metric, on_delete=models.PROTECT, related_name="kpis")
    baseline = models.FloatField(null=True, blank=True)
    target = models.FloatField()
    target_date = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["program", "metric"], name="kpi_unique_per_program")]

    def __str__(self) -> str:
        return f"{self.metric} → {self.target}"


class MetricValue(models.Model):
    """One value of a metric for a unit or a person over a period (monthly, weekly...)."""

    metric = models.ForeignKey(Metric, on_delete=models.CASCADE, related_name="values")
    unit = models.ForeignKey("people.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    period_start = models.DateField()
    period_end = models.DateField()
    value = models.FloatField()
    source = models.CharField(max_length=32, default="import")
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["metric", "period_start"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(unit__isnull=False, person__isnull=True))
                | (models.Q(unit__isnull=True, person__isnull=False)),
                name="metric_value_unit_xor_person",
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")), name="metric_value_period_order"
            ),
            models.UniqueConstraint(
                fields=["metric", "unit", "period_start"],
                condition=models.Q(unit__isnull=False),
                name="metric_value_unique_unit_period",
            ),
            models.UniqueConstraint(
                fields=["metric", "person", "period_start"],
                condition=models.Q(person__isnull=False),
                name="metric_value_unique_person_period",
            ),
        ]
        indexes = [models.Index(fields=["metric", "unit", "period_start"], name="metric_value_lookup")]

    def __str__(self) -> str:
        return f"{self.metric_id} {self.period_start}: {self.value}"
