"""Content health (the review queue), peer sessions and the digest."""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from peerloop.core import queries as core_queries
from peerloop.core.roles import Actor
from peerloop.core.services import audit_record, interaction_record
from peerloop.discussions import permissions
from peerloop.discussions.models import DigestSetting, Follow, PeerSession, Post, Thread, ThreadKind
from peerloop.discussions.services._common import clean_body, clean_title, space_or_404, thread_or_404
from peerloop.discussions.services.threads import thread_create
from peerloop.notifications import services as notifications
from peerloop.notifications.calendar import ics_event
from peerloop.notifications.dataclasses import EmailAttachment
from peerloop.people import queries as people_queries
from peerloop.spaces import queries as spaces_queries

REVIEW_AFTER_DAYS = 365
FRESH_DAYS = 30


# --- content health -----------------------------------------------------------------------


def review_scan(*, now: datetime | None = None, after_days: int = REVIEW_AFTER_DAYS) -> int:
    """Send lessons and answered questions not verified for ``after_days`` to the review
    queue; returns how many entered it. Safe to run twice."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=after_days)
    stale = Thread.objects.filter(health=Thread.Health.CURRENT).filter(
        Q(kind=ThreadKind.LESSON) | Q(kind=ThreadKind.QUESTION, accepted_post__isnull=False)
    )
    stale = stale.filter(Q(validated_at__lt=cutoff) | Q(validated_at__isnull=True, created_at__lt=cutoff))
    return stale.update(health=Thread.Health.REVIEW)


def review_resolve(*, actor: Actor, thread_id: int, action: str) -> Thread:
    """``verify`` (still right), ``obsolete`` (kept, marked out of date) or ``reopen``."""
    permissions.require_person(actor)
    thread = thread_or_404(thread_id)
    permissions.require_space_moderate(actor, thread.space)
    states = {"verify": Thread.Health.CURRENT, "obsolete": Thread.Health.OBSOLETE, "reopen": Thread.Health.REVIEW}
    if action not in states:
        raise ValidationError({"action": "Choose verify, obsolete or reopen."})
    thread.health = states[action]
    if action == "verify":
        thread.validated_at = timezone.now()
        thread.superseded_by = None
    thread.save(update_fields=["health", "validated_at", "superseded_by", "updated_at"])
    audit_record(actor=actor, action=f"discussions.review_{action}", object_type="thread", object_id=thread.pk)
    return thread


# --- peer sessions ------------------------------------------------------------------------


def session_agenda(*, space_id: int, now: datetime | None = None) -> list[dict]:
    """The agenda of a space's next session: its open questions, fresh lessons and the
    feedback routed in the space lately (read from the interaction stream)."""
    now = now or timezone.now()
    visible = Thread.objects.filter(space_id=space_id).exclude(state=Thread.State.HIDDEN)
    items: list[dict] = []
    for t in visible.filter(kind=ThreadKind.QUESTION, accepted_post__isnull=True).order_by("-created_at")[:5]:
        items.append({"kind": "question", "thread_id": t.pk, "title": t.title})
    fresh = visible.filter(kind=ThreadKind.LESSON, created_at__gte=now - timedelta(days=FRESH_DAYS))
    for t in fresh.order_by("-created_at")[:5]:
        items.append({"kind": "lesson", "thread_id": t.pk, "title": t.title})
    routed = core_queries.interaction_list(since=now - timedelta(days=FRESH_DAYS), kind="feedback.routed").filter(
        space_id=space_id
    )
    count = routed.values("event_id").distinct().count()
    if count:
        items.append(
            {
                "kind": "feedback",
                "thread_id": None,
                "title": f"{count} piece{'s' if count != 1 else ''} of customer feedback routed here",
            }
        )
    return items


def session_create(
    *, actor: Actor, space_id: int, title: str, starts_at: datetime, duration_minutes: int = 45, repeat_days: int = 0
) -> PeerSession:
    """Plan a session of a space (its hosts); the agenda is built now and every member gets
    a calendar invitation (.ics) by email."""
    person_id = permissions.require_person(actor)
    space = space_or_404(space_id)
    permissions.require_space_moderate(actor, space)
    title = clean_title(title)
    if starts_at.tzinfo is None:
        raise ValidationError({"starts_at": "Give the start time with its time zone."})
    if not 10 <= duration_minutes <= 480:
        raise ValidationError({"duration_minutes": "A session lasts 10 to 480 minutes."})
    if repeat_days not in (0, 7, 14, 28):
        raise ValidationError({"repeat_days": "Repeat every 7, 14 or 28 days, or not at all (0)."})
    with transaction.atomic():
        session = PeerSession.objects.create(
            space=space,
            title=title,
            starts_at=starts_at,
            duration_minutes=duration_minutes,
            repeat_days=repeat_days,
            agenda=session_agenda(space_id=space.pk),
            created_by_id=person_id,
        )
        session_invite(session=session)
    return session


def sessions_repeat(*, now: datetime | None = None) -> list[PeerSession]:
    """Plan the next occurrence of every recurring session that has ended and has none yet:
    ``repeat_days`` after it (the first such date still ahead), with an agenda built now from
    the space's open questions, fresh lessons and routed feedback, and invitations sent.

    Idempotent and safe to run concurrently: each session has at most one next occurrence
    (a unique link), so a second run, or a run racing this one, plans nothing more."""
    now = now or timezone.now()
    due = [
        s
        for s in PeerSession.objects.filter(repeat_days__gt=0, next_occurrence__isnull=True, starts_at__lt=now)
        .select_related("space")
        .order_by("starts_at", "id")
        if s.starts_at + timedelta(minutes=s.duration_minutes) <= now
    ]
    planned = []
    for session in due:
        if session.space.archived:
            continue  # an archived space meets no more
        step = timedelta(days=session.repeat_days)
        starts_at = session.starts_at + step
        while starts_at <= now:
            starts_at += step
        try:
            with transaction.atomic():
                follower = PeerSession.objects.create(
                    space=session.space,
                    title=session.title,
                    starts_at=starts_at,
                    duration_minutes=session.duration_minutes,
                    repeat_days=session.repeat_days,
                    agenda=session_agenda(space_id=session.space_id, now=now),
                    created_by_id=session.created_by_id,
                    previous=session,
                )
                session_invite(session=follower)
        except IntegrityError:
            continue  # a concurrent run planned it first
        planned.append(follower)
    return planned


def session_invite(*, session: PeerSession) -> int:
    """Email every member of the session's space an .ics invitation (once per person)."""
    members = list(spaces_queries.member_list(space_id=session.space_id))
    emails = [m.person.email for m in members if m.person.active and m.person.email]
    organizer = getattr(settings, "DEFAULT_FROM_EMAIL", "peerloop@localhost")
    if "<" in organizer:
        organizer = organizer.split("<", 1)[1].rstrip(">")
    agenda = "\n".join(f"- {item['title']}" for item in session.agenda) or "Open floor"
    ics = ics_event(
        uid=f"discussions-session-{session.pk}@peerloop",
        title=session.title,
        description=f"Agenda:\n{agenda}",
        start=session.starts_at,
        end=session.starts_at + timedelta(minutes=session.duration_minutes),
        organizer_email=organizer,
        attendee_emails=emails,
    )
    sent = 0
    for m in members:
        if not m.person.active:
            continue
        notifications.notify(
            recipient_id=m.person_id,
            kind="discussion.session",
            title=f"Peer session: {session.title}"[:200],
            body=f"Agenda:\n{agenda}",
            url=f"/discussions/sessions/{session.pk}/",
            dedupe_key=f"discussions:session:{session.pk}",
            email=True,
            email_attachments=[EmailAttachment("invite.ics", "text/calendar; method=REQUEST", ics)],
        )
        sent += 1
    return sent


