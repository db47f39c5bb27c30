"""Helpers shared by the services of matching."""

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.urls import reverse

from peerloop.core.permissions import NotFound, require
from peerloop.core.roles import SYSTEM, Actor
from peerloop.programs import queries as programs_queries
from peerloop.programs.models import Program

# "Not given" for arguments where None is a value (no pause, no schedule).
UNSET: Any = object()
MEETING_MINUTES = 30
WORKDAY = (9, 17)  # local working hours every suggestion falls within when it can


def site_url(name: str, *args: object) -> str:
    return str(settings.PEERLOOP_SITE_URL).rstrip("/") + reverse(name, args=args)


def program_for_owner(*, actor: Actor, program_id: int) -> Program:
    """The program, when the actor owns it or is an admin (others: 404 or 403)."""
    program = programs_queries.program_get(program_id=program_id)
    if program is not None and actor == SYSTEM:
        return program  # scheduled rounds
    if program is None or not actor.is_internal:
        raise NotFound()
    require(
        actor.is_admin or (actor.person_id is not None and actor.person_id == program.owner_id),
        message="Only the program's owner and admins run its matching.",
    )
    require(actor.can_write, message="This token is read-only.")
    return program


def suggested_meeting(published_at: datetime, offsets: list[float]) -> datetime:
    """A 30-minute slot two working days after ``published_at`` (UTC), inside everyone's
    working hours when they overlap, else at 14:00 UTC."""
    day = published_at + timedelta(days=2)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    start = max((WORKDAY[0] - off for off in offsets), default=14.0)
    end = min((WORKDAY[1] - off for off in offsets), default=15.0)
    hour = start if end - start >= MEETING_MINUTES / 60 else 14.0
    hour = hour % 24
    base = day.replace(hour=0, minute=0, second=0, microsecond=0)
    return base + timedelta(minutes=round(hour * 60))


def agenda_for(shared_topics: list[str]) -> str:
    """A suggested agenda drawn from the topics the members share."""
    lines = ["1. Introductions: what each of you owns and what you are working on (5 min)"]
    step = 2
    for topic in shared_topics[:3]:
        lines.append(f"{step}. {topic}: how each of you handles it today, and what works (10 min)")
        step += 1
    if not shared_topics:
        lines.append(f"{step}. One challenge each of you faces this month, and how the other would tackle it (15 min)")
        step += 1
    lines.append(f"{step}. One thing each of you will try before you next meet (5 min)")
    return "\n".join(lines)
