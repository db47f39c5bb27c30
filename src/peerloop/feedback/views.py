"""Web pages of the feedback loop: owners (inbox, item, lessons, relative position,
manual entry, surveys) and program owners (queues, sources, upload, rules and SLAs,
loop health and the outer loop)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from peerloop.core import staging
from peerloop.core.permissions import NotFound, require_authenticated
from peerloop.feedback import permissions, queries, services
from peerloop.feedback.forms import (
    AnswerForm,
    EntryForm,
    RuleForm,
    SourceForm,
    SurveyForm,
    TransitionForm,
    UploadForm,
    WebhookForm,
    parse_mapping,
)
from peerloop.feedback.models import ItemState, SourceKind, Survey, WebhookDelivery
from peerloop.feedback.services import webhooks
from peerloop.people import queries as people_queries
from peerloop.spaces import queries as spaces_queries
from peerloop.vocabulary import queries as vocabulary_queries

STAGING_KEY = "feedback_upload"
STAGING_FOLDER = "imports/feedback"
PAGE = 50


def _message(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _actor(request: HttpRequest):  # type: ignore[no-untyped-def]
    return request.actor  # type: ignore[attr-defined]


# --- owners -----------------------------------------------------------------------------


def _inbox_context(request: HttpRequest, person_id: int) -> dict:
    state = request.GET.get("state", "")
    state = state if state in ItemState.values else ""
    items = list(queries.inbox(person_id=person_id, state=state or None)[:PAGE])
    return {"items": items, "state": state, "counts": queries.inbox_counts(person_id=person_id)}


def inbox(request: HttpRequest) -> HttpResponse:
    person_id = permissions.require_member(_actor(request))
    context = {"nav": "feedback", "sub": "inbox", **_inbox_context(request, person_id)}
    return render(request, "feedback/inbox.html", context)


def inbox_rows(request: HttpRequest) -> HttpResponse:
    """The inbox's rows, polled by htmx every few seconds."""
    person_id = permissions.require_member(_actor(request))
    return render(request, "feedback/_inbox_rows.html", _inbox_context(request, person_id))


def item(request: HttpRequest, item_id: int) -> HttpResponse:
    actor = _actor(request)
    found = permissions.require_item(actor, queries.item_get(item_id=item_id))
    is_owner = actor.person_id is not None and found.owner_id == actor.person_id
    context = {
        "nav": "feedback",
        "item": found,
        "tags": list(found.tags.all()),
        "transitions": list(queries.item_transitions(item_id=found.pk)),
        "lessons": list(queries.item_lessons(item_id=found.pk)),
        "can_move": is_owner or actor.is_admin,
        "can_retag": is_owner or permissions.can_run_loop(actor),
        "can_assign": permissions.can_run_loop(actor) and found.is_open,
        "topics": list(vocabulary_queries.topic_list().order_by("name")[:500])
        if is_owner or actor.is_program_owner
        else [],
        "form": TransitionForm(),
    }
    return render(request, "feedback/item.html", context)


@require_POST
def transition(request: HttpRequest, item_id: int) -> HttpResponse:
    actor = _actor(request)
    permissions.require_item(actor, queries.item_get(item_id=item_id), write=True)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a step.")
        return redirect("feedback:item", item_id=item_id)
    data = form.cleaned_data
    try:
        services.item_transition(
            actor=actor, item_id=item_id, action=data["action"], note=data["note"], root_cause=data["root_cause"],
            lesson=data["lesson"],
        )  # fmt: skip
    except ValidationError as exc:
        messages.error(request, _message(exc))
    else:
        done = {"acknowledge": "acknowledged", "learning": "marked as learning", "acted": "marked as acted on",
                "close": "closed; your lesson is shared with your peers", "reopen": "reopened"}  # fmt: skip
        messages.success(request, f"Feedback #{item_id} {done[data['action']]}.")
    return redirect("feedback:item", item_id=item_id)


