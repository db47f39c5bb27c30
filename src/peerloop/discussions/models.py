"""Peer discussions and knowledge: threads and posts in spaces (questions, discussions,
lessons learned, proposals), their edit history, reactions, follows, attachments, the
search documents, living playbooks with versioned entries and proposals, the content
review queue and peer sessions."""

from django.db import models
from django.db.models import Q

from peerloop.core.models import TimeStamped


class ThreadKind(models.TextChoices):
    QUESTION = "question", "Question"
    DISCUSSION = "discussion", "Discussion"
    LESSON = "lesson", "Lesson learned"
    PROPOSAL = "proposal", "Proposal"


class Thread(TimeStamped):
    class State(models.TextChoices):
        OPEN = "open", "Open"
        LOCKED = "locked", "Locked"
        HIDDEN = "hidden", "Hidden"

    class Health(models.TextChoices):
        CURRENT = "current", "Current"
        REVIEW = "review", "Needs review"
        OBSOLETE = "obsolete", "Obsolete"

    space = models.ForeignKey("spaces.Space", on_delete=models.CASCADE, related_name="threads")
    kind = models.CharField(max_length=12, choices=ThreadKind.choices, default=ThreadKind.QUESTION)
    title = models.CharField(max_length=200)
    author = models.ForeignKey("people.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    state = models.CharField(max_length=8, choices=State.choices, default=State.OPEN)
    owner = models.ForeignKey(
        "people.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", help_text="Assigned to"
    )
    accepted_post = models.ForeignKey("Post", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    topics = models.ManyToManyField("vocabulary.Topic", blank=True, related_name="+")
    last_activity_at = models.DateTimeField(db_index=True)
    reply_count = models.PositiveIntegerField(default=0)
    flag_count = models.PositiveIntegerField(default=0)
    health = models.CharField(max_length=8, choices=Health.choices, default=Health.CURRENT)
    validated_at = models.DateTimeField(null=True, blank=True, help_text="Last verified in the review queue")
    superseded_by = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-last_activity_at", "-id"]
        indexes = [
            models.Index(fields=["space", "-last_activity_at"], name="thread_space_recent"),
            models.Index(fields=["kind", "created_at"], name="thread_kind_created"),
            models.Index(fields=["owner"], condition=Q(owner__isnull=False), name="thread_owner"),
        ]

    def __str__(self) -> str:
        return self.title


class Post(models.Model):
    """One message of a thread; the first (``opening``) carries the question or lesson.
    ``html`` is the Markdown body rendered and sanitized when it was written."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey("people.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    body = models.TextField()
    html = models.TextField()
    opening = models.BooleanField(default=False)
    hidden = models.BooleanField(default=False)
    created_at = models.DateTimeField(db_index=True)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["thread", "created_at", "id"], name="post_thread_order"),
            models.Index(fields=["author", "created_at"], name="post_author_created"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["thread"], condition=Q(opening=True), name="post_one_opening"),
        ]

    def __str__(self) -> str:
        return f"Post {self.pk} in {self.thread_id}"


class PostRevision(models.Model):
    """A post's body before an edit (the edit history)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    editor = models.ForeignKey("people.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    title = models.CharField(max_length=200, blank=True, default="")
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Revision {self.pk} of {self.post_id}"


class Reaction(models.Model):
    class Kind(models.TextChoices):
        THANKS = "thanks", "Thanks"
        HELPFUL = "helpful", "Helpful"
        ENDORSE = "endorse", "Endorse"
        ADOPTED = "adopted", "We adopted this"

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reactions")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "person", "kind"], name="post_reaction_once")]

    def __str__(self) -> str:
        return f"{self.kind} on {self.post_id}"


class Follow(models.Model):
    """A person follows (or mutes) a thread."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="follows")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    muted = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["thread", "person"], name="follow_once")]
        indexes = [models.Index(fields=["person", "thread"], name="follow_person")]

    def __str__(self) -> str:
        return f"{self.person_id} {'mutes' if self.muted else 'follows'} {self.thread_id}"


class Flag(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="flags")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "person"], name="flag_once")]

    def __str__(self) -> str:
        return f"Flag on {self.post_id}"


class Attachment(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="discussions/%Y/%m/")
    name = models.CharField(max_length=200, help_text="The uploaded file's name, cleaned")
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    is_image = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class SearchDoc(models.Model):
    """What search reads: one row per post and per playbook entry, written by the
    services on every change. SQLite mirrors it into an FTS5 table; PostgreSQL keeps a
    generated tsvector column with a GIN index (both made in migration 0002)."""

    class Kind(models.TextChoices):
        POST = "post", "Post"
        ENTRY = "entry", "Playbook entry"

    kind = models.CharField(max_length=5, choices=Kind.choices)
    post = models.OneToOneField(Post, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    entry = models.OneToOneField("PlaybookEntry", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    space_id = models.BigIntegerField(db_index=True)
    thread_kind = models.CharField(max_length=12, blank=True, default="")
    author_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()
    visible = models.BooleanField(default=True)
    title = models.CharField(max_length=200, blank=True, default="")
    body = models.TextField(blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["space_id", "created_at"], name="searchdoc_space_created")]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk}"


class Playbook(TimeStamped):
    """A living list of non-negotiables of a space (or a program)."""

    space = models.ForeignKey("spaces.Space", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    revalidate_days = models.PositiveIntegerField(default=180)

    class Meta:
        ordering = ["title", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(space__isnull=False) | Q(program__isnull=False), name="playbook_space_or_program"
            )
        ]

    def __str__(self) -> str:
        return self.title


class PlaybookEntry(TimeStamped):
    playbook = models.ForeignKey(Playbook, on_delete=models.CASCADE, related_name="entries")
    position = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=1, help_text="The number of the current EntryVersion")
    title = models.CharField(max_length=200)
    body = models.TextField()
    validated_at = models.DateTimeField()
    evidence = models.ManyToManyField(Thread, blank=True, related_name="+")

    class Meta:
        ordering = ["playbook", "position", "id"]

    def __str__(self) -> str:
        return self.title


class EntryVersion(models.Model):
    entry = models.ForeignKey(PlaybookEntry, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField()
    author = models.ForeignKey("people.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    merged_by = models.ForeignKey("people.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    note = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["entry", "-number"]
        constraints = [models.UniqueConstraint(fields=["entry", "number"], name="entry_version_unique")]

    def __str__(self) -> str:
        return f"v{self.number} of {self.entry_id}"


class Proposal(TimeStamped):
    """A proposed change to an entry (or a new entry when ``entry`` is empty), written
    against ``base_version``; merging a proposal whose base is stale is a conflict."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        MERGED = "merged", "Merged"
        REJECTED = "rejected", "Rejected"
        CONFLICT = "conflict", "Conflict"

    playbook = models.ForeignKey(Playbook, on_delete=models.CASCADE, related_name="proposals")
    entry = models.ForeignKey(PlaybookEntry, on_delete=models.CASCADE, null=True, blank=True, related_name="proposals")
    base_version = models.PositiveIntegerField(default=0)
    title = models.CharField(max_length=200)
    body = models.TextField()
    reason = models.TextField(blank=True, default="")
    proposer = models.ForeignKey("people.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    decided_by = models.ForeignKey("people.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class ProposalVote(models.Model):
    class Kind(models.TextChoices):
        ENDORSE = "endorse", "Endorse"
        OBJECT = "object", "Object"

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="votes")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=7, choices=Kind.choices)
    comment = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["proposal", "person"], name="proposal_vote_once")]

    def __str__(self) -> str:
        return f"{self.kind} on {self.proposal_id}"


