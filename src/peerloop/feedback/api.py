"""REST endpoints of the feedback loop (mounted under /api/v1 by peerloop.api).

Program owners and admins ingest (one item or a batch, with an ``Idempotency-Key``
header), upload files, manage sources, routing rules, surveys and read the loop's
health and trends. Employees read and move their own items, correct tags, read their
lessons and relative position. The inbound webhook is anonymous and authenticated by
its HMAC signature. Service errors leave as 422 problem details naming the field.
"""

from datetime import datetime
import json
from typing import Any

from django.db.models import prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from peerloop.core.permissions import NotFound, require_authenticated
from peerloop.core.roles import Actor
from peerloop.feedback import permissions, queries, services
from peerloop.feedback.models import FeedbackItem, FeedbackSource, Lesson, RoutingRule, Survey
from peerloop.feedback.services import webhooks
from peerloop.spaces import queries as spaces_queries

router = Router(tags=["feedback"])


def _actor(request: HttpRequest) -> Actor:
    return request.actor  # type: ignore[attr-defined,no-any-return]


# --- schemas ----------------------------------------------------------------------------


class FeedbackItemIn(Schema):
    text: str = Field(..., max_length=10_000)
    score: float | None = Field(None, ge=0, le=10)
    channel: str = Field("", max_length=80)
    segment: str = Field("", max_length=120)
    product: str = Field("", max_length=160)
    region: str = Field("", max_length=64, description="A region's code")
    unit: str = Field("", max_length=64, description="A unit's code")
    occurred_at: datetime | None = None
    idempotency_key: str = Field("", max_length=200, description="Unique per source: a retry stores nothing twice")
    attributes: dict[str, Any] = Field(default_factory=dict)


class FeedbackBatchIn(Schema):
    items: list[FeedbackItemIn] = Field(..., min_length=1, max_length=1000)
    source_id: int | None = Field(None, description="An API source; the default API source when empty")


class FeedbackTagOut(Schema):
    topic_id: int
    topic: str
    confidence: float
    origin: str


class FeedbackItemOut(Schema):
    id: int
    source_id: int
    state: str
    text: str
    score: float | None
    channel: str
    segment: str
    product: str
    region_id: int | None
    unit_id: int | None
    occurred_at: datetime
    received_at: datetime
    owner_id: int | None
    in_fallback: bool
    needs_triage: bool
    due_at: datetime | None
    attributes: dict[str, Any]
    tags: list[FeedbackTagOut]

    @staticmethod
    def resolve_tags(obj: Any) -> list[dict[str, Any]]:
        if isinstance(obj, dict):
            return obj["tags"]  # type: ignore[no-any-return]
        if obj.state == "new" and "tags" not in getattr(obj, "_prefetched_objects_cache", {}):
            return []  # not processed yet: no tags
        return [
            {"topic_id": t.topic_id, "topic": t.topic.name, "confidence": t.confidence, "origin": t.origin}
            for t in obj.tags.all()
        ]


class FeedbackBatchOut(Schema):
    items: list[FeedbackItemOut]


class FeedbackTransitionIn(Schema):
    action: str = Field(..., description="acknowledge, learning, acted, close or reopen")
    note: str = Field("", max_length=500)
    root_cause: str = Field("", max_length=5000, description="Required to close")
    lesson: str = Field("", max_length=10_000, description="Required to close")


class FeedbackTagsIn(Schema):
    topic_ids: list[int] = Field(..., min_length=1, max_length=20)


class FeedbackAssignIn(Schema):
    person_id: int


class FeedbackDiscussionIn(Schema):
    question: str = Field("", max_length=200)


class FeedbackDiscussionOut(Schema):
    item_id: int
    title: str
    body: str
    topic_ids: list[int]


class FeedbackItemFilters(Schema):
    state: str | None = None
    fallback: bool | None = None
    triage: bool | None = None
    owner_id: int | None = None
    topic_id: int | None = None
    source_id: int | None = None


class FeedbackLessonOut(Schema):
    id: int
    item_id: int
    author_id: int
    root_cause: str
    text: str
    created_at: datetime


class FeedbackSourceIn(Schema):
    name: str = Field(..., max_length=160)
    kind: str = Field(..., description="upload, api, webhook, survey or manual")
    slug: str = Field("", max_length=80)
    mapping: dict[str, str] = Field(default_factory=dict, description="item field -> dotted path")


