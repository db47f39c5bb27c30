"""REST endpoints of discussions (mounted under /api/v1 by peerloop.api): threads, posts,
accepted answers, search, who to ask, playbooks, proposals and sessions.

Reads answer only what the actor may read (another space's thread is a 404); writes go
through the services, whose errors leave as 422 problem details naming the field (409
for a proposal whose entry changed, 413/415 for refused files).
"""

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Field, File, Query, Router, Schema, Status, UploadedFile
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination, paginate

from peerloop.core.permissions import require_authenticated
from peerloop.core.roles import Actor
from peerloop.discussions import permissions, queries, search, services
from peerloop.discussions.models import Post, Thread

router = Router(tags=["discussions"])


def _actor(request: HttpRequest) -> Actor:
    return request.actor  # type: ignore[attr-defined,no-any-return]


class DiscussionThreadIn(Schema):
    space_id: int
    kind: str = Field("question", description="question, discussion, lesson or proposal")
    title: str = Field(..., max_length=200)
    body: str = Field(..., max_length=50_000, description="Markdown")
    topic_ids: list[int] = Field(default_factory=list, max_length=20)


class DiscussionThreadOut(Schema):
    id: int
    space_id: int
    kind: str
    title: str
    state: str
    health: str
    author_id: int | None
    owner_id: int | None
    accepted_post_id: int | None
    reply_count: int
    topic_ids: list[int]
    created_at: datetime
    last_activity_at: datetime


class DiscussionPostOut(Schema):
    id: int
    thread_id: int
    author_id: int | None
    body: str
    html: str = Field(..., description="The body rendered and sanitized")
    opening: bool
    hidden: bool
    created_at: datetime
    edited_at: datetime | None


class DiscussionThreadDetailOut(DiscussionThreadOut):
    posts: list[DiscussionPostOut]


class DiscussionPostIn(Schema):
    body: str = Field(..., max_length=50_000)


class DiscussionThreadFilters(Schema):
    space_id: int | None = None
    kind: str | None = None


class DiscussionSearchFilters(Schema):
    q: str = Field(..., description='Words, "phrases", prefix* and -excluded words')
    space_id: int | None = None
    topic_id: int | None = None
    type: str | None = Field(None, description="A thread kind, or entry for playbook entries")
    author_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0, le=2000)


class DiscussionHitOut(Schema):
    kind: str
    post_id: int | None
    thread_id: int | None
    entry_id: int | None
    space_id: int
    thread_kind: str
    created_at: datetime
    title_html: str
    snippet_html: str
    score: float


class DiscussionExpertOut(Schema):
    person_id: int
    name: str
    title: str
    unit: str
    level: int | None
    score: float
    reasons: list[str]


class DiscussionInviteIn(Schema):
    person_id: int
    message: str = Field("", max_length=500)


class DiscussionPlaybookOut(Schema):
    id: int
    title: str
    space_id: int | None
    program_id: int | None
    revalidate_days: int


class DiscussionEntryOut(Schema):
    id: int
    position: int
    version: int
    title: str
    body: str
    validated_at: datetime
    needs_review: bool


class DiscussionPlaybookDetailOut(DiscussionPlaybookOut):
    entries: list[DiscussionEntryOut]


class DiscussionProposalIn(Schema):
    title: str = Field(..., max_length=200)
    body: str = Field(..., max_length=50_000)
    entry_id: int | None = None
    base_version: int | None = Field(None, ge=1)
    reason: str = Field("", max_length=5000)


class DiscussionProposalOut(Schema):
    id: int
    playbook_id: int
    entry_id: int | None
    base_version: int
    title: str
    body: str
    status: str
    proposer_id: int | None


class DiscussionVoteIn(Schema):
    kind: str = Field(..., description="endorse or object")
    comment: str = Field("", max_length=500)


class DiscussionPlaybookIn(Schema):
    title: str = Field(..., max_length=200)
    space_id: int | None = Field(None, description="The space it belongs to (its hosts create it); or give program_id")
    program_id: int | None = Field(None, description="The program it belongs to (its owner, admins create it)")
    description: str = Field("", max_length=5000)
    revalidate_days: int = Field(180, ge=1, le=3650, description="Entries are due for re-validation after this")


class DiscussionSessionIn(Schema):
    space_id: int
    title: str = Field(..., max_length=200)
    starts_at: datetime = Field(..., description="With its time zone")
    duration_minutes: int = Field(45, ge=10, le=480)
    repeat_days: int = Field(0, description="0 (once), 7, 14 or 28")


class DiscussionAttachmentOut(Schema):
    id: int
    post_id: int
    name: str
    content_type: str
    size: int
    is_image: bool
    url: str


class DiscussionSessionOut(Schema):
    id: int
    space_id: int
    title: str
    starts_at: datetime
    duration_minutes: int
    repeat_days: int
    agenda: list[dict[str, Any]]


