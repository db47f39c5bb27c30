"""Recognition: an append-only double-entry ledger of points, kudos from a give-only
allowance, earning rules over the interaction stream, badges, a rewards catalog with
approvals and unit budgets, and anti-gaming flags.

Balances are never stored: a balance is the sum of an account's postings, read under a
row lock on the account when a write depends on it (docs/adr/0007-recognition-ledger.md).
"""

from django.conf import settings
from django.db import models

from peerloop.core.models import AppendOnly, TimeStamped


class Account(models.Model):
    """A place points live. People have an allowance (give-only, expires at period end)
    and received points (never expire); units have a rewards budget; the system accounts
    are where points come from and go to."""

    class Kind(models.TextChoices):
        ALLOWANCE = "allowance", "Allowance to give"
        POINTS = "points", "Received points"
        BUDGET = "budget", "Unit rewards budget"
        ISSUANCE = "issuance", "Issuance (system)"
        EXPIRY = "expiry", "Expired allowance (system)"
        HOLDS = "holds", "Redemptions awaiting approval (system)"
        REDEEMED = "redeemed", "Rewards redeemed (system)"
        SPENT = "spent", "Budgets spent on rewards (system)"

    kind = models.CharField(max_length=12, choices=Kind.choices)
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="recognition_accounts"
    )
    unit = models.ForeignKey("people.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    SYSTEM_KINDS = (Kind.ISSUANCE, Kind.EXPIRY, Kind.HOLDS, Kind.REDEEMED, Kind.SPENT)
    # Only the issuance account may go below zero: it is where points are created.
    NEGATIVE_ALLOWED = (Kind.ISSUANCE,)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "person"], condition=models.Q(person__isnull=False), name="account_one_per_person_kind"
            ),
            models.UniqueConstraint(
                fields=["kind", "unit"], condition=models.Q(unit__isnull=False), name="account_one_per_unit_kind"
            ),
            models.UniqueConstraint(
                fields=["kind"],
                condition=models.Q(person__isnull=True, unit__isnull=True),
                name="account_one_per_system_kind",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind__in=["allowance", "points"], person__isnull=False, unit__isnull=True)
                    | models.Q(kind="budget", unit__isnull=False, person__isnull=True)
                    | models.Q(
                        kind__in=["issuance", "expiry", "holds", "redeemed", "spent"],
                        person__isnull=True,
                        unit__isnull=True,
                    )
                ),
                name="account_owner_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        owner = self.person_id or self.unit_id or "system"
        return f"{self.kind}:{owner}"


class JournalEntry(AppendOnly):
    """One balanced movement of points: its postings sum to zero."""

    class Kind(models.TextChoices):
        GRANT = "grant", "Allowance granted"
        EXPIRY = "expiry", "Allowance expired"
        KUDOS = "kudos", "Kudos"
        AWARD = "award", "Earned by a rule"
        FUNDING = "funding", "Budget funded"
        HOLD = "hold", "Redemption requested"
        REDEEM = "redeem", "Redemption approved"
        RELEASE = "release", "Redemption declined"
        CORRECTION = "correction", "Admin correction"

    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    memo = models.CharField(max_length=300, blank=True, default="")
    reason = models.CharField(max_length=500, blank=True, default="", help_text="Why (corrections)")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Makes a repeatable write (a period's grant or expiry) happen once.
    key = models.CharField(max_length=120, null=True, blank=True, unique=True)

    class Meta:
        verbose_name_plural = "journal entries"
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="correction") | ~models.Q(reason=""), name="entry_correction_has_reason"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"


class Posting(AppendOnly):
    """One leg of an entry: ``amount`` points into (positive) or out of (negative) an account."""

    id = models.BigAutoField(primary_key=True)
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="postings")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="postings")
    amount = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["account", "entry"], name="posting_account_entry")]
        constraints = [models.CheckConstraint(condition=~models.Q(amount=0), name="posting_amount_not_zero")]

    def __str__(self) -> str:
        return f"{self.amount:+d} on {self.account_id}"


class AllowancePolicy(TimeStamped):
    """How many points to give a person gets each month, for a role, a unit or a program's
    audience. A person gets the largest amount among the policies that apply to them."""

    class Scope(models.TextChoices):
        EVERYONE = "everyone", "Everyone"
        ROLE = "role", "Site role"
        UNIT = "unit", "Unit"
        PROGRAM = "program", "Program audience"

    scope = models.CharField(max_length=8, choices=Scope.choices, default=Scope.EVERYONE)
    role = models.CharField(max_length=16, blank=True, default="")
    unit = models.ForeignKey("people.Unit", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    amount = models.PositiveIntegerField()
    per_recipient_cap = models.PositiveIntegerField(default=50, help_text="Most points to one person per month")

    class Meta:
        ordering = ["scope", "id"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="allowance_amount_positive")]

    def __str__(self) -> str:
        return f"{self.scope}: {self.amount}"