class FeedbackSourcePatch(Schema):
    name: str | None = Field(None, max_length=160)
    mapping: dict[str, str] | None = None
    active: bool | None = None
    rotate_secret: bool = False


class FeedbackSourceOut(Schema):
    id: int
    name: str
    slug: str
    kind: str
    mapping: dict[str, Any]
    active: bool


class FeedbackSourceSecretOut(FeedbackSourceOut):
    secret: str = Field(..., description="The webhook's HMAC secret (shown to program owners)")


class FeedbackRuleIn(Schema):
    name: str = Field(..., max_length=160)
    role_family: str = Field(..., max_length=80)
    min_level: int = Field(1, ge=1, le=20)
    scope: str = Field("region", description="region, unit or anywhere")
    priority: int = Field(100, ge=0, le=100_000)
    topic_id: int | None = None
    segment: str = Field("", max_length=120)
    region_id: int | None = None
    unit_id: int | None = None
    score_max: float | None = Field(None, ge=0, le=10)
    sla_hours: int = Field(48, ge=1, le=2160)
    active: bool = True


class FeedbackRuleOut(Schema):
    id: int
    name: str
    role_family: str
    min_level: int
    scope: str
    priority: int
    topic_id: int | None
    segment: str
    region_id: int | None
    unit_id: int | None
    score_max: float | None
    sla_hours: int
    active: bool


class FeedbackSurveyIn(Schema):
    title: str = Field(..., max_length=200)
    question: str = Field(..., max_length=300)
    kind: str = Field("nps", description="nps, csat or text")
    space_id: int | None = None


class FeedbackSurveyOut(Schema):
    id: int
    title: str
    question: str
    kind: str
    space_id: int | None


class FeedbackAnswerIn(Schema):
    score: int | None = Field(None, ge=0, le=10)
    text: str = Field("", max_length=10_000)


class FeedbackAnswerOut(Schema):
    item_id: int


class FeedbackUploadIn(Schema):
    name: str = Field(..., max_length=200, description="The file's name: .csv or .jsonl")
    content: str = Field(..., description="The file's text")
    dry_run: bool = True


class FeedbackUploadOut(Schema):
    dry_run: bool
    rows: int
    created: int


class FeedbackWebhookOut(Schema):
    accepted: int
    event: str


class FeedbackLatencyOut(Schema):
    stage: str
    count: int
    median_seconds: float | None
    p90_seconds: float | None


class FeedbackHealthOut(Schema):
    since: datetime
    total: int
    states: dict[str, int]
    fallback: int
    triage: int
    overdue: int
    latency: list[FeedbackLatencyOut]
    closed_within_sla: float | None = Field(None, description="Percent of closed items closed within their SLA")
    lessons: int


class FeedbackTrendOut(Schema):
    topic_id: int
    name: str
    volume: int
    previous: int
    mean_score: float | None
    emerging: bool
    segments: list[tuple[str, int]]


class FeedbackStandingOut(Schema):
    label: str
    code: str
    direction: str
    my_value: float | None
    rank: int | None
    of: int
    best_unit: str
    best_value: float | None
    best_person_id: int | None
    best_person_name: str


class FeedbackLearnFromIn(Schema):
    peer_id: int
    metric_code: str = Field("", max_length=64)


class FeedbackLearnFromOut(Schema):
    peer_id: int


# --- helpers ----------------------------------------------------------------------------


ITEM_FIELDS = (
    "id", "source_id", "state", "text", "score", "channel", "segment", "product", "region_id", "unit_id",
    "occurred_at", "received_at", "owner_id", "in_fallback", "needs_triage", "due_at", "attributes",
)  # fmt: skip


def _item_out(item: FeedbackItem) -> dict[str, Any]:
    out = {name: getattr(item, name) for name in ITEM_FIELDS}
    out["tags"] = FeedbackItemOut.resolve_tags(item)
    return out


def _batch_out(items: list[FeedbackItem]) -> FeedbackBatchOut:
    """The ingest's answer, built without validation: every value is a stored item's, of the
    schema's type already, and ninja renders a model of the response's type without
    validating it again. Validating a dict through the schema cost more than storing the
    item (single-item ingest is the API's busiest write)."""
    out = []
    for item in items:
        fields = _item_out(item)
        fields["tags"] = [FeedbackTagOut.model_construct(**t) for t in fields["tags"]]
        out.append(FeedbackItemOut.model_construct(**fields))
    return FeedbackBatchOut.model_construct(items=out)


