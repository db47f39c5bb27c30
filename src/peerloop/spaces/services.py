"""Writes of spaces: spaces, memberships and invitations.

Joining a space is recorded in the interaction stream ("space.joined"); every change
of who may see a space (members added, removed or given another role, invitations
sent, accepted or revoked) writes one audit row.
"""

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from peerloop.accounts import queries as account_queries
from peerloop.accounts import services as account_services
from peerloop.accounts.services import RateLimited
from peerloop.core.roles import Actor, SiteRole
from peerloop.core.services import audit_record, interaction_record
from peerloop.people import queries as people_queries
from peerloop.people import services as people_services
from peerloop.spaces.models import Invitation, Membership, Space
from peerloop.spaces.queries import INVITATION_SALT, invitation_for_token
from peerloop.vocabulary import queries as vocabulary_queries

INVITATION_DAYS = 7
MAX_NAME = 160

__all__ = [
    "INVITATION_DAYS",
    "RateLimited",
    "invitation_accept",
    "invitation_create",
    "invitation_revoke",
    "membership_add",
    "membership_remove",
    "membership_set_role",
    "space_archive",
    "space_create",
    "space_update",
]


# --- spaces --------------------------------------------------------------------------


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "A space needs a name."})
    if len(name) > MAX_NAME:
        raise ValidationError({"name": f"A name has at most {MAX_NAME} characters."})
    return name


def _clean_kind(kind: str) -> str:
    if kind not in Space.Kind.values:
        raise ValidationError({"kind": f"kind must be one of {', '.join(Space.Kind.values)}."})
    return kind


# Paths of the space pages that a space's slug must not shadow.
RESERVED_SLUGS = frozenset({"new", "invitations"})


def _unique_slug(base: str, *, exclude_id: int | None = None) -> str:
    root = slugify(base)[:150] or "space"
    existing = Space.objects.filter(slug__startswith=root)
    if exclude_id is not None:
        existing = existing.exclude(pk=exclude_id)
    taken = set(existing.values_list("slug", flat=True))
    taken |= RESERVED_SLUGS
    slug, n = root, 2
    while slug in taken:
        slug, n = f"{root}-{n}", n + 1
    return slug


def _clean_topics(topic_ids: Sequence[int]) -> list[int]:
    wanted = {int(t) for t in topic_ids}
    if not wanted:
        return []
    found = set(vocabulary_queries.topic_list().filter(pk__in=wanted).values_list("pk", flat=True))
    missing = sorted(wanted - found)
    if missing:
        raise ValidationError({"topic_ids": f"No topic with id {', '.join(map(str, missing))}."})
    return sorted(found)


@transaction.atomic
def space_create(
    *,
    actor: Actor,
    kind: str,
    name: str,
    slug: str | None = None,
    description: str = "",
    goals: str = "",
    topic_ids: Sequence[int] = (),
) -> Space:
    """Create a space; the person creating it becomes its first host."""
    name = _clean_name(name)
    kind = _clean_kind(kind)
    if slug:
        slug = slugify(slug)[:160]
        if not slug:
            raise ValidationError({"slug": "A slug has letters, digits and hyphens."})
        if slug in RESERVED_SLUGS or Space.objects.filter(slug=slug).exists():
            raise ValidationError({"slug": f"The address {slug!r} is taken by another space."})
    else:
        slug = _unique_slug(name)
    topics = _clean_topics(topic_ids)
    space = Space.objects.create(
        kind=kind, name=name, slug=slug, description=(description or "").strip(), goals=(goals or "").strip()
    )
    if topics:
        space.topics.set(topics)
    audit_record(
        actor=actor,
        action="space.create",
        object_type="space",
        object_id=space.pk,
        object_repr=space.name,
        changes={"kind": kind, "slug": slug},
    )
    if actor.person_id is not None:
        _membership_add(space=space, person_id=actor.person_id, role=Membership.Role.HOST)
    return space


