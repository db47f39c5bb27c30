"""Routes of discussions. The world gets "Pricing practice", a community of practice that
world.member hosts and world.leader belongs to: every employee reads it, its members and
admins write, its host and admins moderate; guests reach nothing of it. A thread in the
guest's co-creation space checks the other side: the guest reads it, employees outside
it get a 404."""

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from peerloop.discussions import services
from tests.discussions.helpers import actor, community, peer, question
from tests.matrix import EVERYONE_LOGGED_IN, INTERNAL, OWNERS, Case

WRITERS = frozenset({"member", "leader", "admin"})  # the community's members and admins
MODERATORS = frozenset({"member", "admin"})  # its host and admins
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + (8).to_bytes(4, "big") + (8).to_bytes(4, "big") + b"\x08" * 40
SECRET = "Customer council roadmap zebra"


def thread(world) -> int:
    if getattr(world, "_disc_thread", None) is None:
        world._disc_thread = question(world)
    return world._disc_thread.pk


def opening(world) -> int:
    thread(world)
    return world._disc_thread.posts.get(opening=True).pk


def answer(world) -> int:
    if getattr(world, "_disc_answer", None) is None:
        world._disc_answer = services.post_create(
            actor=actor(peer(world)),
            thread_id=thread(world),
            body="Price per seat",
            files=[services.Upload(name="chart.png", content=PNG)],
        )
    return world._disc_answer.pk


def attachment(world) -> int:
    answer(world)
    return world._disc_answer.attachments.get().pk


def guest_thread(world) -> int:
    return services.thread_create(
        actor=actor(world.guest), space_id=world.guest_space.pk, kind="question", title=SECRET, body="zebra"
    ).pk


def playbook(world) -> int:
    if getattr(world, "_disc_playbook", None) is None:
        pb = services.playbook_create(actor=actor(world.member), space_id=community(world).pk, title="Pricing rules")
        proposal = services.proposal_create(
            actor=actor(world.leader), playbook_id=pb.pk, title="Never discount >20%", body="Ask a peer first."
        )
        world._disc_entry = services.proposal_merge(actor=actor(world.member), proposal_id=proposal.pk)
        world._disc_playbook = pb
    return world._disc_playbook.pk


def entry(world) -> int:
    playbook(world)
    return world._disc_entry.pk


def proposal(world) -> int:
    return services.proposal_create(
        actor=actor(world.leader),
        playbook_id=playbook(world),
        entry_id=entry(world),
        title="Never discount >15%",
        body="Ask two peers first.",
    ).pk


def session(world) -> int:
    return services.session_create(
        actor=actor(world.member),
        space_id=community(world).pk,
        title="Monthly pricing circle",
        starts_at=timezone.now() + timedelta(days=3),
    ).pk


def space(world) -> int:
    return community(world).pk


def url(name, *args):
    return lambda w: reverse(name, args=[f(w) for f in args])


