"""Spaces where peers meet: circles, communities, co-creation communities, marketplaces."""

from django.db import models

from peerloop.core.models import TimeStamped


class Space(TimeStamped):
    class Kind(models.TextChoices):
        CIRCLE = "circle", "Circle"
        COMMUNITY = "community", "Community of practice"
        COCREATION = "cocreation", "Co-creation community"
        MARKETPLACE = "marketplace", "Peer marketplace"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    name = models.CharField(max_length=160)
    slug = models.SlugField(max_length=160, unique=True)
    description = models.TextField(blank=True, default="")
    goals = models.TextField(blank=True, default="", help_text="The common goals of this space")
    topics = models.ManyToManyField("vocabulary.Topic", blank=True, related_name="spaces")
    archived = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(TimeStamped):
    class Role(models.TextChoices):
        HOST = "host", "Host"
        MEMBER = "member", "Member"

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="memberships")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=8, choices=Role.choices, default=Role.MEMBER)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["space", "person"], name="membership_unique")]
        indexes = [models.Index(fields=["person", "space"], name="membership_person_space")]

    def __str__(self) -> str:
        return f"{self.person_id} in {self.space_id} as {self.role}"


class Invitation(TimeStamped):
    """An invitation by email to join a space; its link is signed and expires."""

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=8, choices=Membership.Role.choices, default=Membership.Role.MEMBER)
    invited_by = models.ForeignKey("people.Person", on_delete=models.SET_NULL, null=True, related_name="+")
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["space", "email"], name="invitation_space_email")]

    def __str__(self) -> str:
        return f"{self.email} to {self.space_id}"
