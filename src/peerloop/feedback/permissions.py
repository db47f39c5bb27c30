"""Who may do what in the feedback loop.

- Program owners and admins run the loop: sources, routing rules, surveys, the fallback
  and triage queues, loop health, every item; they ingest through the API.
- An employee sees and moves the items they own, writes their lessons, sees lessons
  shared with them, their relative position, and may enter feedback by hand.
- Members answer internal surveys; guests answer the surveys of their spaces and reach
  nothing else here (404).
- The inbound webhook is anonymous, authenticated by its HMAC signature only.
"""

from peerloop.core.permissions import (
    NotFound,
    require,
    require_authenticated,
    require_internal,
    require_person,
    require_write,
)
from peerloop.core.roles import SYSTEM, Actor
from peerloop.feedback.models import FeedbackItem, Lesson, Survey


def can_run_loop(actor: Actor) -> bool:
    return actor.is_program_owner


def require_run_loop(actor: Actor, *, write: bool = False) -> None:
    if actor == SYSTEM:
        return  # the demo, scheduled work
    require_internal(actor)
    require(can_run_loop(actor), message="Only program owners and admins run the feedback loop.")
    if write:
        require_write(actor)


# An employee with a directory entry; returns their person id (others: 404).
require_member = require_person


def can_see_item(actor: Actor, item: FeedbackItem) -> bool:
    return actor.is_internal and (
        can_run_loop(actor) or (actor.person_id is not None and item.owner_id == actor.person_id)
    )


def require_item(actor: Actor, item: FeedbackItem | None, *, write: bool = False) -> FeedbackItem:
    """The item when the actor may see it (others: 404); ``write`` for moving it."""
    require_internal(actor)
    if item is None or not can_see_item(actor, item):
        raise NotFound()
    if write:
        require_write(actor)
        require(
            actor.is_admin or (actor.person_id is not None and item.owner_id == actor.person_id),
            message="Only the item's owner moves it through the loop.",
        )
    return item


def can_see_lesson(actor: Actor, lesson: Lesson, *, shared_ids: set[int]) -> bool:
    return actor.is_internal and (
        can_run_loop(actor) or lesson.author_id == actor.person_id or (actor.person_id in shared_ids)
    )


def can_answer_survey(actor: Actor, survey: Survey, *, guest_space_ids: set[int]) -> bool:
    if not survey.active or not actor.authenticated or actor.person_id is None:
        return False
    if actor.is_internal:
        return True
    return actor.is_guest and survey.space_id is not None and survey.space_id in guest_space_ids


def require_survey(actor: Actor, survey: Survey | None, *, guest_space_ids: set[int], write: bool = False) -> Survey:
    require_authenticated(actor)
    if survey is None or not can_answer_survey(actor, survey, guest_space_ids=guest_space_ids):
        raise NotFound()
    if write:
        require_write(actor)
    return survey
