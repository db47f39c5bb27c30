"""Web pages of the vocabulary: the topic tree, segments and values; admins edit and import."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from peerloop.core import staging
from peerloop.core.permissions import NotFound
from peerloop.vocabulary import permissions, queries, services
from peerloop.vocabulary.forms import ImportForm, NamedForm, TopicForm
from peerloop.vocabulary.models import CompanyValue, Segment, Topic

FIELD_ALIASES = {"parent_id": "parent", "topic_id": None, "id": None}
# A previewed file waits here (and in the session under this key) until it is applied.
STAGING_KEY = "vocabulary_import"
STAGING_FOLDER = "imports/vocabulary"


def add_errors(form: Form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form fields it names."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            field = FIELD_ALIASES.get(name, name)
            for message in errors:
                form.add_error(field if field in form.fields else None, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def index(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    permissions.require_view(actor)
    tree = queries.topic_tree()
    context = {
        "nav": "vocabulary",
        "tree": tree,
        "topic_count": sum(node.size for node in tree),
        "segments": list(queries.segment_list()),
        "values": list(queries.company_value_list()),
        "can_edit": permissions.can_edit(actor),
    }
    return render(request, "vocabulary/index.html", context)


def _parent_choices(topic: Topic | None) -> list[tuple[int, str]]:
    """Topics that may be the parent: all but the topic itself and its descendants,
    indented by depth."""
    choices: list[tuple[int, str]] = []

    def walk(nodes: list[queries.TopicNode], depth: int) -> None:
        for node in nodes:
            if topic is not None and node.topic.pk == topic.pk:
                continue
            choices.append((node.topic.pk, "\u2003" * depth + node.topic.name))
            walk(node.children, depth + 1)

    walk(queries.topic_tree(), 0)
    return choices


@require_http_methods(["GET", "POST"])
def topic_create(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    permissions.require_edit(actor)
    initial = {"parent": request.GET.get("parent") or ""}
    form = TopicForm(request.POST or None, initial=initial, parent_choices=_parent_choices(None))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            topic = services.topic_create(
                actor=actor,
                name=data["name"],
                slug=data["slug"] or None,
                parent_id=data["parent"],
                synonyms=data["synonyms"],
                description=data["description"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"Topic “{topic.name}” created.")
            return redirect(reverse("vocabulary:index") + "#topics")
    return render(
        request, "vocabulary/topic_form.html", {"nav": "vocabulary", "form": form, "topic": None}, status=_status(form)
    )


@require_http_methods(["GET", "POST"])
def topic_edit(request: HttpRequest, topic_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    permissions.require_edit(actor)
    topic = queries.topic_get(topic_id=topic_id)
    if topic is None:
        raise NotFound()
    initial = {
        "name": topic.name,
        "slug": topic.slug,
        "parent": topic.parent_id or "",
        "synonyms": "; ".join(topic.synonyms),
        "description": topic.description,
    }
    form = TopicForm(request.POST or None, initial=initial, parent_choices=_parent_choices(topic))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            topic = services.topic_update(
                actor=actor,
                topic_id=topic.pk,
                name=data["name"],
                slug=data["slug"],
                parent_id=data["parent"],
                synonyms=data["synonyms"],
                description=data["description"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"Topic “{topic.name}” saved.")
            return redirect(reverse("vocabulary:index") + "#topics")
    children = [child.name for child in queries.topic_children(topic_id=topic.pk)]
    return render(
        request,
        "vocabulary/topic_form.html",
        {"nav": "vocabulary", "form": form, "topic": topic, "children": children},
        status=_status(form),
    )


@require_POST
def topic_delete(request: HttpRequest, topic_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    permissions.require_edit(actor)
    topic = queries.topic_get(topic_id=topic_id)
    if topic is None:
        raise NotFound()
    try:
        services.topic_delete(actor=actor, topic_id=topic.pk)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("vocabulary:topic_edit", topic_id=topic.pk)
    messages.success(request, f"Topic “{topic.name}” deleted.")
    return redirect(reverse("vocabulary:index") + "#topics")


def _status(form: Form) -> int:
    return 400 if form.is_bound and form.errors else 200


# --- segments and values share one form and one template ------------------------------

KINDS = {
    "segment": {
        "label": "segment",
        "anchor": "segments",
        "get": lambda pk: queries.segment_get(segment_id=pk),
        "create": services.segment_create,
        "update": lambda actor, pk, **f: services.segment_update(actor=actor, segment_id=pk, **f),
        "delete": lambda actor, pk: services.segment_delete(actor=actor, segment_id=pk),
    },
    "value": {
        "label": "company value",
        "anchor": "values",
        "get": lambda pk: queries.company_value_get(value_id=pk),
        "create": services.company_value_create,
        "update": lambda actor, pk, **f: services.company_value_update(actor=actor, value_id=pk, **f),
        "delete": lambda actor, pk: services.company_value_delete(actor=actor, value_id=pk),
    },
}


def _named_form(request: HttpRequest, kind: str, pk: int | None) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    permissions.require_edit(actor)
    spec = KINDS[kind]
    obj: Segment | CompanyValue | None = None
    if pk is not None:
        obj = spec["get"](pk)  # type: ignore[operator]
        if obj is None:
            raise NotFound()
    initial = {"name": obj.name, "slug": obj.slug, "description": obj.description} if obj else {}
    form = NamedForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if obj is None:
                obj = spec["create"](  # type: ignore[operator]
                    actor=actor, name=data["name"], slug=data["slug"] or None, description=data["description"]
                )
                verb = "created"
            else:
                obj = spec["update"](  # type: ignore[operator]
                    actor, obj.pk, name=data["name"], slug=data["slug"], description=data["description"]
                )
                verb = "saved"
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"{str(spec['label']).capitalize()} “{obj.name}” {verb}.")  # type: ignore[union-attr]
            return redirect(reverse("vocabulary:index") + f"#{spec['anchor']}")
    context = {"nav": "vocabulary", "form": form, "obj": obj, "kind": kind, "label": spec["label"]}
    return render(request, "vocabulary/named_form.html", context, status=_status(form))


def _named_delete(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    permissions.require_edit(actor)
    spec = KINDS[kind]
    obj = spec["get"](pk)  # type: ignore[operator]
    if obj is None:
        raise NotFound()
    spec["delete"](actor, obj.pk)  # type: ignore[operator]
    messages.success(request, f"{str(spec['label']).capitalize()} “{obj.name}” deleted.")
    return redirect(reverse("vocabulary:index") + f"#{spec['anchor']}")


@require_http_methods(["GET", "POST"])
def segment_create(request: HttpRequest) -> HttpResponse:
    return _named_form(request, "segment", None)


@require_http_methods(["GET", "POST"])
def segment_edit(request: HttpRequest, segment_id: int) -> HttpResponse:
    return _named_form(request, "segment", segment_id)


@require_POST
def segment_delete(request: HttpRequest, segment_id: int) -> HttpResponse:
    return _named_delete(request, "segment", segment_id)


@require_http_methods(["GET", "POST"])
def value_create(request: HttpRequest) -> HttpResponse:
    return _named_form(request, "value", None)


@require_http_methods(["GET", "POST"])
def value_edit(request: HttpRequest, value_id: int) -> HttpResponse:
    return _named_form(request, "value", value_id)


@require_POST
def value_delete(request: HttpRequest, value_id: int) -> HttpResponse:
    return _named_delete(request, "value", value_id)


# --- import -------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def import_view(request: HttpRequest) -> HttpResponse:
    """Upload, preview every error by line and column, then apply in one transaction."""
    actor = request.actor  # type: ignore[attr-defined]
    permissions.require_edit(actor)
    context: dict = {"nav": "vocabulary", "form": ImportForm(), "report": None}
    status = 200
    if request.method == "POST" and request.POST.get("action") == "apply":
        token = request.POST.get("token", "")
        staged = staging.staged_get(request.session, default_storage, key=STAGING_KEY, token=token)
        if staged is None:
            messages.error(request, "That preview has expired. Upload the file again.")
            return redirect("vocabulary:import")
        name = staged.name
        data = staging.staged_read(default_storage, staged)
        report = services.vocabulary_import_file(actor=actor, data=data, name=name, dry_run=False)
        if report.ok:
            staging.discard(request.session, default_storage, key=STAGING_KEY)
            messages.success(
                request,
                f"Imported {name}: {report.created} created, {report.updated} updated, {report.unchanged} unchanged.",
            )
            return redirect("vocabulary:index")
        context.update(report=report, file_name=name)
        status = 400
    elif request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        context["form"] = form
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > staging.max_upload_bytes():
                form.add_error("file", "The file is too large.")
                return render(request, "vocabulary/import.html", context, status=413)
            data = upload.read()
            report = services.vocabulary_import_file(actor=actor, data=data, name=upload.name, dry_run=True)
            context.update(report=report, file_name=upload.name)
            if report.ok:
                staged = staging.stage(
                    request.session,
                    default_storage,
                    key=STAGING_KEY,
                    folder=STAGING_FOLDER,
                    name=upload.name,
                    content=data,
                )
                context["token"] = staged.token
            else:
                status = 400
        else:
            status = 400
    return render(request, "vocabulary/import.html", context, status=status)