def _thread_out(t: Thread) -> dict[str, Any]:
    return {
        "id": t.pk,
        "space_id": t.space_id,
        "kind": t.kind,
        "title": t.title,
        "state": t.state,
        "health": t.health,
        "author_id": t.author_id,
        "owner_id": t.owner_id,
        "accepted_post_id": t.accepted_post_id,
        "reply_count": t.reply_count,
        "topic_ids": [x.pk for x in t.topics.all()],
        "created_at": t.created_at,
        "last_activity_at": t.last_activity_at,
    }


def _readable_thread(actor: Actor, thread_id: int) -> Thread:
    return permissions.require_thread_read(actor, queries.thread_get(thread_id=thread_id))


@router.get("/discussions/threads", response=list[DiscussionThreadOut], summary="Threads I may read, recent first")
@paginate(LimitOffsetPagination)
def threads_list(request: HttpRequest, filters: Query[DiscussionThreadFilters]):  # type: ignore[no-untyped-def]
    actor = _actor(request)
    require_authenticated(actor)
    spaces = permissions.readable_space_ids(actor)
    if filters.space_id is not None:
        spaces = spaces & {filters.space_id}
    moderated = queries.space_ids_moderated(actor=actor, space_ids=spaces)
    qs = queries.thread_list(space_ids=spaces, include_hidden_for=moderated, kind=filters.kind or None)
    return [_thread_out(t) for t in qs[:500]]


@router.post("/discussions/threads", response={201: DiscussionThreadOut}, summary="Ask, or share a lesson")
def thread_create(request: HttpRequest, payload: DiscussionThreadIn) -> Status[dict[str, Any]]:
    thread = services.thread_create(
        actor=_actor(request),
        space_id=payload.space_id,
        kind=payload.kind,
        title=payload.title,
        body=payload.body,
        topic_ids=payload.topic_ids,
    )
    return Status(201, _thread_out(thread))


@router.get("/discussions/threads/{thread_id}", response=DiscussionThreadDetailOut, summary="A thread with its posts")
def thread_get(request: HttpRequest, thread_id: int) -> dict[str, Any]:
    actor = _actor(request)
    thread = _readable_thread(actor, thread_id)
    moderate = permissions.can_moderate(actor, thread.space)
    posts = queries.post_list(thread=thread, include_hidden=moderate)
    return {**_thread_out(thread), "posts": posts}


@router.post("/discussions/threads/{thread_id}/posts", response={201: DiscussionPostOut}, summary="Reply to a thread")
def post_create(request: HttpRequest, thread_id: int, payload: DiscussionPostIn) -> Status[Post]:
    actor = _actor(request)
    _readable_thread(actor, thread_id)
    return Status(201, services.post_create(actor=actor, thread_id=thread_id, body=payload.body))


@router.post(
    "/discussions/posts/{post_id}/attachments",
    response={201: list[DiscussionAttachmentOut]},
    summary="Attach files to a post (multipart, field files; 413 over 10 MiB, 415 for a refused type)",
)
def attachments_add(request: HttpRequest, post_id: int, files: File[list[UploadedFile]]) -> Status[Any]:
    actor = _actor(request)
    sent = files[: services.threads.MAX_FILES + 1]  # one more than allowed: the service names the limit
    uploads = [services.Upload(name=f.name or "file", content=f.read()) for f in sent]
    try:
        added = services.attachment_add(actor=actor, post_id=post_id, files=uploads)
    except ValidationError as exc:
        status = getattr(exc, "status", 422)  # a refused file says 413 (size) or 415 (type)
        if status == 422:
            raise
        raise HttpError(status, " ".join(exc.messages)) from exc
    return Status(
        201,
        [
            {
                "id": a.pk,
                "post_id": a.post_id,
                "name": a.name,
                "content_type": a.content_type,
                "size": a.size,
                "is_image": a.is_image,
                "url": f"/discussions/files/{a.pk}/",
            }
            for a in added
        ],
    )


@router.post("/discussions/posts/{post_id}/accept", response=DiscussionThreadOut, summary="Accept an answer")
def answer_accept(request: HttpRequest, post_id: int) -> dict[str, Any]:
    return _thread_out(services.answer_accept(actor=_actor(request), post_id=post_id))


@router.get("/discussions/search", response=list[DiscussionHitOut], summary="Ranked search with highlighted snippets")
def search_run(request: HttpRequest, filters: Query[DiscussionSearchFilters]) -> list[search.Hit]:
    actor = _actor(request)
    require_authenticated(actor)
    try:
        return search.search(
            text=filters.q,
            filters=search.Filters(
                space_ids=permissions.readable_space_ids(actor),
                space_id=filters.space_id,
                topic_id=filters.topic_id,
                kind=filters.type,
                author_id=filters.author_id,
                since=filters.since,
                until=filters.until,
            ),
            limit=filters.limit,
            offset=filters.offset,
        )
    except search.SearchError as exc:
        raise HttpError(400, str(exc)) from exc