def _problem(request: HttpRequest, status: int, title: str, detail: str, **extra: Any) -> HttpResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, "instance": request.path}
    return HttpResponse(json.dumps({**body, **extra}), status=status, content_type="application/problem+json")


def _item_for(actor: Actor, item_id: int, *, write: bool = False) -> FeedbackItem:
    return permissions.require_item(actor, queries.item_get(item_id=item_id), write=write)


# --- items ------------------------------------------------------------------------------


@router.post(
    "/feedback/items",
    response={201: FeedbackBatchOut, 200: FeedbackBatchOut},
    summary="Ingest one item or a batch (Idempotency-Key header: a retry gets the same answer)",
)
def items_ingest(request: HttpRequest, payload: FeedbackBatchIn) -> Any:
    actor = _actor(request)
    permissions.require_run_loop(actor, write=True)

    def work() -> tuple[int, FeedbackBatchOut]:
        items = services.items_ingest(
            actor=actor, records=[i.dict() for i in payload.items], source_id=payload.source_id
        )
        if any(i.state != "new" for i in items):
            prefetch_related_objects(items, "tags__topic")
        return 201, _batch_out(items)

    key = request.headers.get("Idempotency-Key")
    if key is None:
        status, body = work()
        return Status(status, body)
    scope = f"api:{actor.user_id}"
    done = None
    if len(payload.items) == 1:  # the busiest write: one round trip on PostgreSQL
        done = services.item_ingest_receipted(
            actor=actor, record=payload.items[0].dict(), source_id=payload.source_id, scope=scope, key=key,
            body=request.body, respond=lambda item: (201, _batch_out([item])), keep=_kept, item_at=("items", 0),
        )  # fmt: skip
    status, body = done or services.with_receipt(scope=scope, key=key, body=request.body, work=work, keep=_kept)
    return Status(status, body)


def _kept(answer: FeedbackBatchOut) -> Any:
    """What the receipt keeps of an ingest's answer, for a retry."""
    return answer.model_dump(mode="json")


@router.get("/feedback/items", response=list[FeedbackItemOut], summary="Items (program owners: all; others: theirs)")
@paginate(LimitOffsetPagination)
def items_list(request: HttpRequest, filters: Query[FeedbackItemFilters]):  # type: ignore[no-untyped-def]
    actor = _actor(request)
    person_id = permissions.require_member(actor) if not actor.is_program_owner else actor.person_id
    owner_id = filters.owner_id if actor.is_program_owner else person_id
    qs = queries.item_list(
        state=filters.state, fallback=filters.fallback, triage=filters.triage, owner_id=owner_id,
        topic_id=filters.topic_id, source_id=filters.source_id,
    )  # fmt: skip
    if not actor.is_program_owner and owner_id is None:
        return []
    return qs


@router.get("/feedback/items/{item_id}", response=FeedbackItemOut, summary="One item")
def item_get(request: HttpRequest, item_id: int) -> dict[str, Any]:
    return _item_out(_item_for(_actor(request), item_id))


@router.post("/feedback/items/{item_id}/transitions", response=FeedbackItemOut, summary="Move an item one step")
def item_transition(request: HttpRequest, item_id: int, payload: FeedbackTransitionIn) -> dict[str, Any]:
    actor = _actor(request)
    _item_for(actor, item_id, write=True)
    services.item_transition(
        actor=actor, item_id=item_id, action=payload.action, note=payload.note, root_cause=payload.root_cause,
        lesson=payload.lesson,
    )  # fmt: skip
    return _item_out(_item_for(actor, item_id))


@router.put("/feedback/items/{item_id}/tags", response=FeedbackItemOut, summary="Correct an item's tags")
def item_tags(request: HttpRequest, item_id: int, payload: FeedbackTagsIn) -> dict[str, Any]:
    actor = _actor(request)
    _item_for(actor, item_id)
    services.item_tags_set(actor=actor, item_id=item_id, topic_ids=payload.topic_ids)
    return _item_out(_item_for(actor, item_id))


