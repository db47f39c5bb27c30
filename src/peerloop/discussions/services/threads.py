"""Writes of threads and posts: ask, answer, edit, react, follow, accept, assign,
moderate, attachments. Every write keeps the thread's search documents current and
records what happened in the interaction stream."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from peerloop.core.permissions import NotFound, require
from peerloop.core.roles import Actor
from peerloop.core.services import audit_record, interaction_record
from peerloop.discussions import permissions, rendering, search, uploads
from peerloop.discussions.models import (
    Attachment,
    Flag,
    Follow,
    Post,
    PostRevision,
    Reaction,
    SearchDoc,
    Thread,
    ThreadKind,
)
from peerloop.discussions.services._common import clean_body, clean_title, post_or_404, space_or_404, thread_or_404
from peerloop.notifications import services as notifications
from peerloop.people import queries as people_queries
from peerloop.spaces import queries as spaces_queries
from peerloop.vocabulary import queries as vocabulary_queries

MAX_FILES = 5


@dataclass(frozen=True)
class Upload:
    """A file a person attaches: its name as uploaded and its bytes."""

    name: str
    content: bytes


def thread_url(thread: Thread, post_id: int | None = None) -> str:
    return f"/discussions/threads/{thread.pk}/" + (f"#post-{post_id}" if post_id else "")


def _check_uploads(files: Sequence[Upload]) -> list[tuple[Upload, uploads.FileKind]]:
    if len(files) > MAX_FILES:
        raise ValidationError({"files": f"At most {MAX_FILES} files per post."})
    checked = []
    for f in files:
        try:
            kind = uploads.check(head=f.content[:65536], size=len(f.content))
        except uploads.UploadRefused as exc:
            err = ValidationError({"files": f"{uploads.clean_name(f.name, uploads.TEXT)[:-4]}: {exc}"})
            err.status = exc.status  # type: ignore[attr-defined]
            raise err from exc
        checked.append((f, kind))
    return checked


def _save_attachments(post: Post, checked: list[tuple[Upload, uploads.FileKind]]) -> None:
    for f, kind in checked:
        name = uploads.clean_name(f.name, kind)
        attachment = Attachment(post=post, name=name, content_type=kind.content_type, size=len(f.content))
        attachment.is_image = kind.is_image
        attachment.file.save(f"p{post.pk}.{kind.extension}", ContentFile(f.content), save=False)
        attachment.save()


def _clean_topics(topic_ids: Sequence[int]) -> list[int]:
    ids = sorted({int(t) for t in topic_ids})
    for topic_id in ids:
        if vocabulary_queries.topic_get(topic_id=topic_id) is None:
            raise ValidationError({"topics": f"There is no topic {topic_id} in the vocabulary."})
    return ids


def index_post(post: Post, thread: Thread) -> None:
    """Write the post's search document from its current state (called by every write)."""
    doc = SearchDoc.objects.filter(post_id=post.pk).first() or SearchDoc(kind=SearchDoc.Kind.POST, post=post)
    doc.thread_id = thread.pk
    doc.space_id = thread.space_id
    doc.thread_kind = thread.kind
    doc.author_id = post.author_id
    doc.created_at = post.created_at
    doc.visible = not post.hidden and thread.state != Thread.State.HIDDEN
    doc.title = thread.title if post.opening else ""
    doc.body = rendering.plain_text(post.body)
    search.doc_save(doc=doc)


def _reindex_thread(thread: Thread) -> None:
    for post in thread.posts.all():
        index_post(post, thread)


