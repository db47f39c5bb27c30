"""The active feedback loop: where feedback comes from, the items themselves, their tags,
every transition of an item, the lessons owners write, routing rules and surveys."""

from django.db import models
from django.utils import timezone

from peerloop.core.models import AppendOnly, TimeStamped


class SourceKind(models.TextChoices):
    UPLOAD = "upload", "File upload"
    API = "api", "REST API"
    WEBHOOK = "webhook", "Inbound webhook"
    SURVEY = "survey", "In-app survey"
    MANUAL = "manual", "Manual entry"


class FeedbackSource(TimeStamped):
    """Where feedback comes from. A webhook source has a secret (HMAC-SHA256 of the body)
    and a field mapping: item field -> dotted path in the sender's JSON."""

    name = models.CharField(max_length=160)
    slug = models.SlugField(max_length=80, unique=True)
    kind = models.CharField(max_length=8, choices=SourceKind.choices)
    secret = models.CharField(max_length=128, blank=True, default="")
    mapping = models.JSONField(default=dict, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class ItemState(models.TextChoices):
    NEW = "new", "New"
    ROUTED = "routed", "Routed"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    LEARNING = "learning", "Learning"
    ACTED = "acted", "Acted"
    CLOSED = "closed", "Closed"


OPEN_STATES = (ItemState.ROUTED, ItemState.ACKNOWLEDGED, ItemState.LEARNING, ItemState.ACTED)


class FeedbackItem(models.Model):
    """One piece of feedback. Written in state ``new`` (the outbox); the background
    processor tags and routes it exactly once."""

    id = models.BigAutoField(primary_key=True)
    # Foreign keys without an index of their own where a composite index leads with them, or
    # nothing looks items up by them: every index costs bulk ingest (benchmarks).
    source = models.ForeignKey(FeedbackSource, on_delete=models.PROTECT, related_name="items", db_index=False)
    idempotency_key = models.CharField(max_length=200, null=True, blank=True)
    text = models.TextField()
    score = models.FloatField(null=True, blank=True)
    channel = models.CharField(max_length=80, blank=True, default="")
    segment = models.CharField(max_length=120, blank=True, default="")
    product = models.CharField(max_length=160, blank=True, default="")
    region = models.ForeignKey(
        "people.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    unit = models.ForeignKey(
        "people.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    occurred_at = models.DateTimeField(default=timezone.now)
    received_at = models.DateTimeField(default=timezone.now)
    attributes = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=12, choices=ItemState.choices, default=ItemState.NEW)
    # No constraint in the database (docs/adr/0010-no-database-checks-on-the-routing-path.md):
    # the processor sets the owner of 5,000 items per batch, people are deactivated and never
    # deleted, and the ORM still refuses to delete a person who owns items (PROTECT).
    owner = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="feedback_items",
        db_index=False, db_constraint=False,
    )  # fmt: skip
    rule = models.ForeignKey(
        "RoutingRule", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    in_fallback = models.BooleanField(default=False, help_text="No owner could be resolved")
    needs_triage = models.BooleanField(default=False, help_text="Tags of low confidence")
    routed_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        "people.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "idempotency_key"], name="feedback_item_key_per_source"),
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__gte=0, score__lte=10),
                name="feedback_item_score_range",
            ),
        ]
        indexes = [
            # The outbox: only items still ``new`` are in it, so routing an item removes its
            # entry instead of writing one more (the processor's UPDATE is not HOT).
            models.Index(fields=["id"], condition=models.Q(state=ItemState.NEW), name="feedback_item_outbox"),
            models.Index(fields=["owner", "state", "-received_at"], name="feedback_item_inbox"),
            # The fallback and triage queues hold the open items that need a person.
            models.Index(
                fields=["-received_at", "-id"],
                condition=models.Q(in_fallback=True, state__in=OPEN_STATES),
                name="feedback_item_fallback",
            ),
            models.Index(
                fields=["-received_at", "-id"],
                condition=models.Q(needs_triage=True, state__in=OPEN_STATES),
                name="feedback_item_triage",
            ),
            models.Index(fields=["due_at"], name="feedback_item_due"),
            models.Index(fields=["occurred_at"], name="feedback_item_occurred"),
        ]

    def __str__(self) -> str:
        return f"Feedback #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class TagOrigin(models.TextChoices):
    RULE = "rule", "Vocabulary rule"
    CLASSIFIER = "classifier", "Learned classifier"
    OWNER = "owner", "Set by a person"


class FeedbackTag(models.Model):
    # Looked up through the unique (item, topic) and the (topic, item) indexes below.
    # No constraint in the database on the item: the processor writes tags in the transaction
    # that holds the item's row lock, and the ORM cascades an item's deletion (ADR 0010).
    item = models.ForeignKey(
        FeedbackItem, on_delete=models.CASCADE, related_name="tags", db_index=False, db_constraint=False
    )
    topic = models.ForeignKey("vocabulary.Topic", on_delete=models.CASCADE, related_name="+", db_index=False)
    confidence = models.FloatField()
    origin = models.CharField(max_length=10, choices=TagOrigin.choices)
    matched = models.CharField(max_length=200, blank=True, default="", help_text="The words a rule matched")

    class Meta:
        ordering = ["-confidence", "id"]
        constraints = [
            models.UniqueConstraint(fields=["item", "topic"], name="feedback_tag_once"),
            models.CheckConstraint(
                condition=models.Q(confidence__gte=0, confidence__lte=1), name="feedback_tag_confidence"
            ),
        ]
        indexes = [models.Index(fields=["topic", "item"], name="feedback_tag_topic")]

    def __str__(self) -> str:
        return f"{self.topic_id} on {self.item_id} ({self.confidence:.2f})"