@router.post("/feedback/items/{item_id}/assign", response=FeedbackItemOut, summary="Give an open item to a person")
def item_assign(request: HttpRequest, item_id: int, payload: FeedbackAssignIn) -> dict[str, Any]:
    actor = _actor(request)
    permissions.require_run_loop(actor, write=True)
    _item_for(actor, item_id)
    services.item_assign(actor=actor, item_id=item_id, person_id=payload.person_id)
    return _item_out(_item_for(actor, item_id))


@router.post("/feedback/items/{item_id}/discussion", response=FeedbackDiscussionOut, summary="Open a peer discussion")
def item_discussion(request: HttpRequest, item_id: int, payload: FeedbackDiscussionIn) -> dict[str, Any]:
    actor = _actor(request)
    _item_for(actor, item_id, write=True)
    return services.item_open_discussion_hook(actor=actor, item_id=item_id, question=payload.question)


# --- lessons, positions -------------------------------------------------------------------


@router.get("/feedback/lessons", response=list[FeedbackLessonOut], summary="Lessons I wrote or received")
@paginate(LimitOffsetPagination)
def lessons_list(request: HttpRequest):  # type: ignore[no-untyped-def]
    return queries.lessons_for(person_id=permissions.require_member(_actor(request)))


@router.get("/feedback/lessons/{lesson_id}", response=FeedbackLessonOut, summary="One lesson")
def lesson_get(request: HttpRequest, lesson_id: int) -> Lesson:
    actor = _actor(request)
    permissions.require_member(actor)
    lesson = queries.lesson_get(lesson_id=lesson_id)
    if lesson is None or not permissions.can_see_lesson(
        actor, lesson, shared_ids=queries.lesson_shared_ids(lesson=lesson)
    ):
        raise NotFound()
    return lesson


@router.get("/feedback/positions", response=list[FeedbackStandingOut], summary="Where my unit stands among peers")
def positions(request: HttpRequest) -> list[Any]:
    person_id = permissions.require_member(_actor(request))
    return queries.relative_positions(person_id=person_id)["standings"]  # type: ignore[no-any-return]


@router.post("/feedback/learn-from", response={201: FeedbackLearnFromOut}, summary="Ask a peer who does best")
def learn_from(request: HttpRequest, payload: FeedbackLearnFromIn) -> Any:
    peer = services.learn_from_request(actor=_actor(request), peer_id=payload.peer_id, metric_code=payload.metric_code)
    return Status(201, {"peer_id": peer})


# --- program owners -----------------------------------------------------------------------


@router.get("/feedback/sources", response=list[FeedbackSourceOut], summary="Feedback sources")
@paginate(LimitOffsetPagination)
def sources_list(request: HttpRequest):  # type: ignore[no-untyped-def]
    permissions.require_run_loop(_actor(request))
    return queries.source_list()


@router.post("/feedback/sources", response={201: FeedbackSourceSecretOut}, summary="Add a source")
def source_create(request: HttpRequest, payload: FeedbackSourceIn) -> Any:
    source = services.source_create(
        actor=_actor(request), name=payload.name, kind=payload.kind, slug=payload.slug, mapping=payload.mapping
    )
    return Status(201, source)


@router.patch("/feedback/sources/{source_id}", response=FeedbackSourceSecretOut, summary="Change a source")
def source_update(request: HttpRequest, source_id: int, payload: FeedbackSourcePatch) -> FeedbackSource:
    return services.source_update(
        actor=_actor(request), source_id=source_id, name=payload.name, mapping=payload.mapping,
        active=payload.active, rotate_secret=payload.rotate_secret,
    )  # fmt: skip


# url_name: recognition's earning rules have operations of the same function names.
@router.get(
    "/feedback/rules",
    response=list[FeedbackRuleOut],
    summary="Routing rules, in the order they run",
    url_name="feedback_rules_list",
)
@paginate(LimitOffsetPagination)
def rules_list(request: HttpRequest):  # type: ignore[no-untyped-def]
    permissions.require_run_loop(_actor(request))
    return queries.rule_list()


@router.post(
    "/feedback/rules", response={201: FeedbackRuleOut}, summary="Add a routing rule", url_name="feedback_rule_create"
)
def rule_create(request: HttpRequest, payload: FeedbackRuleIn) -> Any:
    return Status(201, services.rule_save(actor=_actor(request), **payload.dict()))