CASES = [
    Case(route="discussions:index", url=url("discussions:index"), allowed=EVERYONE_LOGGED_IN, ok=(200,)),
    Case(
        route="discussions:search",
        url=lambda w: (thread(w), reverse("discussions:search") + "?q=pricing")[1],
        allowed=EVERYONE_LOGGED_IN,
        ok=(200,),
    ),
    Case(route="discussions:review", url=url("discussions:review"), allowed=EVERYONE_LOGGED_IN, ok=(200,)),
    Case(route="discussions:me", url=url("discussions:me"), allowed=EVERYONE_LOGGED_IN, ok=(200,)),
    Case(
        route="discussions:me",
        method="POST",
        url=url("discussions:me"),
        data=lambda w: {"frequency": "weekly"},
        allowed=EVERYONE_LOGGED_IN,
        ok=(302,),
    ),
    Case(route="discussions:space", url=url("discussions:space", space), allowed=INTERNAL, ok=(200,)),
    Case(route="discussions:ask", url=url("discussions:ask", space), allowed=WRITERS, ok=(200,)),
    Case(
        route="discussions:ask",
        method="POST",
        url=url("discussions:ask", space),
        allowed=WRITERS,
        ok=(302,),
        data=lambda w: {"kind": "question", "title": "Bundles?", "body": "How?", "topics": [w.topic.pk]},
    ),
    Case(route="discussions:sessions", url=url("discussions:sessions", space), allowed=INTERNAL, ok=(200,)),
    Case(
        route="discussions:sessions",
        method="POST",
        url=url("discussions:sessions", space),
        allowed=MODERATORS,
        data=lambda w: {"title": "Session", "starts_at": "2030-01-10T10:00", "duration": "45"},
        ok=(302,),
    ),
    Case(
        route="discussions:playbook_create",
        method="POST",
        url=url("discussions:playbook_create", space),
        data=lambda w: {"title": "Our rules"},
        allowed=MODERATORS,
        ok=(302,),
    ),
    Case(route="discussions:thread", url=url("discussions:thread", thread), allowed=INTERNAL, ok=(200,)),
    Case(
        route="discussions:thread",
        url=url("discussions:thread", guest_thread),
        ok=(200,),
        allowed=frozenset({"guest", "member", "admin"}),
        extra={"secrets": [SECRET]},
        note="A co-creation space: its members (the guest, world.member hosts it) and admins only",
    ),
    Case(
        route="discussions:reply",
        method="POST",
        url=url("discussions:reply", thread),
        data=lambda w: {"body": "Hi"},
        allowed=WRITERS,
        ok=(302,),
    ),
    Case(
        route="discussions:thread_action",
        method="POST",
        url=url("discussions:thread_action", thread),
        data=lambda w: {"action": "follow"},
        allowed=WRITERS,
        ok=(302,),
    ),
    Case(
        route="discussions:thread_action",
        method="POST",
        url=url("discussions:thread_action", thread),
        data=lambda w: {"action": "lock"},
        allowed=MODERATORS,
        ok=(302,),
    ),
    Case(route="discussions:experts", url=url("discussions:experts", thread), allowed=INTERNAL, ok=(200,)),
    Case(
        route="discussions:invite",
        method="POST",
        url=url("discussions:invite", thread),
        allowed=WRITERS,
        data=lambda w: {"person": peer(w, email="invitee@example.org").pk},
        ok=(302,),
    ),
    Case(
        route="discussions:post_action",
        method="POST",
        url=url("discussions:post_action", opening),
        data=lambda w: {"action": "react:thanks"},
        allowed=WRITERS,
        ok=(302,),
    ),
    Case(
        route="discussions:post_action",
        method="POST",
        url=url("discussions:post_action", answer),
        data=lambda w: {"action": "accept"},
        allowed=WRITERS,
        ok=(302,),
        note="The asker (world.leader), the host (world.member) and admins",
    ),
    Case(
        route="discussions:post_edit",
        url=url("discussions:post_edit", opening),
        allowed=WRITERS,
        ok=(200,),
        note="The author (world.leader), the host and admins",
    ),
    Case(
        route="discussions:post_edit",
        method="POST",
        url=url("discussions:post_edit", opening),
        data=lambda w: {"body": "Edited", "title": "Edited title"},
        allowed=WRITERS,
        ok=(302,),
    ),
    Case(route="discussions:attachment", url=url("discussions:attachment", attachment), allowed=INTERNAL, ok=(200,)),
    Case(route="discussions:playbooks", url=url("discussions:playbooks"), allowed=EVERYONE_LOGGED_IN, ok=(200,)),
    Case(route="discussions:playbook_new", url=url("discussions:playbook_new"), allowed=INTERNAL, ok=(200,)),
    Case(
        route="discussions:playbook_new",
        method="POST",
        url=url("discussions:playbook_new"),
        data=lambda w: {"home": f"space:{space(w)}", "title": "Our rules", "revalidate_days": "90"},
        allowed=MODERATORS,
        ok=(302,),
    ),
    Case(
        route="discussions:playbook_new",
        method="POST",
        url=url("discussions:playbook_new"),
        data=lambda w: {"home": f"program:{w.program.pk}", "title": "Program rules", "revalidate_days": "90"},
        allowed=OWNERS,
        ok=(302,),
        note="a program's playbook: its owner and admins",
    ),
    Case(route="discussions:playbook", url=url("discussions:playbook", playbook), allowed=INTERNAL, ok=(200,)),
    Case(route="discussions:propose", url=url("discussions:propose", playbook), allowed=WRITERS, ok=(200,)),
    Case(
        route="discussions:propose",
        method="POST",
        url=url("discussions:propose", playbook),
        allowed=WRITERS,
        data=lambda w: {"title": "New rule", "body": "Text"},
        ok=(302,),
    ),
    Case(route="discussions:proposal", url=url("discussions:proposal", proposal), allowed=INTERNAL, ok=(200,)),
    Case(
        route="discussions:proposal_action",
        method="POST",
        url=url("discussions:proposal_action", proposal),
        data=lambda w: {"action": "endorse"},
        allowed=WRITERS,
        ok=(302,),
    ),
    Case(route="discussions:entry", url=url("discussions:entry", entry), allowed=INTERNAL, ok=(200,)),
    Case(
        route="discussions:entry_action",
        method="POST",
        url=url("discussions:entry_action", entry),
        data=lambda w: {"action": "revalidate"},
        allowed=MODERATORS,
        ok=(302,),
    ),
    Case(route="discussions:session", url=url("discussions:session", session), allowed=INTERNAL, ok=(200,)),
    Case(
        route="discussions:session",
        method="POST",
        url=url("discussions:session", session),
        data=lambda w: {"action": "attend"},
        allowed=WRITERS,
        ok=(302,),
    ),
    # --- API ---
    Case(
        route="GET /api/v1/discussions/threads",
        url=lambda w: (thread(w), "/api/v1/discussions/threads")[1],
        allowed=EVERYONE_LOGGED_IN,
        ok=(200,),
    ),
    Case(
        route="POST /api/v1/discussions/threads",
        method="POST",
        url=lambda w: "/api/v1/discussions/threads",
        data=lambda w: {"space_id": space(w), "kind": "question", "title": "API question", "body": "Body"},
        allowed=WRITERS,
        ok=(201,),
    ),
    Case(
        route="GET /api/v1/discussions/threads/{thread_id}",
        url=lambda w: f"/api/v1/discussions/threads/{thread(w)}",
        allowed=INTERNAL,
        ok=(200,),
    ),
    Case(
        route="GET /api/v1/discussions/threads/{thread_id}",
        url=lambda w: f"/api/v1/discussions/threads/{guest_thread(w)}",
        allowed=frozenset({"guest", "member", "admin"}),
        ok=(200,),
        extra={"secrets": [SECRET]},
    ),
    Case(
        route="POST /api/v1/discussions/threads/{thread_id}/posts",
        method="POST",
        url=lambda w: f"/api/v1/discussions/threads/{thread(w)}/posts",
        data=lambda w: {"body": "An answer"},
        allowed=WRITERS,
        ok=(201,),
    ),
    Case(
        route="POST /api/v1/discussions/posts/{post_id}/attachments",
        method="POST",
        url=lambda w: f"/api/v1/discussions/posts/{answer(w)}/attachments",
        data=lambda w: {"files": SimpleUploadedFile("notes.txt", b"Seat prices by region", "text/plain")},
        multipart=True,
        allowed=MODERATORS,
        ok=(201,),
        note="the answer is a peer's: its space's host and admins may attach to it",
    ),
    Case(
        route="POST /api/v1/discussions/posts/{post_id}/accept",
        method="POST",
        url=lambda w: f"/api/v1/discussions/posts/{answer(w)}/accept",
        allowed=WRITERS,
        ok=(200,),
    ),
    Case(
        route="GET /api/v1/discussions/search",
        url=lambda w: (thread(w), "/api/v1/discussions/search?q=pric*")[1],
        allowed=EVERYONE_LOGGED_IN,
        ok=(200,),
    ),
    Case(
        route="GET /api/v1/discussions/threads/{thread_id}/experts",
        url=lambda w: f"/api/v1/discussions/threads/{thread(w)}/experts",
        allowed=INTERNAL,
        ok=(200,),
    ),
    Case(
        route="POST /api/v1/discussions/threads/{thread_id}/invitations",
        method="POST",
        url=lambda w: f"/api/v1/discussions/threads/{thread(w)}/invitations",
        data=lambda w: {"person_id": peer(w, email="invitee@example.org").pk},
        allowed=WRITERS,
        ok=(204,),
    ),
    Case(
        route="GET /api/v1/discussions/playbooks",
        url=lambda w: (playbook(w), "/api/v1/discussions/playbooks")[1],
        allowed=EVERYONE_LOGGED_IN,
        ok=(200,),
    ),
    Case(
        route="POST /api/v1/discussions/playbooks",
        method="POST",
        url=lambda w: "/api/v1/discussions/playbooks",
        data=lambda w: {"space_id": space(w), "title": "API rules"},
        allowed=MODERATORS,
        ok=(201,),
    ),
    Case(
        route="POST /api/v1/discussions/playbooks",
        method="POST",
        url=lambda w: "/api/v1/discussions/playbooks",
        data=lambda w: {"program_id": w.program.pk, "title": "Program rules"},
        allowed=OWNERS,
        ok=(201,),
        note="a program's playbook: its owner and admins",
    ),
    Case(
        route="GET /api/v1/discussions/playbooks/{playbook_id}",
        url=lambda w: f"/api/v1/discussions/playbooks/{playbook(w)}",
        allowed=INTERNAL,
        ok=(200,),
    ),
    Case(
        route="POST /api/v1/discussions/playbooks/{playbook_id}/proposals",
        method="POST",
        url=lambda w: f"/api/v1/discussions/playbooks/{playbook(w)}/proposals",
        data=lambda w: {"title": "Rule", "body": "Text"},
        allowed=WRITERS,
        ok=(201,),
    ),
    Case(
        route="POST /api/v1/discussions/proposals/{proposal_id}/votes",
        method="POST",
        url=lambda w: f"/api/v1/discussions/proposals/{proposal(w)}/votes",
        data=lambda w: {"kind": "endorse"},
        allowed=WRITERS,
        ok=(204,),
    ),
    Case(
        route="POST /api/v1/discussions/proposals/{proposal_id}/merge",
        method="POST",
        url=lambda w: f"/api/v1/discussions/proposals/{proposal(w)}/merge",
        allowed=MODERATORS,
        ok=(200,),
    ),
    Case(
        route="GET /api/v1/discussions/sessions",
        url=lambda w: (session(w), "/api/v1/discussions/sessions")[1],
        allowed=EVERYONE_LOGGED_IN,
        ok=(200,),
    ),
    Case(
        route="POST /api/v1/discussions/sessions",
        method="POST",
        url=lambda w: "/api/v1/discussions/sessions",
        data=lambda w: {"space_id": space(w), "title": "API session", "starts_at": "2030-01-10T10:00:00+00:00"},
        allowed=MODERATORS,
        ok=(201,),
    ),
]
