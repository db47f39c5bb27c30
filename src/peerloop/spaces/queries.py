"""Reads of spaces. Memberships are read fresh on every call (never cached), so removal
from a space takes effect on the very next request."""

from dataclasses import dataclass

from django.core import signing
from django.db.models import CharField, Count, OuterRef, Q, QuerySet, Subquery, Value
from django.utils import timezone

from peerloop.core.roles import Actor
from peerloop.spaces.models import Invitation, Membership, Space

INVITATION_SALT = "peerloop.spaces.invitation"


def _with_my_role(qs: QuerySet[Space], person_id: int | None) -> QuerySet[Space]:
    if person_id is None:
        return qs.annotate(my_role=Value(None, output_field=CharField()))
    role = Membership.objects.filter(space=OuterRef("pk"), person_id=person_id).values("role")[:1]
    return qs.annotate(my_role=Subquery(role))


def space_ids_for_person(*, person_id: int) -> set[int]:
    """Every space the person belongs to, archived ones included."""
    return set(Membership.objects.filter(person_id=person_id).values_list("space_id", flat=True))


def space_list_for(
    *,
    actor: Actor,
    kind: str | None = None,
    q: str | None = None,
    include_archived: bool = False,
) -> QuerySet[Space]:
    """The spaces ``actor`` may see: employees see every space that is not archived,
    guests only the spaces they belong to. Each space carries ``my_role`` (host,
    member or None) and ``member_count``. Archived spaces only for admins who ask."""
    if not actor.authenticated:
        return Space.objects.none()
    qs = Space.objects.all()
    if actor.is_internal:
        if not (include_archived and actor.is_admin):
            qs = qs.filter(archived=False)
    elif actor.person_id is not None:
        qs = qs.filter(archived=False, memberships__person_id=actor.person_id)
    else:
        return Space.objects.none()
    if kind:
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(description__icontains=q) | Q(goals__icontains=q))
    member_count = Membership.objects.filter(space=OuterRef("pk")).values("space").annotate(n=Count("id")).values("n")
    qs = _with_my_role(qs, actor.person_id).annotate(member_count=Subquery(member_count))
    return qs.prefetch_related("topics").order_by("name", "id")


def space_count(*, include_archived: bool = True) -> int:
    qs = Space.objects.all()
    return qs.count() if include_archived else qs.filter(archived=False).count()


def space_list_for_person(*, person_id: int) -> QuerySet[Space]:
    """The spaces a person belongs to that are not archived, with their ``my_role``."""
    qs = Space.objects.filter(archived=False, memberships__person_id=person_id)
    return _with_my_role(qs, person_id).order_by("name", "id")


def space_get(*, space_id: int | None = None, slug: str | None = None, person_id: int | None = None) -> Space | None:
    """One space by id or slug, archived or not, with ``my_role`` for ``person_id``.
    Whether someone may see it is for spaces.permissions to say."""
    qs = Space.objects.all()
    if space_id is not None:
        qs = qs.filter(pk=space_id)
    elif slug is not None:
        qs = qs.filter(slug=slug)
    else:
        return None
    return _with_my_role(qs, person_id).prefetch_related("topics").first()


def membership_role(*, space_id: int, person_id: int | None) -> str | None:
    if person_id is None:
        return None
    return Membership.objects.filter(space_id=space_id, person_id=person_id).values_list("role", flat=True).first()


def member_list(*, space_id: int) -> QuerySet[Membership]:
    """The members of a space, hosts first, then by name."""
    return (
        Membership.objects.filter(space_id=space_id)
        .select_related("person", "person__unit", "person__region")
        .order_by("role", "person__name", "person_id")  # "host" sorts before "member"
    )


def invitation_pending_list(*, space_id: int) -> QuerySet[Invitation]:
    return Invitation.objects.filter(
        space_id=space_id, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).select_related("invited_by")


def invitation_get(*, invitation_id: int) -> Invitation | None:
    return Invitation.objects.select_related("space").filter(pk=invitation_id).first()


@dataclass(frozen=True)
class InvitationCheck:
    """An invitation link read back: ``invitation`` when it can be accepted, else the
    reason it cannot ("invalid", "expired", "used", "revoked", "archived")."""

    invitation: Invitation | None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return not self.problem


def invitation_for_token(*, token: str) -> InvitationCheck:
    try:
        payload = signing.loads(token, salt=INVITATION_SALT)
        invitation_id = int(payload["i"])
    except (signing.BadSignature, KeyError, TypeError, ValueError, OverflowError):
        return InvitationCheck(None, "invalid")
    invitation = Invitation.objects.select_related("space", "invited_by").filter(pk=invitation_id).first()
    if invitation is None:
        return InvitationCheck(None, "invalid")
    if invitation.accepted_at is not None:
        return InvitationCheck(invitation, "used")
    if invitation.revoked_at is not None:
        return InvitationCheck(invitation, "revoked")
    if invitation.expires_at <= timezone.now():
        return InvitationCheck(invitation, "expired")
    if invitation.space.archived:
        return InvitationCheck(invitation, "archived")
    return InvitationCheck(invitation)