@transaction.atomic
def space_update(
    *,
    actor: Actor,
    space_id: int,
    name: str | None = None,
    kind: str | None = None,
    description: str | None = None,
    goals: str | None = None,
    topic_ids: Sequence[int] | None = None,
) -> Space:
    """Change what is given; fields left as None stay as they are. The slug never
    changes, so links keep working."""
    space = Space.objects.select_for_update().get(pk=space_id)
    changed: list[str] = []
    values = {
        "name": _clean_name(name) if name is not None else None,
        "kind": _clean_kind(kind) if kind is not None else None,
        "description": description.strip() if description is not None else None,
        "goals": goals.strip() if goals is not None else None,
    }
    for field, value in values.items():
        if value is not None and getattr(space, field) != value:
            setattr(space, field, value)
            changed.append(field)
    if changed:
        space.save(update_fields=[*changed, "updated_at"])
    if topic_ids is not None:
        topics = _clean_topics(topic_ids)
        if set(space.topics.values_list("pk", flat=True)) != set(topics):
            space.topics.set(topics)
            changed.append("topics")
    if changed:
        audit_record(
            actor=actor,
            action="space.update",
            object_type="space",
            object_id=space.pk,
            object_repr=space.name,
            changes={"fields": changed},
        )
    return space


@transaction.atomic
def space_archive(*, actor: Actor, space_id: int, archived: bool = True) -> None:
    """Archive a space (hidden from everyone but admins, invitations stop working) or
    bring it back."""
    space = Space.objects.select_for_update().get(pk=space_id)
    if space.archived == archived:
        return
    space.archived = archived
    space.save(update_fields=["archived", "updated_at"])
    audit_record(
        actor=actor,
        action="space.archive" if archived else "space.unarchive",
        object_type="space",
        object_id=space.pk,
        object_repr=space.name,
    )


# --- memberships ---------------------------------------------------------------------


def _clean_role(role: str) -> str:
    if role not in Membership.Role.values:
        raise ValidationError({"role": f"role must be one of {', '.join(Membership.Role.values)}."})
    return role


def _membership_add(*, space: Space, person_id: int, role: str) -> tuple[Membership, bool]:
    """Add without auditing (callers write the one audit row of their action)."""
    try:
        with transaction.atomic():
            membership, created = Membership.objects.get_or_create(
                space=space, person_id=person_id, defaults={"role": role}
            )
    except IntegrityError:
        # The same person was added concurrently; that request recorded the join.
        return Membership.objects.get(space=space, person_id=person_id), False
    if created:
        interaction_record(
            kind="space.joined", actor_id=person_id, space_id=space.pk, object_type="space", object_id=space.pk
        )
    return membership, created


@transaction.atomic
def membership_add(*, actor: Actor, space_id: int, person_id: int, role: str = Membership.Role.MEMBER) -> Membership:
    """Add a person to a space. Idempotent: adding a member again returns their
    membership unchanged (use membership_set_role to change a role)."""
    role = _clean_role(role)
    space = Space.objects.get(pk=space_id)
    person = people_queries.person_get(person_id=person_id)
    if person is None:
        raise ValidationError({"person_id": f"No person with id {person_id}."})
    if not person.active:
        raise ValidationError({"person_id": f"{person.name} is deactivated."})
    membership, created = _membership_add(space=space, person_id=person_id, role=role)
    if created:
        audit_record(
            actor=actor,
            action="membership.add",
            object_type="space",
            object_id=space.pk,
            object_repr=space.name,
            changes={"person_id": person_id, "role": role},
        )
    return membership