def _session(actor: Actor, session_id: int) -> PeerSession:
    session = PeerSession.objects.select_related("space").filter(pk=session_id).first()
    permissions.require_space_read(actor, session.space if session else None)
    assert session is not None
    return session


def session_attend(*, actor: Actor, session_id: int) -> PeerSession:
    person_id = permissions.require_person(actor)
    session = _session(actor, session_id)
    permissions.require_space_write(actor, session.space)
    with transaction.atomic():
        if not session.attendees.filter(pk=person_id).exists():
            session.attendees.add(person_id)
            interaction_record(
                kind="discussion.session_attended",
                actor_id=person_id,
                space_id=session.space_id,
                object_type="session",
                object_id=session.pk,
            )
    return session


def session_notes(*, actor: Actor, session_id: int, notes: str, as_lesson: bool = False) -> PeerSession:
    """Save the notes; with ``as_lesson`` they become a lesson thread of the space (once)."""
    permissions.require_person(actor)
    session = _session(actor, session_id)
    permissions.require_space_moderate(actor, session.space)
    notes = clean_body(notes, field="notes")
    with transaction.atomic():
        session.notes = notes
        if as_lesson and session.lesson_id is None:
            session.lesson = thread_create(
                actor=actor,
                space_id=session.space_id,
                kind=ThreadKind.LESSON,
                title=f"Lessons from {session.title}"[:200],
                body=notes,
            )
        session.save()
    return session