def _notify_mentions(*, actor: Actor, thread: Thread, post: Post) -> None:
    """Mentioned people who may read the thread are told at once (real time)."""
    for handle in rendering.mentions(post.body)[:20]:
        person = people_queries.person_for_email(email=handle) if "@" in handle else None
        if person is None and "@" not in handle:
            person = people_queries.person_for_handle(handle=handle)
        if person is None or person.pk == actor.person_id or not person.active:
            continue
        readable = spaces_queries.membership_role(space_id=thread.space_id, person_id=person.pk) is not None or (
            person.kind == person.Kind.EMPLOYEE and thread.space.kind == "community"
        )
        if not readable:
            continue
        notifications.notify(
            recipient_id=person.pk,
            kind="discussion.mentioned",
            title=f"You were mentioned in “{thread.title}”"[:200],
            url=thread_url(thread, post.pk),
            dedupe_key=f"discussions:mention:{post.pk}",
            email=True,
        )
        assert actor.person_id is not None
        interaction_record(
            kind="discussion.mentioned",
            actor_id=actor.person_id,
            target_ids=[person.pk],
            space_id=thread.space_id,
            object_type="post",
            object_id=post.pk,
        )


def thread_create(
    *,
    actor: Actor,
    space_id: int,
    kind: str,
    title: str,
    body: str,
    topic_ids: Sequence[int] = (),
    files: Sequence[Upload] = (),
) -> Thread:
    """Start a thread (a question, discussion, lesson or proposal) with its opening post."""
    person_id = permissions.require_person(actor)
    space = space_or_404(space_id)
    permissions.require_space_write(actor, space)
    if kind not in ThreadKind.values:
        raise ValidationError({"kind": f"“{kind}” is not a kind of thread: question, discussion, lesson or proposal."})
    title = clean_title(title)
    body = clean_body(body)
    topics = _clean_topics(topic_ids)
    checked = _check_uploads(files)
    now = timezone.now()
    with transaction.atomic():
        thread = Thread.objects.create(space=space, kind=kind, title=title, author_id=person_id, last_activity_at=now)
        thread.topics.set(topics)
        post = Post.objects.create(
            thread=thread,
            author_id=person_id,
            body=body,
            html=rendering.render_markdown(body),
            opening=True,
            created_at=now,
        )
        _save_attachments(post, checked)
        Follow.objects.create(thread=thread, person_id=person_id)
        index_post(post, thread)
        event = {ThreadKind.QUESTION: "discussion.asked", ThreadKind.LESSON: "discussion.lesson_posted"}.get(
            ThreadKind(kind)
        )
        if event:
            interaction_record(
                kind=event, actor_id=person_id, space_id=space.pk, object_type="thread", object_id=thread.pk
            )
        _notify_mentions(actor=actor, thread=thread, post=post)
        if kind == ThreadKind.LESSON:
            _mark_superseded(thread=thread, topics=topics)
    return thread


def _mark_superseded(*, thread: Thread, topics: list[int]) -> None:
    """A new lesson on the same topics sends older lessons of the space to the review queue."""
    if not topics:
        return
    older = (
        Thread.objects.filter(space_id=thread.space_id, kind=ThreadKind.LESSON, topics__in=topics)
        .exclude(pk=thread.pk)
        .filter(health=Thread.Health.CURRENT)
        .distinct()
    )
    older.update(health=Thread.Health.REVIEW, superseded_by=thread)


def post_create(*, actor: Actor, thread_id: int, body: str, files: Sequence[Upload] = ()) -> Post:
    """Reply to a thread. The asker hears of an answer at once; followers in their digest."""
    person_id = permissions.require_person(actor)
    body = clean_body(body)
    with transaction.atomic():
        thread = thread_or_404(thread_id, lock=True)
        permissions.require_reply(actor, thread)
        checked = _check_uploads(files)
        now = timezone.now()
        post = Post.objects.create(
            thread=thread, author_id=person_id, body=body, html=rendering.render_markdown(body), created_at=now
        )
        _save_attachments(post, checked)
        Thread.objects.filter(pk=thread.pk).update(reply_count=F("reply_count") + 1, last_activity_at=now)
        Follow.objects.get_or_create(thread=thread, person_id=person_id)
        index_post(post, thread)
        asker = thread.author_id
        if thread.kind == ThreadKind.QUESTION and asker and asker != person_id:
            interaction_record(
                kind="discussion.answered",
                actor_id=person_id,
                target_ids=[asker],
                space_id=thread.space_id,
                object_type="post",
                object_id=post.pk,
            )
        muted = Follow.objects.filter(thread=thread, person_id=asker, muted=True).exists() if asker else True
        if asker and asker != person_id and not muted:
            notifications.notify(
                recipient_id=asker,
                kind="discussion.answered",
                title=f"New answer to “{thread.title}”"[:200],
                url=thread_url(thread, post.pk),
                dedupe_key=f"discussions:answer:{post.pk}",
                email=True,
            )
        _notify_mentions(actor=actor, thread=thread, post=post)
    return post


