"""Routes of spaces. In the world, the member hosts the guest space (where the guest is
a member) and belongs to the private space; nobody else belongs to either."""

from django.urls import reverse

from peerloop.core.roles import SYSTEM
from peerloop.spaces.services import invitation_create, invitation_token
from tests.factories import PersonFactory
from tests.matrix import EVERYONE_LOGGED_IN, INTERNAL, OWNERS, PUBLIC, Case

HOSTS = frozenset({"member", "admin"})  # the guest space's host, and admins
INVITED = "invited.partner@example.net"


def detail(world, space=None) -> str:
    return reverse("spaces:detail", args=[(space or world.guest_space).slug])


def invitation(world):
    inv, _ = invitation_create(actor=SYSTEM, space_id=world.guest_space.pk, email=INVITED)
    return inv


def accept_url(world) -> str:
    return reverse("spaces:accept", args=[invitation_token(invitation(world))])


CASES = [
    Case(route="spaces:list", url=lambda world: reverse("spaces:list"), allowed=EVERYONE_LOGGED_IN, ok=(200,)),
    Case(route="spaces:detail", url=detail, allowed=EVERYONE_LOGGED_IN, ok=(200,)),
    Case(
        route="spaces:detail",
        url=lambda world: detail(world, world.private_space),
        allowed=INTERNAL,
        ok=(200,),
        note="guests see only the spaces they belong to",
    ),
    Case(route="spaces:create", url=lambda world: reverse("spaces:create"), allowed=OWNERS, ok=(200,)),
    Case(
        route="spaces:create",
        method="POST",
        url=lambda world: reverse("spaces:create"),
        data=lambda world: {"name": "Pricing peers", "kind": "community", "description": "", "goals": ""},
        allowed=OWNERS,
        ok=(302,),
    ),
    Case(
        route="spaces:edit",
        url=lambda world: reverse("spaces:edit", args=[world.guest_space.slug]),
        allowed=HOSTS,
        ok=(200,),
    ),
    Case(
        route="spaces:edit",
        method="POST",
        url=lambda world: reverse("spaces:edit", args=[world.guest_space.slug]),
        data=lambda world: {"name": "Customer council", "kind": "cocreation", "goals": "Better onboarding"},
        allowed=HOSTS,
        ok=(302,),
    ),
    Case(
        route="spaces:archive",
        method="POST",
        url=lambda world: reverse("spaces:archive", args=[world.guest_space.slug]),
        data=lambda world: {"archived": "1"},
        allowed=HOSTS,
        ok=(302,),
    ),
    Case(
        route="spaces:invite",
        method="POST",
        url=lambda world: reverse("spaces:invite", args=[world.guest_space.slug]),
        data=lambda world: {"email": "new.customer@example.net", "role": "member"},
        allowed=HOSTS,
        ok=(302,),
    ),
    Case(
        route="spaces:invitation_revoke",
        method="POST",
        url=lambda world: reverse("spaces:invitation_revoke", args=[world.guest_space.slug, invitation(world).pk]),
        allowed=HOSTS,
        ok=(302,),
        extra={"secrets": (INVITED,)},
    ),
    Case(
        route="spaces:member_remove",
        method="POST",
        url=lambda world: reverse("spaces:member_remove", args=[world.guest_space.slug, world.guest.pk]),
        allowed=frozenset({"guest", *HOSTS}),
        ok=(302,),
        note="hosts and admins remove anyone; the guest may leave",
    ),
    Case(route="spaces:accept", url=accept_url, allowed=PUBLIC, ok=(200,)),
    Case(route="GET /api/v1/spaces", url=lambda world: "/api/v1/spaces", allowed=EVERYONE_LOGGED_IN, ok=(200,)),
    Case(
        route="GET /api/v1/spaces/{space_id}",
        url=lambda world: f"/api/v1/spaces/{world.guest_space.pk}",
        allowed=EVERYONE_LOGGED_IN,
        ok=(200,),
    ),
    Case(
        route="GET /api/v1/spaces/{space_id}",
        url=lambda world: f"/api/v1/spaces/{world.private_space.pk}",
        allowed=INTERNAL,
        ok=(200,),
    ),
    Case(
        route="GET /api/v1/spaces/{space_id}/members",
        url=lambda world: f"/api/v1/spaces/{world.guest_space.pk}/members",
        allowed=EVERYONE_LOGGED_IN,
        ok=(200,),
    ),
    Case(
        route="GET /api/v1/spaces/{space_id}/members",
        url=lambda world: f"/api/v1/spaces/{world.private_space.pk}/members",
        allowed=INTERNAL,
        ok=(200,),
    ),
    Case(
        route="POST /api/v1/spaces/{space_id}/members",
        method="POST",
        url=lambda world: f"/api/v1/spaces/{world.guest_space.pk}/members",
        data=lambda world: {"person_id": PersonFactory(name="Ana Ruiz").pk, "role": "member"},
        allowed=HOSTS,
        ok=(201,),
    ),
    Case(
        route="DELETE /api/v1/spaces/{space_id}/members/{person_id}",
        method="DELETE",
        url=lambda world: f"/api/v1/spaces/{world.guest_space.pk}/members/{world.guest.pk}",
        allowed=frozenset({"guest", *HOSTS}),
        ok=(204,),
    ),
    Case(
        route="POST /api/v1/spaces/{space_id}/invitations",
        method="POST",
        url=lambda world: f"/api/v1/spaces/{world.guest_space.pk}/invitations",
        data=lambda world: {"email": "new.customer@example.net", "role": "member"},
        allowed=HOSTS,
        ok=(201,),
    ),
]