# --- digest -------------------------------------------------------------------------------


def digest_setting_save(
    *, actor: Actor, frequency: str, muted_spaces: list[int] | None = None, topic_ids: list[int] | None = None
) -> DigestSetting:
    person_id = permissions.require_person(actor)
    if frequency not in DigestSetting.Frequency.values:
        raise ValidationError({"frequency": "Choose daily, weekly or off."})
    setting, _ = DigestSetting.objects.get_or_create(person_id=person_id)
    setting.frequency = frequency
    if muted_spaces is not None:
        setting.muted_spaces = sorted({int(s) for s in muted_spaces})
    setting.save()
    if topic_ids is not None:
        setting.followed_topics.set(sorted(set(topic_ids)))
    return setting


def digest_items(*, person_id: int, since: datetime, until: datetime) -> list[dict]:
    """What a person's digest holds: replies in threads they follow (not muted) and new
    lessons on topics they follow, in spaces they may still read, by others."""
    person = people_queries.person_get(person_id=person_id)
    if person is None or not person.active:
        return []
    actor = people_queries.actor_for_user(person.user) if person.user_id else None
    if actor is None or not actor.authenticated:
        return []
    spaces = permissions.readable_space_ids(actor)
    setting = DigestSetting.objects.filter(person_id=person_id).first()
    muted = set(setting.muted_spaces) if setting else set()
    spaces = frozenset(s for s in spaces if s not in muted)
    posts = (
        Post.objects.filter(created_at__gte=since, created_at__lt=until, hidden=False, opening=False)
        .filter(thread__space_id__in=spaces, thread__follows__person_id=person_id, thread__follows__muted=False)
        .exclude(author_id=person_id)
        .exclude(thread__state=Thread.State.HIDDEN)
        .select_related("thread", "author")
        .order_by("created_at")[:50]
    )
    items = [{"kind": "reply", "thread": p.thread, "post": p, "title": p.thread.title} for p in posts]
    topic_ids = list(setting.followed_topics.values_list("id", flat=True)) if setting else []
    if topic_ids:
        lessons = (
            Thread.objects.filter(
                kind=ThreadKind.LESSON,
                created_at__gte=since,
                created_at__lt=until,
                space_id__in=spaces,
                topics__in=topic_ids,
            )
            .exclude(state=Thread.State.HIDDEN)
            .exclude(author_id=person_id)
            .distinct()
            .order_by("created_at")[:20]
        )
        items += [{"kind": "lesson", "thread": t, "post": None, "title": t.title} for t in lessons]
    return items


def digest_send(*, person_id: int, now: datetime | None = None) -> bool:
    """Queue one digest email for the person if one is due and has content; idempotent
    per period (the outbox's dedupe key names the person and the period's end)."""
    now = now or timezone.now()
    setting, _ = DigestSetting.objects.get_or_create(person_id=person_id)
    if setting.frequency == DigestSetting.Frequency.OFF:
        return False
    period = timedelta(days=7 if setting.frequency == DigestSetting.Frequency.WEEKLY else 1)
    since = setting.last_sent_at or (now - period)
    if now - since < period:
        return False
    items = digest_items(person_id=person_id, since=since, until=now)
    person = people_queries.person_get(person_id=person_id)
    with transaction.atomic():
        setting.last_sent_at = now
        setting.save(update_fields=["last_sent_at"])
        if not items or person is None or not person.email:
            return False
        context = {"person": person, "items": items, "link": notifications.absolute_url("/discussions/")}
        notifications.email_queue(
            to=person.email,
            subject=f"Peerloop digest: {len(items)} new in your discussions",
            text=render_to_string("discussions/email/digest.txt", context),
            html=render_to_string("discussions/email/digest.html", context),
            dedupe_key=f"discussions:digest:{person_id}:{now:%Y%m%d%H}",
        )
    return True


def digest_due_people() -> list[int]:
    """People with a digest setting that is not off (everyone else gets a daily one once they follow something)."""
    followers = set(Follow.objects.values_list("person_id", flat=True).distinct())
    settings_ids = set(
        DigestSetting.objects.exclude(frequency=DigestSetting.Frequency.OFF).values_list("person_id", flat=True)
    )
    off = set(DigestSetting.objects.filter(frequency=DigestSetting.Frequency.OFF).values_list("person_id", flat=True))
    return sorted((followers | settings_ids) - off)
