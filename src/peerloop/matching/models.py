"""Peer matching: a program's setup, its rounds, the matches they propose and publish,
the follow-ups of the people matched, their preferences and on-demand intro requests."""

from django.db import models

from peerloop.core.models import TimeStamped


class Cadence(models.TextChoices):
    WEEKLY = "weekly", "Every week"
    BIWEEKLY = "biweekly", "Every two weeks"
    MONTHLY = "monthly", "Every month"
    ONCE = "once", "Once"


class Mode(models.TextChoices):
    PAIRS = "pairs", "Pairs"
    CIRCLES = "circles", "Circles"
    COMPOSER = "composer", "Composed groups (seats per role family)"
    LEARNING = "learning", "Learning pairs (from a metric)"


class MatchingSetup(TimeStamped):
    """How one program (with the matching mechanism) matches its audience."""

    program = models.OneToOneField("programs.Program", on_delete=models.CASCADE, related_name="matching_setup")
    cadence = models.CharField(max_length=8, choices=Cadence.choices, default=Cadence.MONTHLY)
    mode = models.CharField(max_length=8, choices=Mode.choices, default=Mode.PAIRS)
    group_size = models.PositiveSmallIntegerField(default=4)
    seats = models.JSONField(default=dict, blank=True, help_text="Seats per role family (composer mode)")
    criteria = models.JSONField(default=dict, blank=True, help_text="Fields of the engine's Criteria")
    metric = models.ForeignKey("programs.Metric", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    allow_relax_cross_unit = models.BooleanField(default=False)
    next_run_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(group_size__gte=2, group_size__lte=12), name="setup_group_size")
        ]

    def __str__(self) -> str:
        return f"Matching of {self.program_id}"


class MatchRound(models.Model):
    class Status(models.TextChoices):
        PREVIEW = "preview", "Preview"
        PUBLISHED = "published", "Published"
        CLOSED = "closed", "Closed"

    setup = models.ForeignKey(MatchingSetup, on_delete=models.CASCADE, related_name="rounds")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=9, choices=Status.choices, default=Status.PREVIEW)
    stats = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["setup", "-number"]
        constraints = [models.UniqueConstraint(fields=["setup", "number"], name="round_unique_number")]

    def __str__(self) -> str:
        return f"Round {self.number}"


class Match(models.Model):
    class Kind(models.TextChoices):
        PAIR = "pair", "Pair"
        TRIO = "trio", "Trio"
        CIRCLE = "circle", "Circle"

    round = models.ForeignKey(MatchRound, on_delete=models.CASCADE, related_name="matches")
    kind = models.CharField(max_length=6, choices=Kind.choices, default=Kind.PAIR)
    reasons = models.JSONField(default=list, blank=True)
    meeting_suggested_at = models.DateTimeField(null=True, blank=True)
    agenda = models.TextField(blank=True, default="")
    weight = models.FloatField(default=0.0)

    class Meta:
        ordering = ["round", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class MatchMember(models.Model):
    """A person in a match; ``round`` is denormalized so nobody is matched twice in a round."""

    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="members")
    round = models.ForeignKey(MatchRound, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="match_memberships")
    reasons = models.JSONField(default=list, blank=True, help_text="Why, in words, for this person")
    dropped = models.BooleanField(default=False, help_text="Deactivated between preview and publish")

    class Meta:
        ordering = ["match", "id"]
        constraints = [models.UniqueConstraint(fields=["round", "person"], name="match_member_once_per_round")]
        indexes = [models.Index(fields=["person", "round"], name="match_member_person")]

    def __str__(self) -> str:
        return f"{self.person_id} in {self.match_id}"


class Unmatched(models.Model):
    round = models.ForeignKey(MatchRound, on_delete=models.CASCADE, related_name="unmatched")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=300)

    class Meta:
        ordering = ["round", "id"]
        constraints = [models.UniqueConstraint(fields=["round", "person"], name="unmatched_once_per_round")]

    def __str__(self) -> str:
        return f"{self.person_id}: {self.reason}"


class MatchPreference(TimeStamped):
    """A person's say: programs they opted out of, a pause, people they will not be matched with."""

    person = models.OneToOneField("people.Person", on_delete=models.CASCADE, related_name="match_preference")
    opted_out_programs = models.JSONField(default=list, blank=True, help_text="Program ids")
    paused_until = models.DateField(null=True, blank=True)
    blocked = models.ManyToManyField("people.Person", blank=True, related_name="+")
    repair_requested_at = models.DateTimeField(null=True, blank=True, help_text="Asked for a new partner")

    def __str__(self) -> str:
        return f"Preferences of {self.person_id}"


class FollowUp(models.Model):
    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="followups")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    met = models.BooleanField(default=False)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    note = models.TextField(blank=True, default="")
    at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["match", "person"], name="followup_once_per_person"),
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="followup_rating_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Follow-up of {self.match_id} by {self.person_id}"


class IntroRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"

    from_person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="intros_sent")
    to_person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="intros_received")
    topic = models.ForeignKey("vocabulary.Topic", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    message = models.TextField(blank=True, default="")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(from_person=models.F("to_person")), name="intro_not_self"),
            models.UniqueConstraint(
                fields=["from_person", "to_person"],
                condition=models.Q(status="pending"),
                name="intro_one_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"Intro {self.from_person_id} → {self.to_person_id}"
