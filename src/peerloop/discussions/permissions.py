"""Who may do what with discussions. Every check reads the actor's membership of the
space fresh (spaces.queries), so removal from a space takes effect on the next request.

- Read a space's threads, posts, playbooks and sessions: its members; admins; and every
  employee for a community of practice (circles and co-creation communities are for
  their members only). Guests therefore read only the spaces they belong to. Anything
  else is a 404.
- Write (ask, answer, react, follow, flag, propose, vote): members of the space and
  admins, while the space is not archived and the thread not locked or hidden.
- Moderate (hide, lock, move, assign, merge proposals, review content, run sessions):
  the space's hosts and admins.
- Accept an answer: the person who asked, the space's hosts and admins.
- Edit a post: its author while the thread is open, hosts and admins.
- Program playbooks: every employee reads and proposes; the program's owner and admins merge.
"""

from peerloop.core.permissions import NotFound, require, require_authenticated, require_write
from peerloop.core.roles import Actor
from peerloop.discussions.models import Playbook, Post, Thread
from peerloop.spaces import queries as spaces_queries
from peerloop.spaces.models import Membership, Space

# Search documents of program playbooks carry this space id: every employee reads them.
EVERYONE_INTERNAL = 0


def _role(actor: Actor, space_id: int) -> str | None:
    return spaces_queries.membership_role(space_id=space_id, person_id=actor.person_id)


def space_access(actor: Actor, space: Space) -> tuple[bool, bool, bool]:
    """(read, write, moderate) of ``actor`` in ``space``."""
    if not actor.authenticated:
        return False, False, False
    role = _role(actor, space.pk)
    if actor.is_admin:
        read = True
    else:
        read = role is not None or (actor.is_internal and space.kind == Space.Kind.COMMUNITY and not space.archived)
    writable = actor.can_write and not space.archived
    write = read and writable and (role is not None or actor.is_admin)
    moderate = read and writable and (role == Membership.Role.HOST or actor.is_admin)
    return read, write, moderate


def readable_space_ids(actor: Actor) -> frozenset[int]:
    """Every space whose discussions ``actor`` may read (plus EVERYONE_INTERNAL for employees)."""
    if not actor.authenticated:
        return frozenset()
    if actor.is_admin:
        ids = set(spaces_queries.space_list_for(actor=actor, include_archived=True).values_list("id", flat=True))
        return frozenset(ids | {EVERYONE_INTERNAL})
    ids = set()
    if actor.person_id is not None:
        ids = spaces_queries.space_ids_for_person(person_id=actor.person_id)
    if actor.is_internal:
        ids |= set(spaces_queries.space_list_for(actor=actor, kind=Space.Kind.COMMUNITY).values_list("id", flat=True))
        ids.add(EVERYONE_INTERNAL)
    return frozenset(ids)


def require_space_read(actor: Actor, space: Space | None) -> Space:
    require_authenticated(actor)
    if space is None or not space_access(actor, space)[0]:
        raise NotFound()
    return space


def require_space_write(actor: Actor, space: Space) -> None:
    require_space_read(actor, space)
    require_write(actor)
    require(not space.archived, message="This space is archived.")
    require(space_access(actor, space)[1], message="Only members of this space can write here.")


def require_space_moderate(actor: Actor, space: Space) -> None:
    require_space_read(actor, space)
    require_write(actor)
    require(space_access(actor, space)[2], message="Only the hosts of this space and admins can do this.")


def can_moderate(actor: Actor, space: Space) -> bool:
    return space_access(actor, space)[2]


def thread_visible(actor: Actor, thread: Thread) -> bool:
    """Hidden threads are seen by the space's moderators only."""
    read, _, moderate = space_access(actor, thread.space)
    return read and (thread.state != Thread.State.HIDDEN or moderate)


def require_thread_read(actor: Actor, thread: Thread | None) -> Thread:
    require_authenticated(actor)
    if thread is None or not thread_visible(actor, thread):
        raise NotFound()
    return thread


def require_reply(actor: Actor, thread: Thread) -> None:
    require_thread_read(actor, thread)
    require_space_write(actor, thread.space)
    if thread.state == Thread.State.LOCKED and not can_moderate(actor, thread.space):
        require(False, message="This thread is locked.")


def require_accept(actor: Actor, thread: Thread) -> None:
    require_thread_read(actor, thread)
    require_write(actor)
    asker = actor.person_id is not None and actor.person_id == thread.author_id
    require(
        asker or can_moderate(actor, thread.space),
        message="Only the person who asked, the space's hosts and admins accept an answer.",
    )


def require_post_edit(actor: Actor, post: Post) -> None:
    require_thread_read(actor, post.thread)
    require_write(actor)
    own = actor.person_id is not None and post.author_id == actor.person_id
    if can_moderate(actor, post.thread.space):
        return
    require(own, message="Only the author, the space's hosts and admins edit a post.")
    require(post.thread.state == Thread.State.OPEN, message="This thread is locked.")
    require(not post.hidden, message="This post is hidden.")


def playbook_access(actor: Actor, playbook: Playbook) -> tuple[bool, bool, bool]:
    """(read, propose, merge) for a playbook."""
    if playbook.space is not None:
        return space_access(actor, playbook.space)
    read = actor.is_internal
    write = read and actor.can_write
    merge = write and (
        actor.is_admin or (playbook.program is not None and playbook.program.owner_id == actor.person_id)
    )
    return read, write, merge


def require_playbook_read(actor: Actor, playbook: Playbook | None) -> Playbook:
    require_authenticated(actor)
    if playbook is None or not playbook_access(actor, playbook)[0]:
        raise NotFound()
    return playbook


def require_playbook_propose(actor: Actor, playbook: Playbook) -> None:
    require_playbook_read(actor, playbook)
    require_write(actor)
    require(playbook_access(actor, playbook)[1], message="Only members of this space propose changes.")


def require_playbook_merge(actor: Actor, playbook: Playbook) -> None:
    require_playbook_read(actor, playbook)
    require_write(actor)
    require(playbook_access(actor, playbook)[2], message="Only the hosts of this space and admins merge proposals.")


def require_person(actor: Actor) -> int:
    """Someone with a directory entry (writes are signed by a person)."""
    require_authenticated(actor)
    if actor.person_id is None:
        raise NotFound()
    return actor.person_id