@require_POST
def tags(request: HttpRequest, item_id: int) -> HttpResponse:
    actor = _actor(request)
    permissions.require_item(actor, queries.item_get(item_id=item_id))
    ids = [int(v) for v in request.POST.getlist("topic") if v.isdigit()]
    try:
        services.item_tags_set(actor=actor, item_id=item_id, topic_ids=ids)
    except ValidationError as exc:
        messages.error(request, _message(exc))
    else:
        messages.success(request, "Tags saved. The classifier learns from your correction.")
    return redirect("feedback:item", item_id=item_id)


@require_POST
def assign(request: HttpRequest, item_id: int) -> HttpResponse:
    actor = _actor(request)
    permissions.require_run_loop(actor, write=True)
    permissions.require_item(actor, queries.item_get(item_id=item_id))
    email = request.POST.get("email", "")
    person = people_queries.person_for_email(email=email)
    try:
        services.item_assign(actor=actor, item_id=item_id, person_id=person.pk if person else 0)
    except ValidationError as exc:
        messages.error(request, _message(exc))
    else:
        messages.success(request, f"Feedback #{item_id} assigned.")
    return redirect("feedback:item", item_id=item_id)


@require_POST
def discuss(request: HttpRequest, item_id: int) -> HttpResponse:
    actor = _actor(request)
    permissions.require_item(actor, queries.item_get(item_id=item_id), write=True)
    services.item_open_discussion_hook(actor=actor, item_id=item_id, question=request.POST.get("question", ""))
    messages.success(request, "Your peers are asked; the discussion opens where peers discuss.")
    return redirect("feedback:item", item_id=item_id)


def lessons(request: HttpRequest) -> HttpResponse:
    person_id = permissions.require_member(_actor(request))
    items = list(queries.lessons_for(person_id=person_id)[:PAGE])
    return render(request, "feedback/lessons.html", {"nav": "feedback", "sub": "lessons", "lessons": items,
                                                      "me": person_id})  # fmt: skip


def lesson(request: HttpRequest, lesson_id: int) -> HttpResponse:
    actor = _actor(request)
    permissions.require_member(actor)
    found = queries.lesson_get(lesson_id=lesson_id)
    if found is None or not permissions.can_see_lesson(
        actor, found, shared_ids=queries.lesson_shared_ids(lesson=found)
    ):
        raise NotFound()
    return render(request, "feedback/lesson.html", {"nav": "feedback", "sub": "lessons", "lesson": found})


def positions(request: HttpRequest) -> HttpResponse:
    person_id = permissions.require_member(_actor(request))
    context = {"nav": "feedback", "sub": "positions", **queries.relative_positions(person_id=person_id)}
    return render(request, "feedback/positions.html", context)