def post_edit(*, actor: Actor, post_id: int, body: str, title: str | None = None) -> Post:
    """Change a post (and the thread's title for its opening post), keeping the old text as a revision."""
    permissions.require_person(actor)
    post = post_or_404(post_id)
    permissions.require_post_edit(actor, post)
    body = clean_body(body)
    thread = post.thread
    new_title = clean_title(title) if title is not None and post.opening else thread.title
    if body == post.body and new_title == thread.title:
        return post
    with transaction.atomic():
        PostRevision.objects.create(
            post=post, editor_id=actor.person_id, body=post.body, title=thread.title if post.opening else ""
        )
        post.body = body
        post.html = rendering.render_markdown(body)
        post.edited_at = timezone.now()
        post.save(update_fields=["body", "html", "edited_at"])
        if new_title != thread.title:
            thread.title = new_title
            thread.save(update_fields=["title", "updated_at"])
        index_post(post, thread)
    return post


def reaction_toggle(*, actor: Actor, post_id: int, kind: str) -> bool:
    """Add the reaction, or take it back; returns whether it is now there. Endorsing or
    adopting a lesson is recorded in the interaction stream."""
    person_id = permissions.require_person(actor)
    post = post_or_404(post_id)
    permissions.require_reply(actor, post.thread)
    if kind not in Reaction.Kind.values:
        raise ValidationError({"kind": f"“{kind}” is not a reaction: thanks, helpful, endorse or adopted."})
    with transaction.atomic():
        deleted, _ = Reaction.objects.filter(post=post, person_id=person_id, kind=kind).delete()
        if deleted:
            return False
        Reaction.objects.create(post=post, person_id=person_id, kind=kind)
        thread = post.thread
        event = {"endorse": "discussion.lesson_endorsed", "adopted": "discussion.lesson_adopted"}.get(kind)
        if event and thread.kind == ThreadKind.LESSON and post.author_id and post.author_id != person_id:
            interaction_record(
                kind=event,
                actor_id=person_id,
                target_ids=[post.author_id],
                space_id=thread.space_id,
                object_type="thread",
                object_id=thread.pk,
            )
    return True


def thread_follow(*, actor: Actor, thread_id: int, mode: str) -> str:
    """``follow``, ``mute`` or ``none`` (stop following); returns the mode now in force."""
    person_id = permissions.require_person(actor)
    thread = thread_or_404(thread_id)
    permissions.require_thread_read(actor, thread)
    permissions.require_space_write(actor, thread.space)
    if mode not in ("follow", "mute", "none"):
        raise ValidationError({"mode": "Choose follow, mute or none."})
    if mode == "none":
        Follow.objects.filter(thread=thread, person_id=person_id).delete()
    else:
        Follow.objects.update_or_create(thread=thread, person_id=person_id, defaults={"muted": mode == "mute"})
    return mode


def answer_accept(*, actor: Actor, post_id: int) -> Thread:
    """Mark a reply as the accepted answer of a question (replacing any earlier one)."""
    permissions.require_person(actor)
    post = post_or_404(post_id)
    thread = post.thread
    permissions.require_accept(actor, thread)
    if thread.kind != ThreadKind.QUESTION:
        raise ValidationError({"post": "Only questions have an accepted answer."})
    if post.opening or post.hidden:
        raise ValidationError({"post": "Accept a visible reply, not the question itself."})
    if thread.accepted_post_id == post.pk:
        return thread
    with transaction.atomic():
        thread.accepted_post = post
        thread.save(update_fields=["accepted_post", "updated_at"])
        if post.author_id and actor.person_id:
            interaction_record(
                kind="discussion.answer_accepted",
                actor_id=actor.person_id,
                target_ids=[post.author_id],
                space_id=thread.space_id,
                object_type="post",
                object_id=post.pk,
            )
            if post.author_id != actor.person_id:
                notifications.notify(
                    recipient_id=post.author_id,
                    kind="discussion.answer_accepted",
                    title=f"Your answer to “{thread.title}” was accepted"[:200],
                    url=thread_url(thread, post.pk),
                    dedupe_key=f"discussions:accepted:{post.pk}",
                )
    return thread


