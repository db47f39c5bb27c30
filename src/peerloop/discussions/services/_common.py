"""Helpers shared by the discussion services."""

from django.core.exceptions import ValidationError

from peerloop.core.permissions import NotFound
from peerloop.discussions.models import Playbook, Post, Thread
from peerloop.spaces import queries as spaces_queries
from peerloop.spaces.models import Space

MAX_TITLE = 200
MAX_BODY = 50_000


def clean_title(title: str, *, field: str = "title") -> str:
    title = " ".join((title or "").split())
    if not title:
        raise ValidationError({field: "Give it a title."})
    if len(title) > MAX_TITLE:
        raise ValidationError({field: f"A title has at most {MAX_TITLE} characters; this one has {len(title)}."})
    return title


def clean_body(body: str, *, field: str = "body") -> str:
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise ValidationError({field: "Write something first."})
    if len(body) > MAX_BODY:
        raise ValidationError({field: f"A post has at most {MAX_BODY:,} characters; this one has {len(body):,}."})
    if "\x00" in body:
        raise ValidationError({field: "The text contains a NUL character."})
    return body


def space_or_404(space_id: int) -> Space:
    space = spaces_queries.space_get(space_id=space_id)
    if space is None:
        raise NotFound()
    return space


def thread_or_404(thread_id: int, *, lock: bool = False) -> Thread:
    qs = Thread.objects.select_related("space")
    if lock:
        qs = qs.select_for_update(of=("self",))
    thread = qs.filter(pk=thread_id).first()
    if thread is None:
        raise NotFound()
    return thread


def post_or_404(post_id: int) -> Post:
    post = Post.objects.select_related("thread", "thread__space").filter(pk=post_id).first()
    if post is None:
        raise NotFound()
    return post


def playbook_or_404(playbook_id: int) -> Playbook:
    playbook = Playbook.objects.select_related("space", "program").filter(pk=playbook_id).first()
    if playbook is None:
        raise NotFound()
    return playbook