@router.put("/feedback/rules/{rule_id}", response=FeedbackRuleOut, summary="Change a routing rule")
def rule_update(request: HttpRequest, rule_id: int, payload: FeedbackRuleIn) -> RoutingRule:
    return services.rule_save(actor=_actor(request), rule_id=rule_id, **payload.dict())


@router.delete("/feedback/rules/{rule_id}", response={204: None}, summary="Delete a routing rule")
def rule_delete(request: HttpRequest, rule_id: int) -> Any:
    services.rule_delete(actor=_actor(request), rule_id=rule_id)
    return Status(204, None)


@router.post("/feedback/imports", response=FeedbackUploadOut, summary="Check or apply a CSV / JSON Lines file")
def upload(request: HttpRequest, payload: FeedbackUploadIn) -> Any:
    actor = _actor(request)
    permissions.require_run_loop(actor, write=True)
    report = services.item_import_file(
        actor=actor, data=payload.content.encode(), name=payload.name, dry_run=payload.dry_run
    )
    if report.errors:
        return _problem(
            request, 422, "Invalid input", f"{len(report.errors)} problems; nothing was stored.",
            errors=[{"line": e.line, "column": e.column, "message": e.message} for e in report.errors[:200]],
        )  # fmt: skip
    return {"dry_run": report.dry_run, "rows": report.rows, "created": report.created}


@router.get("/feedback/health", response=FeedbackHealthOut, summary="Health of the loop (30 days)")
def health(request: HttpRequest) -> dict[str, Any]:
    permissions.require_run_loop(_actor(request))
    return queries.loop_health()


@router.get("/feedback/trends", response=list[FeedbackTrendOut], summary="Topics: volumes, scores, emerging")
def trends(request: HttpRequest) -> list[Any]:
    permissions.require_run_loop(_actor(request))
    return queries.outer_loop()[:100]


# --- surveys ------------------------------------------------------------------------------


@router.get("/feedback/surveys", response=list[FeedbackSurveyOut], summary="Surveys I may answer")
@paginate(LimitOffsetPagination)
def surveys_list(request: HttpRequest):  # type: ignore[no-untyped-def]
    actor = _actor(request)
    require_authenticated(actor)
    if actor.person_id is None:
        raise NotFound()
    spaces = spaces_queries.space_ids_for_person(person_id=actor.person_id)
    return queries.survey_list(space_ids=spaces, internal=actor.is_internal)


@router.post("/feedback/surveys", response={201: FeedbackSurveyOut}, summary="Publish a survey")
def survey_create(request: HttpRequest, payload: FeedbackSurveyIn) -> Any:
    survey: Survey = services.survey_create(actor=_actor(request), **payload.dict())
    return Status(201, survey)


@router.post("/feedback/surveys/{survey_id}/answers", response={201: FeedbackAnswerOut}, summary="Answer a survey")
def survey_answer(request: HttpRequest, survey_id: int, payload: FeedbackAnswerIn) -> Any:
    item = services.survey_answer(actor=_actor(request), survey_id=survey_id, score=payload.score, text=payload.text)
    return Status(201, {"item_id": item.pk})


# --- the webhook --------------------------------------------------------------------------


@router.post(
    "/feedback/webhooks/{slug}",
    auth=None,
    response={202: FeedbackWebhookOut},
    summary="Inbound webhook (HMAC-SHA256 signed; no token)",
    openapi_extra={
        "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}, "required": True},
        "parameters": [
            {"name": "X-Peerloop-Timestamp", "in": "header", "required": True, "schema": {"type": "string"}},
            {"name": "X-Peerloop-Signature", "in": "header", "required": True, "schema": {"type": "string"}},
            {"name": "X-Peerloop-Event", "in": "header", "required": False, "schema": {"type": "string"}},
        ],
    },
)
def webhook(request: HttpRequest, slug: str) -> Any:
    try:
        status, body = services.webhook_receive(
            source_slug=slug,
            body=request.body,
            signature=request.headers.get("X-Peerloop-Signature", ""),
            timestamp=request.headers.get("X-Peerloop-Timestamp", ""),
            event_id=request.headers.get("X-Peerloop-Event", ""),
        )
    except services.WebhookRefused as exc:
        return _problem(request, 401, "Unauthorized", exc.message)
    return Status(status, body)


# --- outgoing webhooks --------------------------------------------------------------------