@router.get("/discussions/threads/{thread_id}/experts", response=list[DiscussionExpertOut], summary="Who to ask")
def experts_list(request: HttpRequest, thread_id: int) -> list[queries.ExpertSuggestion]:
    actor = _actor(request)
    thread = _readable_thread(actor, thread_id)
    return queries.who_to_ask(thread=thread, asker_id=thread.author_id, space_ids=permissions.readable_space_ids(actor))


@router.post("/discussions/threads/{thread_id}/invitations", response={204: None}, summary="Invite someone to answer")
def expert_invite(request: HttpRequest, thread_id: int, payload: DiscussionInviteIn) -> Status[None]:
    actor = _actor(request)
    _readable_thread(actor, thread_id)
    services.expert_invite(actor=actor, thread_id=thread_id, person_id=payload.person_id, message=payload.message)
    return Status(204, None)


@router.get("/discussions/playbooks", response=list[DiscussionPlaybookOut], summary="Playbooks I may read")
@paginate(LimitOffsetPagination)
def playbooks_list(request: HttpRequest):  # type: ignore[no-untyped-def]
    actor = _actor(request)
    require_authenticated(actor)
    return queries.playbook_list(actor=actor, space_ids=permissions.readable_space_ids(actor))


@router.post("/discussions/playbooks", response={201: DiscussionPlaybookOut}, summary="Create a playbook")
def playbook_create(request: HttpRequest, payload: DiscussionPlaybookIn) -> Status[Any]:
    playbook = services.playbook_create(
        actor=_actor(request),
        title=payload.title,
        space_id=payload.space_id,
        program_id=payload.program_id,
        description=payload.description,
        revalidate_days=payload.revalidate_days,
    )
    return Status(201, playbook)


@router.get("/discussions/playbooks/{playbook_id}", response=DiscussionPlaybookDetailOut, summary="A playbook")
def playbook_get(request: HttpRequest, playbook_id: int) -> dict[str, Any]:
    actor = _actor(request)
    playbook = permissions.require_playbook_read(actor, queries.playbook_get(playbook_id=playbook_id))
    return {**DiscussionPlaybookOut.from_orm(playbook).dict(), "entries": queries.entries_for(playbook=playbook)}


@router.post(
    "/discussions/playbooks/{playbook_id}/proposals", response={201: DiscussionProposalOut}, summary="Propose a change"
)
def proposal_create(request: HttpRequest, playbook_id: int, payload: DiscussionProposalIn) -> Status[Any]:
    proposal = services.proposal_create(
        actor=_actor(request),
        playbook_id=playbook_id,
        title=payload.title,
        body=payload.body,
        entry_id=payload.entry_id,
        base_version=payload.base_version,
        reason=payload.reason,
    )
    return Status(201, proposal)


@router.post("/discussions/proposals/{proposal_id}/votes", response={204: None}, summary="Endorse or object")
def proposal_vote(request: HttpRequest, proposal_id: int, payload: DiscussionVoteIn) -> Status[None]:
    services.proposal_vote(actor=_actor(request), proposal_id=proposal_id, kind=payload.kind, comment=payload.comment)
    return Status(204, None)


@router.post(
    "/discussions/proposals/{proposal_id}/merge",
    response={200: DiscussionEntryOut, 409: Any},
    summary="Merge a proposal (409 when its entry changed meanwhile)",
)
def proposal_merge(request: HttpRequest, proposal_id: int) -> Any:
    try:
        entry = services.proposal_merge(actor=_actor(request), proposal_id=proposal_id)
    except services.Conflict as exc:
        raise HttpError(409, " ".join(exc.messages)) from exc
    entry.needs_review = False  # type: ignore[attr-defined]
    return entry


@router.get("/discussions/sessions", response=list[DiscussionSessionOut], summary="Peer sessions of my spaces")
@paginate(LimitOffsetPagination)
def sessions_list(request: HttpRequest):  # type: ignore[no-untyped-def]
    actor = _actor(request)
    require_authenticated(actor)
    return queries.session_list(space_ids=permissions.readable_space_ids(actor))


@router.post("/discussions/sessions", response={201: DiscussionSessionOut}, summary="Plan a peer session")
def session_create(request: HttpRequest, payload: DiscussionSessionIn) -> Status[Any]:
    session = services.session_create(
        actor=_actor(request),
        space_id=payload.space_id,
        title=payload.title,
        starts_at=payload.starts_at,
        duration_minutes=payload.duration_minutes,
        repeat_days=payload.repeat_days,
    )
    return Status(201, session)