class FeedbackTransition(AppendOnly):
    """One change of an item's state or owner: who, when, from what to what, why."""

    id = models.BigAutoField(primary_key=True)
    # Read per item only (the item's history), through the (item, at) index; nothing looks
    # transitions up by person, and people are deactivated, not deleted. No constraint in
    # the database on the item and the owner, which the processor writes for every item: the
    # item's row lock is held by the transaction that writes its transition, and the ORM
    # cascades and nulls as before (ADR 0010).
    item = models.ForeignKey(
        FeedbackItem, on_delete=models.CASCADE, related_name="transitions", db_index=False, db_constraint=False
    )
    at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=20)
    from_state = models.CharField(max_length=12)
    to_state = models.CharField(max_length=12)
    by = models.ForeignKey(
        "people.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    owner = models.ForeignKey(
        "people.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False,
        db_constraint=False,
    )  # fmt: skip
    note = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["item", "at"], name="feedback_transition_item")]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.from_state} -> {self.to_state}"


class Lesson(models.Model):
    """What an owner learned from an item: its root cause and the lesson, offered to peers."""

    item = models.ForeignKey(FeedbackItem, on_delete=models.CASCADE, related_name="lessons")
    author = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="feedback_lessons")
    root_cause = models.TextField()
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    shared_with = models.ManyToManyField("people.Person", blank=True, related_name="feedback_lessons_received")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Lesson #{self.pk}"


class RoutingRule(TimeStamped):
    """When an item matches (every condition given), it goes to a person with ``role_family``
    at ``min_level`` or above, in the item's region, unit or anywhere (``scope``)."""

    class Scope(models.TextChoices):
        REGION = "region", "In the item's region"
        UNIT = "unit", "In the item's unit"
        ANYWHERE = "anywhere", "Anywhere"

    name = models.CharField(max_length=160)
    priority = models.PositiveIntegerField(default=100, help_text="Lower runs first")
    topic = models.ForeignKey("vocabulary.Topic", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    segment = models.CharField(max_length=120, blank=True, default="")
    region = models.ForeignKey("people.Region", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    unit = models.ForeignKey("people.Unit", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    score_max = models.FloatField(null=True, blank=True, help_text="Matches items scored at most this")
    role_family = models.CharField(max_length=80)
    min_level = models.PositiveSmallIntegerField(default=1)
    scope = models.CharField(max_length=8, choices=Scope.choices, default=Scope.REGION)
    sla_hours = models.PositiveIntegerField(default=48)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["priority", "id"]

    def __str__(self) -> str:
        return self.name


class Survey(TimeStamped):
    """An in-app survey: NPS (0-10), CSAT (1-5) or free text, answered by members, or by
    guests of ``space`` when it is set."""

    class Kind(models.TextChoices):
        NPS = "nps", "Net promoter score (0-10)"
        CSAT = "csat", "Satisfaction (1-5)"
        TEXT = "text", "Free text"

    source = models.ForeignKey(FeedbackSource, on_delete=models.PROTECT, related_name="surveys")
    title = models.CharField(max_length=200)
    question = models.CharField(max_length=300)
    kind = models.CharField(max_length=4, choices=Kind.choices, default=Kind.NPS)
    space = models.ForeignKey("spaces.Space", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class IngestReceipt(models.Model):
    """The answer given to a request with an Idempotency-Key (API) or an event id
    (webhook), so a retry gets the same answer and stores nothing twice."""

    scope = models.CharField(max_length=80)
    key = models.CharField(max_length=200)
    body_sha256 = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    response = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="feedback_receipt_once")]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"


class ClassifierModel(models.Model):
    """A trained tag classifier (serialized by feedback.classifier) and how it scored."""

    created_at = models.DateTimeField(default=timezone.now)
    examples = models.PositiveIntegerField()
    labels = models.PositiveIntegerField()
    blob = models.BinaryField()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Classifier of {self.created_at:%Y-%m-%d %H:%M}"


class WebhookEvent(models.TextChoices):
    """What an outgoing webhook may be told about."""

    ITEM_ROUTED = "item.routed", "An item was routed to an owner"
    ITEM_ACKNOWLEDGED = "item.acknowledged", "An owner acknowledged an item"
    ITEM_CLOSED = "item.closed", "An owner closed an item"
    LESSON_SHARED = "lesson.shared", "A lesson was shared with peers"
    SLA_BREACHED = "item.sla_breached", "An item passed its SLA unacknowledged"


class WebhookEndpoint(TimeStamped):
    """A program owner's receiver of loop events: deliveries are POSTed to ``url``, signed
    with ``secret``. Disabled by itself after many failed attempts in a row."""

    name = models.CharField(max_length=160)
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=128)
    events = models.JSONField(default=list, help_text="WebhookEvent values")
    active = models.BooleanField(default=True)
    failures_in_a_row = models.PositiveIntegerField(default=0)
    disabled_reason = models.CharField(max_length=300, blank=True, default="")
    created_by = models.ForeignKey("people.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class WebhookDelivery(models.Model):
    """One event for one endpoint (the outbox): pending → sending → delivered, or failed
    (retried with exponential backoff) and at last dead."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed, will retry"
        DEAD = "dead", "Dead"

    id = models.BigAutoField(primary_key=True)
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40, choices=WebhookEvent.choices)
    # The receiver's deduplication key (Peerloop-Webhook-Id): the same for every attempt.
    event_key = models.CharField(max_length=120)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event_key"], name="webhook_delivery_once"),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"], condition=models.Q(status__in=["pending", "failed"]), name="webhook_due"
            ),
            models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_log"),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint_id}"