class OutgoingWebhookIn(Schema):
    name: str = Field(..., max_length=160)
    url: str = Field(..., max_length=500, description="http(s); never loopback, private or link-local addresses")
    events: list[str] = Field(
        ..., description="item.routed, item.acknowledged, item.closed, lesson.shared, item.sla_breached"
    )


class OutgoingWebhookPatch(Schema):
    name: str | None = Field(None, max_length=160)
    url: str | None = Field(None, max_length=500)
    events: list[str] | None = None
    active: bool | None = Field(None, description="Turning it on again clears its failure count")
    rotate_secret: bool = False


class OutgoingWebhookOut(Schema):
    id: int
    name: str
    url: str
    events: list[str]
    active: bool
    failures_in_a_row: int
    disabled_reason: str


class OutgoingWebhookSecretOut(OutgoingWebhookOut):
    secret: str = Field(..., description="The HMAC-SHA256 key of the Peerloop-Webhook-Signature header")


class WebhookDeliveryOut(Schema):
    id: int
    event: str
    event_key: str = Field(..., description="The Peerloop-Webhook-Id header: the same on every attempt")
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str
    created_at: datetime
    delivered_at: datetime | None
    payload: dict[str, Any]


class WebhookDeliveryFilters(Schema):
    status: str | None = Field(None, description="pending, sending, delivered, failed or dead")


def _endpoint(request: HttpRequest, endpoint_id: int) -> Any:
    permissions.require_run_loop(_actor(request))
    found = queries.webhook_endpoint_get(endpoint_id=endpoint_id)
    if found is None:
        raise NotFound()
    return found


@router.get("/feedback/outgoing-webhooks", response=list[OutgoingWebhookOut], summary="Outgoing webhooks")
@paginate(LimitOffsetPagination)
def outgoing_webhooks_list(request: HttpRequest):  # type: ignore[no-untyped-def]
    permissions.require_run_loop(_actor(request))
    return queries.webhook_endpoint_list()


@router.post("/feedback/outgoing-webhooks", response={201: OutgoingWebhookSecretOut}, summary="Add an outgoing webhook")
def outgoing_webhook_create(request: HttpRequest, payload: OutgoingWebhookIn) -> Any:
    endpoint = webhooks.webhook_endpoint_create(
        actor=_actor(request), name=payload.name, url=payload.url, events=payload.events
    )
    return Status(201, endpoint)


@router.get(
    "/feedback/outgoing-webhooks/{endpoint_id}", response=OutgoingWebhookSecretOut, summary="One outgoing webhook"
)
def outgoing_webhook_get(request: HttpRequest, endpoint_id: int) -> Any:
    return _endpoint(request, endpoint_id)


@router.patch(
    "/feedback/outgoing-webhooks/{endpoint_id}", response=OutgoingWebhookSecretOut, summary="Change an outgoing webhook"
)
def outgoing_webhook_update(request: HttpRequest, endpoint_id: int, payload: OutgoingWebhookPatch) -> Any:
    return webhooks.webhook_endpoint_update(
        actor=_actor(request), endpoint_id=endpoint_id, name=payload.name, url=payload.url, events=payload.events,
        active=payload.active, rotate_secret=payload.rotate_secret,
    )  # fmt: skip


@router.get(
    "/feedback/outgoing-webhooks/{endpoint_id}/deliveries",
    response=list[WebhookDeliveryOut],
    summary="An outgoing webhook's delivery log, newest first",
)
@paginate(LimitOffsetPagination)
def outgoing_webhook_deliveries(request: HttpRequest, endpoint_id: int, filters: Query[WebhookDeliveryFilters]):  # type: ignore[no-untyped-def]
    endpoint = _endpoint(request, endpoint_id)
    return queries.webhook_delivery_list(endpoint_id=endpoint.pk, status=filters.status or None)


@router.post(
    "/feedback/outgoing-webhooks/{endpoint_id}/deliveries/{delivery_id}/retry",
    response=WebhookDeliveryOut,
    summary="Send a dead delivery again",
)
def outgoing_webhook_retry(request: HttpRequest, endpoint_id: int, delivery_id: int) -> Any:
    endpoint = _endpoint(request, endpoint_id)
    row = webhooks.webhook_delivery_retry(actor=_actor(request), delivery_id=delivery_id, endpoint_id=endpoint.pk)
    if row is None:
        return _problem(request, 409, "Conflict", "Only a dead delivery of a webhook that is on is sent again.")
    return row