class Kudos(models.Model):
    """A person thanking another, with points from their allowance."""

    giver = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="kudos_given")
    recipient = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="kudos_received")
    amount = models.PositiveIntegerField()
    message = models.TextField(max_length=1000)
    value = models.ForeignKey(
        "vocabulary.CompanyValue", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    topics = models.ManyToManyField("vocabulary.Topic", blank=True, related_name="+")
    public = models.BooleanField(default=True)
    # What the kudos is for, when given from a thread, a post or a lesson (another module's object).
    about_type = models.CharField(max_length=32, blank=True, default="")
    about_id = models.CharField(max_length=64, blank=True, default="")
    entry = models.OneToOneField(JournalEntry, on_delete=models.PROTECT, related_name="kudos")
    period = models.CharField(max_length=7, help_text="YYYY-MM")
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name_plural = "kudos"
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["giver", "period"], name="kudos_giver_period"),
            models.Index(fields=["recipient", "at"], name="kudos_recipient_time"),
            models.Index(fields=["public", "at"], name="kudos_public_time"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="kudos_amount_positive"),
            models.CheckConstraint(condition=~models.Q(giver=models.F("recipient")), name="kudos_not_to_self"),
        ]

    def __str__(self) -> str:
        return f"{self.giver_id} -> {self.recipient_id}: {self.amount}"


class Reaction(models.Model):
    class Emoji(models.TextChoices):
        CLAP = "clap", "Applause"
        HEART = "heart", "Love it"
        BULB = "bulb", "Learned from it"

    kudos = models.ForeignKey(Kudos, on_delete=models.CASCADE, related_name="reactions")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    emoji = models.CharField(max_length=8, choices=Emoji.choices)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kudos", "person", "emoji"], name="kudos_reaction_once")]

    def __str__(self) -> str:
        return f"{self.emoji} by {self.person_id} on {self.kudos_id}"


class Badge(TimeStamped):
    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=120)
    description = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class BadgeAward(models.Model):
    badge = models.ForeignKey(Badge, on_delete=models.PROTECT, related_name="awards")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="badges")
    program = models.ForeignKey("programs.Program", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at"]
        constraints = [models.UniqueConstraint(fields=["badge", "person"], name="badge_once_per_person")]

    def __str__(self) -> str:
        return f"{self.badge_id} to {self.person_id}"


class EarningRule(TimeStamped):
    """Points (and a badge) for an event of the interaction stream, capped per person and month."""

    class Beneficiary(models.TextChoices):
        ACTOR = "actor", "The person who did it"
        TARGET = "target", "The person it was done for"

    name = models.CharField(max_length=120)
    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    event_kind = models.CharField(max_length=64)
    beneficiary = models.CharField(max_length=6, choices=Beneficiary.choices)
    points = models.PositiveIntegerField()
    badge = models.ForeignKey(Badge, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    cap_per_period = models.PositiveIntegerField(default=10, help_text="Most awards per person per month")
    cross_unit_only = models.BooleanField(default=False, help_text="Only when actor and target are in different units")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.CheckConstraint(condition=models.Q(points__gt=0), name="rule_points_positive")]

    def __str__(self) -> str:
        return self.name


class RuleAward(models.Model):
    """That a rule considered one event for one person: awarded, or refused by its cap.

    The unique constraint is what makes replaying the stream award nothing twice."""

    rule = models.ForeignKey(EarningRule, on_delete=models.PROTECT, related_name="awards")
    event_id = models.UUIDField()
    interaction_id = models.BigIntegerField()
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    period = models.CharField(max_length=7)
    entry = models.OneToOneField(JournalEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    capped = models.BooleanField(default=False)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["rule", "event_id", "person"], name="rule_award_once_per_event")]
        indexes = [models.Index(fields=["rule", "person", "period"], name="rule_award_person_period")]

    def __str__(self) -> str:
        return f"rule {self.rule_id} for {self.person_id} ({'capped' if self.capped else 'awarded'})"


class StreamCursor(models.Model):
    """The last interaction id a reader of the stream has processed."""

    name = models.CharField(max_length=40, unique=True)
    last_id = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name} at {self.last_id}"


class Reward(TimeStamped):
    class Approval(models.TextChoices):
        NONE = "none", "No approval"
        MANAGER = "manager", "Manager or admin"
        ADMIN = "admin", "Admin"

    name = models.CharField(max_length=120)
    description = models.CharField(max_length=500, blank=True, default="")
    cost = models.PositiveIntegerField()
    approval = models.CharField(max_length=8, choices=Approval.choices, default=Approval.NONE)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["cost", "name"]
        constraints = [models.CheckConstraint(condition=models.Q(cost__gt=0), name="reward_cost_positive")]

    def __str__(self) -> str:
        return self.name


class Redemption(TimeStamped):
    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting approval"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"

    reward = models.ForeignKey(Reward, on_delete=models.PROTECT, related_name="redemptions")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="redemptions")
    unit = models.ForeignKey("people.Unit", on_delete=models.PROTECT, related_name="+")
    cost = models.PositiveIntegerField()
    approval = models.CharField(max_length=8, choices=Reward.Approval.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey("people.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="redemption_status_time")]


class LeaderboardOptOut(models.Model):
    person = models.OneToOneField("people.Person", on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.person_id} opted out"


class Flag(TimeStamped):
    """A pattern of kudos an admin should look at, with the evidence."""

    class Kind(models.TextChoices):
        RING = "ring", "Reciprocal ring"
        CONCENTRATION = "concentration", "Manager-to-report concentration"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DISMISSED = "dismissed", "Dismissed"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    key = models.CharField(max_length=200, unique=True, help_text="The people and window, so detection is idempotent")
    people = models.JSONField(default=list)
    evidence = models.JSONField(default=dict)
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)

    class Meta:
        ordering = ["-created_at", "-id"]