def thread_assign(*, actor: Actor, thread_id: int, person_id: int | None) -> Thread:
    """Give the thread an owner (a member of its space), who is told at once; None unassigns."""
    permissions.require_person(actor)
    thread = thread_or_404(thread_id)
    permissions.require_space_moderate(actor, thread.space)
    if person_id is not None and spaces_queries.membership_role(space_id=thread.space_id, person_id=person_id) is None:
        raise ValidationError({"person": "Assign the thread to a member of its space."})
    with transaction.atomic():
        thread.owner_id = person_id
        thread.save(update_fields=["owner", "updated_at"])
        if person_id is not None:
            Follow.objects.get_or_create(thread=thread, person_id=person_id)
            if person_id != actor.person_id:
                notifications.notify(
                    recipient_id=person_id,
                    kind="discussion.assigned",
                    title=f"“{thread.title}” was assigned to you"[:200],
                    url=thread_url(thread),
                    email=True,
                )
        audit_record(
            actor=actor,
            action="discussions.thread_assign",
            object_type="thread",
            object_id=thread.pk,
            changes={"owner": person_id},
        )
    return thread


MODERATION = {
    "lock": Thread.State.LOCKED,
    "unlock": Thread.State.OPEN,
    "hide": Thread.State.HIDDEN,
    "unhide": Thread.State.OPEN,
}


def thread_moderate(*, actor: Actor, thread_id: int, action: str) -> Thread:
    """Lock, unlock, hide or unhide a thread (hosts and admins); hidden threads leave search."""
    permissions.require_person(actor)
    thread = thread_or_404(thread_id)
    permissions.require_space_moderate(actor, thread.space)
    if action not in MODERATION:
        raise ValidationError({"action": "Choose lock, unlock, hide or unhide."})
    with transaction.atomic():
        thread.state = MODERATION[action]
        thread.save(update_fields=["state", "updated_at"])
        _reindex_thread(thread)
        audit_record(
            actor=actor,
            action=f"discussions.thread_{action}",
            object_type="thread",
            object_id=thread.pk,
            object_repr=thread.title,
        )
    return thread


def thread_move(*, actor: Actor, thread_id: int, space_id: int) -> Thread:
    """Move a thread to another space; the actor moderates both."""
    permissions.require_person(actor)
    thread = thread_or_404(thread_id)
    permissions.require_space_moderate(actor, thread.space)
    target = space_or_404(space_id)
    permissions.require_space_moderate(actor, target)
    with transaction.atomic():
        old = thread.space_id
        thread.space = target
        thread.save(update_fields=["space", "updated_at"])
        _reindex_thread(thread)
        audit_record(
            actor=actor,
            action="discussions.thread_move",
            object_type="thread",
            object_id=thread.pk,
            changes={"space": [old, target.pk]},
        )
    return thread


def post_hide(*, actor: Actor, post_id: int, hidden: bool = True) -> Post:
    permissions.require_person(actor)
    post = post_or_404(post_id)
    permissions.require_space_moderate(actor, post.thread.space)
    require(not post.opening, message="Hide the whole thread instead of its opening post.")
    with transaction.atomic():
        post.hidden = hidden
        post.save(update_fields=["hidden"])
        Flag.objects.filter(post=post).update(resolved=True)
        index_post(post, post.thread)
        audit_record(
            actor=actor,
            action="discussions.post_hide" if hidden else "discussions.post_unhide",
            object_type="post",
            object_id=post.pk,
        )
    return post