@transaction.atomic
def membership_remove(*, actor: Actor, space_id: int, person_id: int) -> None:
    """Remove a person from a space; they lose access on their very next request.
    Removing someone who is not a member is a no-op."""
    membership = Membership.objects.select_for_update().filter(space_id=space_id, person_id=person_id).first()
    if membership is None:
        return
    role = membership.role
    membership.delete()
    audit_record(
        actor=actor,
        action="membership.remove",
        object_type="space",
        object_id=space_id,
        object_repr=Space.objects.filter(pk=space_id).values_list("name", flat=True).first() or "",
        changes={"person_id": person_id, "role": role},
    )


@transaction.atomic
def membership_set_role(*, actor: Actor, space_id: int, person_id: int, role: str) -> Membership:
    role = _clean_role(role)
    membership = (
        Membership.objects.select_for_update().select_related("space").get(space_id=space_id, person_id=person_id)
    )
    if membership.role != role:
        old = membership.role
        membership.role = role
        membership.save(update_fields=["role", "updated_at"])
        audit_record(
            actor=actor,
            action="membership.role",
            object_type="space",
            object_id=space_id,
            object_repr=membership.space.name,
            changes={"person_id": person_id, "role": [old, role]},
        )
    return membership


# --- invitations ---------------------------------------------------------------------


def invitation_token(invitation: Invitation) -> str:
    """The signed token of an invitation's link. It carries only the invitation's id (no
    address, since links end up in browser histories and logs), signed with the secret key."""
    return signing.dumps({"i": invitation.pk}, salt=INVITATION_SALT)


@transaction.atomic
def invitation_create(
    *,
    actor: Actor,
    space_id: int,
    email: str,
    role: str = Membership.Role.MEMBER,
    base_url: str | None = None,
    days: int = INVITATION_DAYS,
) -> tuple[Invitation, str]:
    """Invite ``email`` to a space and email them a signed link that expires in
    ``days`` and works once. Returns the invitation and the link's path.

    At most 2 invitations an hour and 5 a day go to one address (RateLimited); an
    earlier pending invitation of the same address to the same space is revoked.
    """
    email = account_services.email_normalize(email)
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": "Enter a valid email address."}) from None
    role = _clean_role(role)
    space = Space.objects.get(pk=space_id)
    if space.archived:
        raise ValidationError({"email": "This space is archived; nobody can join it."})
    person = people_queries.person_for_email(email=email)
    if person is not None and Membership.objects.filter(space=space, person=person).exists():
        raise ValidationError({"email": f"{email} is already a member of this space."})
    if not account_services.email_rate_allow(email=email, purpose="invitation"):
        raise RateLimited(f"{email} has received too many invitations lately. Try again later.")
    now = timezone.now()
    Invitation.objects.filter(space=space, email=email, accepted_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now
    )
    invitation = Invitation.objects.create(
        space=space,
        email=email,
        role=role,
        invited_by_id=actor.person_id,
        expires_at=now + timedelta(days=days),
    )
    path = reverse("spaces:accept", kwargs={"token": invitation_token(invitation)})
    inviter = people_queries.person_get(person_id=actor.person_id) if actor.person_id else None
    inviter_name = inviter.name if inviter else "Peerloop"
    account_services.email_send(
        to=email,
        subject=(
            f"{inviter.name} invites you to “{space.name}” on Peerloop"
            if inviter
            else f"You're invited to “{space.name}” on Peerloop"
        ),
        template="spaces/email/invitation",
        context={
            "space": space,
            "inviter": inviter_name,
            "link": account_services.site_url(base_url) + path,
            "expires_at": invitation.expires_at,
            "days": days,
            "has_login": account_queries.user_has_login(email=email),
        },
    )
    audit_record(
        actor=actor,
        action="invitation.create",
        object_type="space",
        object_id=space.pk,
        object_repr=space.name,
        changes={"email": email, "role": role, "invitation_id": invitation.pk},
    )
    return invitation, path