class PeerSession(TimeStamped):
    """A recurring get-together of a space, with an agenda built from its open
    questions and fresh lessons; its notes become a lesson."""

    space = models.ForeignKey("spaces.Space", on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=200)
    starts_at = models.DateTimeField()
    duration_minutes = models.PositiveIntegerField(default=45)
    repeat_days = models.PositiveIntegerField(default=0, help_text="0: does not repeat")
    agenda = models.JSONField(default=list, blank=True)
    notes = models.TextField(blank=True, default="")
    lesson = models.ForeignKey(Thread, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey("people.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    attendees = models.ManyToManyField("people.Person", blank=True, related_name="+")
    previous = models.OneToOneField(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="next_occurrence",
        help_text="The occurrence of a recurring session this one follows (at most one follows each)",
    )

    class Meta:
        ordering = ["-starts_at", "-id"]

    def __str__(self) -> str:
        return self.title


class DigestSetting(models.Model):
    """How a person hears about discussions: a daily or weekly digest (the default), per
    space optionally off; real time only for assignments, mentions and answers."""

    class Frequency(models.TextChoices):
        DAILY = "daily", "Daily"
        WEEKLY = "weekly", "Weekly"
        OFF = "off", "Off"

    person = models.OneToOneField("people.Person", on_delete=models.CASCADE, related_name="+")
    frequency = models.CharField(max_length=6, choices=Frequency.choices, default=Frequency.DAILY)
    muted_spaces = models.JSONField(default=list, blank=True)
    followed_topics = models.ManyToManyField("vocabulary.Topic", blank=True, related_name="+")
    last_sent_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Digest of {self.person_id}: {self.frequency}"