def post_flag(*, actor: Actor, post_id: int, reason: str) -> Flag:
    """Flag a post for the space's hosts (once per person and post)."""
    person_id = permissions.require_person(actor)
    post = post_or_404(post_id)
    permissions.require_thread_read(actor, post.thread)
    permissions.require_space_write(actor, post.thread.space)
    reason = " ".join((reason or "").split())[:300]
    if not reason:
        raise ValidationError({"reason": "Say what is wrong with this post."})
    with transaction.atomic():
        flag, created = Flag.objects.get_or_create(post=post, person_id=person_id, defaults={"reason": reason})
        if created:
            Thread.objects.filter(pk=post.thread_id).update(flag_count=F("flag_count") + 1)
    return flag


def thread_delete_for_space(*, space_id: int) -> int:
    """Remove every thread of a space with its search documents (before the space goes)."""
    doc_ids = list(SearchDoc.objects.filter(space_id=space_id).values_list("id", flat=True))
    with transaction.atomic():
        search.docs_delete(doc_ids=doc_ids)
        deleted, _ = Thread.objects.filter(space_id=space_id).delete()
    return deleted


def attachment_add(*, actor: Actor, post_id: int, files: Sequence[Upload]) -> list[Attachment]:
    """Attach files to a post whoever may edit it may attach to (its author while the
    thread is open, the space's hosts). Every file is checked first: one refused file
    attaches none (a clear 413/415/422); a post carries at most MAX_FILES files."""
    permissions.require_person(actor)
    post = post_or_404(post_id)
    permissions.require_post_edit(actor, post)
    if not files:
        raise ValidationError({"files": "Attach at least one file."})
    with transaction.atomic():
        post = Post.objects.select_for_update().get(pk=post.pk)
        present = post.attachments.count()
        if present + len(files) > MAX_FILES:
            raise ValidationError(
                {"files": f"At most {MAX_FILES} files per post; this one has {present}, {len(files)} more were sent."}
            )
        checked = _check_uploads(files)
        before = set(post.attachments.values_list("pk", flat=True))
        _save_attachments(post, checked)
        added = list(post.attachments.exclude(pk__in=before).order_by("id"))
    return added


def attachment_get(*, actor: Actor, attachment_id: int) -> Attachment:
    attachment = Attachment.objects.select_related("post__thread__space").filter(pk=attachment_id).first()
    if attachment is None:
        raise NotFound()
    permissions.require_thread_read(actor, attachment.post.thread)
    if attachment.post.hidden and not permissions.can_moderate(actor, attachment.post.thread.space):
        raise NotFound()
    return attachment


def expert_invite(*, actor: Actor, thread_id: int, person_id: int, message: str = "") -> bool:
    """The asker (or a host) invites someone who may read the thread to answer it; they are
    told at once. Returns False when they were already invited."""
    permissions.require_person(actor)
    thread = thread_or_404(thread_id)
    permissions.require_thread_read(actor, thread)
    asker = actor.person_id == thread.author_id
    require(asker or permissions.can_moderate(actor, thread.space), message="Only the person who asked invites others.")
    permissions.require_space_write(actor, thread.space)
    person = people_queries.person_get(person_id=person_id)
    if person is None or not person.active:
        raise ValidationError({"person": f"There is no active person {person_id}."})
    member = spaces_queries.membership_role(space_id=thread.space_id, person_id=person_id) is not None
    if not member and not (person.kind == person.Kind.EMPLOYEE and thread.space.kind == "community"):
        raise ValidationError({"person": f"{person.name} cannot read this space."})
    note = " ".join((message or "").split())[:500]
    with transaction.atomic():
        sent = notifications.notify(
            recipient_id=person_id,
            kind="discussion.invited",
            title=f"You were asked to answer “{thread.title}”"[:200],
            body=note,
            url=thread_url(thread),
            dedupe_key=f"discussions:invite:{thread.pk}",
            email=True,
        )
    return sent is not None