@transaction.atomic
def invitation_revoke(*, actor: Actor, invitation_id: int) -> None:
    """Revoke a pending invitation; its link stops working at once."""
    invitation = Invitation.objects.select_for_update().select_related("space").get(pk=invitation_id)
    if invitation.revoked_at is not None or invitation.accepted_at is not None:
        return
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at", "updated_at"])
    audit_record(
        actor=actor,
        action="invitation.revoke",
        object_type="space",
        object_id=invitation.space_id,
        object_repr=invitation.space.name,
        changes={"email": invitation.email, "invitation_id": invitation.pk},
    )


def invitation_accept(*, token: str, name: str = "", password: str = "") -> Any:
    """Accept an invitation through its link: once, before it expires or is revoked.

    Someone new gets a guest login (with ``password``) and a guest person (named
    ``name``); an address that is already in the directory keeps its person and
    login (an employee stays an employee) and only gains the membership. A password
    is set only on a login that has none yet. Writes one audit row for the
    acceptance (plus one for the first password). Returns the person (people.Person).
    """
    with transaction.atomic():
        check = invitation_for_token(token=token)
        if not check.ok or check.invitation is None:
            raise ValidationError({"token": INVITATION_PROBLEMS[check.problem or "invalid"]})
        # Lock and re-read, so two tabs accepting at once use the link once.
        invitation = Invitation.objects.select_for_update().select_related("space").get(pk=check.invitation.pk)
        if invitation.accepted_at is not None:
            raise ValidationError({"token": INVITATION_PROBLEMS["used"]})
        if invitation.revoked_at is not None:
            raise ValidationError({"token": INVITATION_PROBLEMS["revoked"]})
        email = invitation.email
        person = people_queries.person_for_email(email=email)
        user = account_queries.user_by_email(email=email)
        if (person is not None and not person.active) or (user is not None and not user.is_active):
            raise ValidationError({"token": "This account is deactivated. Ask the person who invited you."})
        if person is None:
            name = (name or "").strip()
            if not name:
                raise ValidationError({"name": "Tell us your name."})
            if len(name) > 200:
                raise ValidationError({"name": "A name has at most 200 characters."})
            role = SiteRole.GUEST if user is None else user.role
            user = account_services.user_ensure(email=email, role=role)
            kind = "guest" if user.role == SiteRole.GUEST else "employee"
            person = people_services.person_create(
                actor=Actor(user_id=user.pk, role=user.role, active=True, label=email),
                email=email,
                name=name,
                kind=kind,
            )
            people_services.person_link_user(person_id=person.pk, user_id=user.pk)
        elif person.user_id is None:
            role = SiteRole.GUEST if person.kind == "guest" else SiteRole.MEMBER
            user = account_services.user_ensure(email=email, role=role)
            people_services.person_link_user(person_id=person.pk, user_id=user.pk)
        else:
            user = account_queries.user_get(user_id=person.user_id)
        assert user is not None
        if not user.has_usable_password():
            if not password:
                raise ValidationError({"password": "Choose a password."})
            user_actor = Actor(user_id=user.pk, role=user.role, active=True, label=user.email)
            account_services.user_set_password(
                user_id=user.pk, password=password, actor=user_actor, action="password.set"
            )
        _membership_add(space=invitation.space, person_id=person.pk, role=invitation.role)
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at", "updated_at"])
        audit_record(
            actor=Actor(user_id=user.pk, role=user.role, active=True, label=user.email),
            action="invitation.accept",
            object_type="space",
            object_id=invitation.space_id,
            object_repr=invitation.space.name,
            changes={"email": email, "role": invitation.role, "invitation_id": invitation.pk, "person_id": person.pk},
        )
        person.refresh_from_db()
        return person


INVITATION_PROBLEMS = {
    "invalid": "This invitation link is not valid. Check that you copied all of it.",
    "expired": "This invitation has expired. Ask the person who invited you for a new one.",
    "used": "This invitation was already accepted. Log in to reach the space.",
    "revoked": "This invitation was withdrawn. Ask the person who invited you if you think it's a mistake.",
    "archived": "This space is archived; its invitations no longer work.",
}