@require_POST
def learn_from(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    permissions.require_member(actor, write=True)
    raw = request.POST.get("peer", "")
    try:
        services.learn_from_request(
            actor=actor, peer_id=int(raw) if raw.isdigit() else 0, metric_code=request.POST.get("metric", "")[:64]
        )
    except ValidationError as exc:
        messages.error(request, _message(exc))
    else:
        messages.success(request, "Your request is sent: your peer is asked for an intro.")
    return redirect("feedback:positions")


@require_http_methods(["GET", "POST"])
def enter(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    permissions.require_member(actor, write=request.method == "POST")
    form = EntryForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                created = services.item_enter(actor=actor, values=form.cleaned_data)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                messages.success(request, f"Feedback #{created.pk} recorded and routed.")
                return redirect("feedback:enter")
        status = 400
    return render(request, "feedback/enter.html", {"nav": "feedback", "sub": "enter", "form": form}, status=status)


def _guest_spaces(actor) -> set[int]:  # type: ignore[no-untyped-def]
    return spaces_queries.space_ids_for_person(person_id=actor.person_id) if actor.person_id else set()


@require_http_methods(["GET", "POST"])
def surveys(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    require_authenticated(actor)
    if actor.person_id is None:
        raise NotFound()
    form = None
    status = 200
    if actor.is_program_owner:
        form = SurveyForm(request.POST or None)
        spaces = [(s.pk, s.name) for s in spaces_queries.space_list_for(actor=actor)[:200]]
        form.fields["space"].choices = [("", "Members (internal)"), *spaces]  # type: ignore[attr-defined]
    if request.method == "POST":
        permissions.require_run_loop(actor, write=True)
        assert form is not None
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.survey_create(actor=actor, title=data["title"], question=data["question"], kind=data["kind"],
                                       space_id=data["space"])  # fmt: skip
            except ValidationError as exc:
                messages.error(request, _message(exc))
            else:
                messages.success(request, "Survey published.")
                return redirect("feedback:surveys")
        status = 400
    items = list(queries.survey_list(space_ids=_guest_spaces(actor), internal=actor.is_internal)[:PAGE])
    context = {"nav": "feedback", "sub": "surveys", "surveys": items, "form": form}
    return render(request, "feedback/surveys.html", context, status=status)


@require_http_methods(["GET", "POST"])
def survey(request: HttpRequest, survey_id: int) -> HttpResponse:
    actor = _actor(request)
    found = permissions.require_survey(
        actor, queries.survey_get(survey_id=survey_id), guest_space_ids=_guest_spaces(actor),
        write=request.method == "POST",
    )  # fmt: skip
    form = AnswerForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.survey_answer(actor=actor, survey_id=found.pk, score=form.cleaned_data["score"],
                                       text=form.cleaned_data["text"])  # fmt: skip
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                messages.success(request, "Thank you: your answer reaches the people who can act on it.")
                return redirect("feedback:surveys")
        status = 400
    scale = range(11) if found.kind == Survey.Kind.NPS else range(1, 6) if found.kind == Survey.Kind.CSAT else []
    context = {"nav": "feedback", "sub": "surveys", "survey": found, "form": form, "scale": scale}
    return render(request, "feedback/survey.html", context, status=status)


# --- program owners ----------------------------------------------------------------------


def queue(request: HttpRequest) -> HttpResponse:
    permissions.require_run_loop(_actor(request))
    kind = "triage" if request.GET.get("kind") == "triage" else "fallback"
    qs = queries.item_list(fallback=True) if kind == "fallback" else queries.item_list(triage=True)
    if kind == "triage":
        qs = qs.filter(state__in=[ItemState.ROUTED, ItemState.ACKNOWLEDGED, ItemState.LEARNING, ItemState.ACTED])
    page = Paginator(qs, PAGE).get_page(request.GET.get("page"))
    return render(request, "feedback/queue.html", {"nav": "feedback", "sub": "queue", "kind": kind, "page": page})


@require_http_methods(["GET", "POST"])
def sources(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    permissions.require_run_loop(actor, write=request.method == "POST")
    form = SourceForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                created = services.source_create(actor=actor, name=data["name"], kind=data["kind"],
                                                 mapping=parse_mapping(data["mapping"]))  # fmt: skip
            except ValidationError as exc:
                messages.error(request, _message(exc))
            else:
                messages.success(request, f"Source “{created.name}” created.")
                return redirect("feedback:source", source_id=created.pk)
        status = 400
    context = {"nav": "feedback", "sub": "sources", "sources": list(queries.source_list()), "form": form}
    return render(request, "feedback/sources.html", context, status=status)


@require_http_methods(["GET", "POST"])
def source(request: HttpRequest, source_id: int) -> HttpResponse:
    actor = _actor(request)
    permissions.require_run_loop(actor, write=request.method == "POST")
    found = queries.source_get(source_id=source_id)
    if found is None:
        raise NotFound()
    if request.method == "POST":
        try:
            services.source_update(
                actor=actor, source_id=found.pk, mapping=parse_mapping(request.POST.get("mapping", "")),
                active=request.POST.get("active") == "on", rotate_secret=request.POST.get("rotate") == "1",
            )  # fmt: skip
        except ValidationError as exc:
            messages.error(request, _message(exc))
        else:
            messages.success(request, "Source saved.")
        return redirect("feedback:source", source_id=found.pk)
    mapping = "\n".join(f"{k} = {v}" for k, v in found.mapping.items())
    hook = request.build_absolute_uri(f"/api/v1/feedback/webhooks/{found.slug}")
    context = {"nav": "feedback", "sub": "sources", "source": found, "mapping": mapping, "hook_url": hook,
               "is_webhook": found.kind == SourceKind.WEBHOOK}  # fmt: skip
    return render(request, "feedback/source.html", context)


@require_http_methods(["GET", "POST"])
def outgoing_webhooks(request: HttpRequest) -> HttpResponse:
    """Program owners' endpoints that hear about the loop, and a form to add one."""
    actor = _actor(request)
    permissions.require_run_loop(actor, write=request.method == "POST")
    form = WebhookForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                created = webhooks.webhook_endpoint_create(
                    actor=actor, name=data["name"], url=data["url"], events=data["events"]
                )
            except ValidationError as exc:
                messages.error(request, _message(exc))
            else:
                messages.success(request, f"Webhook “{created.name}” added. Its secret is below.")
                return redirect("feedback:outgoing_webhook", endpoint_id=created.pk)
        status = 400
    context = {"nav": "feedback", "sub": "webhooks", "endpoints": list(queries.webhook_endpoint_list()), "form": form}
    return render(request, "feedback/webhooks.html", context, status=status)


@require_http_methods(["GET", "POST"])
def outgoing_webhook(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    """One endpoint: its settings, secret and signing headers, and its delivery log."""
    actor = _actor(request)
    permissions.require_run_loop(actor, write=request.method == "POST")
    found = queries.webhook_endpoint_get(endpoint_id=endpoint_id)
    if found is None:
        raise NotFound()
    if request.method == "POST":
        try:
            if request.POST.get("retry"):
                retried = webhooks.webhook_delivery_retry(
                    actor=actor, delivery_id=int(request.POST["retry"]), endpoint_id=found.pk
                )
                if retried is None:
                    messages.error(request, "That delivery is not dead (or its endpoint is off); nothing was sent.")
                else:
                    messages.success(request, "The delivery is queued again.")
            else:
                webhooks.webhook_endpoint_update(
                    actor=actor, endpoint_id=found.pk, name=request.POST.get("name", found.name),
                    url=request.POST.get("url", found.url), events=request.POST.getlist("events"),
                    active=request.POST.get("active") == "on", rotate_secret=request.POST.get("rotate") == "1",
                )  # fmt: skip
                messages.success(request, "Webhook saved.")
        except ValidationError as exc:
            messages.error(request, _message(exc))
        except ValueError:
            messages.error(request, "That is not a delivery of this webhook.")
        return redirect("feedback:outgoing_webhook", endpoint_id=found.pk)
    show = request.GET.get("status", "")
    show = show if show in WebhookDelivery.Status.values else ""
    log = Paginator(queries.webhook_delivery_list(endpoint_id=found.pk, status=show or None), PAGE)
    form = WebhookForm(initial={"name": found.name, "url": found.url, "events": found.events})
    context = {"nav": "feedback", "sub": "webhooks", "endpoint": found, "form": form, "show": show,
               "statuses": WebhookDelivery.Status.choices, "page": log.get_page(request.GET.get("page"))}  # fmt: skip
    return render(request, "feedback/webhook.html", context)


@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    """Upload a CSV or JSON Lines file: preview every error by line and column, then apply."""
    actor = _actor(request)
    permissions.require_run_loop(actor, write=request.method == "POST")
    context: dict = {"nav": "feedback", "sub": "upload", "form": UploadForm(), "report": None}
    status = 200
    if request.method == "POST" and request.POST.get("action") == "apply":
        staged = staging.staged_get(request.session, default_storage, key=STAGING_KEY,
                                    token=request.POST.get("token", ""))  # fmt: skip
        if staged is None:
            messages.error(request, "That preview has expired. Upload the file again.")
            return redirect("feedback:upload")
        data = staging.staged_read(default_storage, staged)
        report = services.item_import_file(actor=actor, data=data, name=staged.name, dry_run=False)
        if report.ok:
            staging.discard(request.session, default_storage, key=STAGING_KEY)
            messages.success(request, f"Imported {staged.name}: {report.created} items, routed in the background.")
            return redirect("feedback:health")
        context.update(report=report, file_name=staged.name)
        status = 400
    elif request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        context["form"] = form
        if form.is_valid():
            file = form.cleaned_data["file"]
            if file.size > staging.max_upload_bytes():
                form.add_error("file", "The file is too large.")
                return render(request, "feedback/upload.html", context, status=413)
            data = file.read()
            report = services.item_import_file(actor=actor, data=data, name=file.name, dry_run=True)
            context.update(report=report, file_name=file.name)
            if report.ok:
                staged = staging.stage(request.session, default_storage, key=STAGING_KEY, folder=STAGING_FOLDER,
                                       name=file.name, content=data)  # fmt: skip
                context["token"] = staged.token
            else:
                status = 400
        else:
            status = 400
    return render(request, "feedback/upload.html", context, status=status)


def _rule_form(data=None) -> RuleForm:  # type: ignore[no-untyped-def]
    form = RuleForm(data)
    topics = [(t.pk, t.name) for t in vocabulary_queries.topic_list().order_by("name")[:500]]
    regions = [(r.pk, r.name) for r in people_queries.region_list().order_by("name")[:500]]
    form.fields["topic"].choices = [("", "Any topic"), *topics]  # type: ignore[attr-defined]
    form.fields["region"].choices = [("", "Any region"), *regions]  # type: ignore[attr-defined]
    return form


@require_http_methods(["GET", "POST"])
def rules(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    permissions.require_run_loop(actor, write=request.method == "POST")
    form = _rule_form(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.rule_save(
                    actor=actor, name=d["name"], role_family=d["role_family"], min_level=d["min_level"],
                    scope=d["scope"], priority=d["priority"], topic_id=d["topic"], segment=d["segment"],
                    region_id=d["region"], score_max=d["score_max"], sla_hours=d["sla_hours"],
                )  # fmt: skip
            except ValidationError as exc:
                messages.error(request, _message(exc))
            else:
                messages.success(request, "Routing rule saved.")
                return redirect("feedback:rules")
        status = 400
    context = {"nav": "feedback", "sub": "rules", "rules": list(queries.rule_list()), "form": form}
    return render(request, "feedback/rules.html", context, status=status)


@require_POST
def rule_delete(request: HttpRequest, rule_id: int) -> HttpResponse:
    actor = _actor(request)
    permissions.require_run_loop(actor, write=True)
    services.rule_delete(actor=actor, rule_id=rule_id)
    messages.success(request, "Routing rule deleted.")
    return redirect("feedback:rules")


def health(request: HttpRequest) -> HttpResponse:
    permissions.require_run_loop(_actor(request))
    data = queries.loop_health()
    trends = queries.outer_loop()
    weeks = queries.weekly_volumes()
    top = max([n for _, n in weeks] + [1])
    biggest = max([t.volume for t in trends] + [1])
    context = {"nav": "feedback", "sub": "health", "health": data, "trends": trends[:30],
               "weeks": [(label, n, round(100 * n / top)) for label, n in weeks], "biggest": biggest}  # fmt: skip
    return render(request, "feedback/health.html", context)
