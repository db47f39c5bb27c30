"""Web pages of programs and metrics."""

from functools import partial

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from peerloop.core import staging
from peerloop.core.permissions import NotFound
from peerloop.core.services import job_create
from peerloop.core.tasks import actor_params, enqueue_on_commit
from peerloop.people import queries as people_queries
from peerloop.programs import catalog, permissions, queries, services
from peerloop.programs.forms import KpiForm, MetricForm, ProgramCreateForm, ProgramForm, UploadForm
from peerloop.programs.models import Mechanism, Program
from peerloop.programs.tasks import metric_value_import_task
from peerloop.spaces import queries as spaces_queries

PAGE_SIZE = 24
# The order of the status buttons: the gentle move first, closing last.
STATUS_ORDER = ("active", "paused", "closed")
# A previewed file waits here (and in the session under this key) until it is applied.
STAGING_KEY = "metric_values_import"
STAGING_FOLDER = "imports/metrics"
# Files larger than this are applied in the background, with a progress bar.
BACKGROUND_BYTES = 1024 * 1024
# Service field names and the form fields that show their errors.
FIELD_ALIASES = {
    "owner_id": "owner",
    "sponsor_id": "sponsor",
    "audience_space_id": "space",
    "audience_filter": "units",
    "metric_id": "metric",
}


def add_errors(form: Form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            field = FIELD_ALIASES.get(name, name)
            for message in errors:
                form.add_error(field if field in form.fields else None, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def _status(form: Form) -> int:
    return 400 if form.is_bound and form.errors else 200


def _get_program(program_id: int) -> Program:
    program = queries.program_get(program_id=program_id)
    if program is None:
        raise NotFound()
    return program


# --- programs -------------------------------------------------------------------------


def program_list(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    permissions.require_view(actor)
    status = request.GET.get("status", "")
    if status not in Program.Status.values:
        status = ""
    q = request.GET.get("q", "").strip()[:100]
    page = Paginator(queries.program_list(status=status or None, q=q or None), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    programs = list(page.object_list)
    progress = queries.kpi_progress_for(programs=programs)
    cards = [{"program": p, "mechanisms": queries.mechanism_labels(p), "kpis": progress[p.pk]} for p in programs]
    context = {
        "nav": "programs",
        "cards": cards,
        "page": page,
        "status": status,
        "q": q,
        "statuses": Program.Status.choices,
        "can_create": permissions.can_create(actor),
        "can_manage_metrics": permissions.can_manage_metrics(actor),
    }
    return render(request, "programs/list.html", context)


def program_detail(request: HttpRequest, program_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    permissions.require_view(actor)
    program = _get_program(program_id)
    return _render_detail(request, program, kpi_form=None)


def _render_detail(
    request: HttpRequest, program: Program, *, kpi_form: KpiForm | None, status: int = 200
) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    can_edit = permissions.can_edit(actor, program)
    if can_edit and kpi_form is None:
        kpi_form = KpiForm(metric_choices=queries.metric_choices())
    context = {
        "nav": "programs",
        "program": program,
        "mechanisms": queries.mechanism_labels(program),
        "audience": queries.audience_summary(program=program),
        "audience_size": queries.program_audience(program=program).count(),
        "kpis": queries.kpi_progress(program=program),
        "can_edit": can_edit,
        "transitions": [s for s in STATUS_ORDER if s in services.TRANSITIONS[program.status]] if can_edit else [],
        "status_labels": dict(Program.Status.choices),
        "kpi_form": kpi_form,
    }
    return render(request, "programs/detail.html", context, status=status)


def _choices(actor: object) -> dict:
    return {
        "unit_choices": list(people_queries.unit_list().values_list("id", "name")),
        "region_choices": list(people_queries.region_list().values_list("id", "name")),
        "space_choices": list(spaces_queries.space_list_for(actor=actor).values_list("id", "name")),  # type: ignore[arg-type]
    }


def _person_id(email: str) -> int | None:
    if not email:
        return None
    return (
        people_queries.person_list(include_inactive=True)
        .filter(email=email.strip().lower())
        .order_by()
        .values_list("id", flat=True)
        .first()
    )


def _people(form: ProgramForm) -> tuple[int | None, int | None] | None:
    """(owner id, sponsor id) from the emails; None (with form errors) when unknown."""
    owner_id = _person_id(form.cleaned_data["owner"])
    sponsor_email = form.cleaned_data.get("sponsor") or ""
    sponsor_id = _person_id(sponsor_email)
    if owner_id is None:
        form.add_error("owner", "No one in the directory has this email.")
    if sponsor_email and sponsor_id is None:
        form.add_error("sponsor", "No one in the directory has this email.")
    if form.errors:
        return None
    return owner_id, sponsor_id


@require_http_methods(["GET", "POST"])
def program_create(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    permissions.require_create(actor)
    me = people_queries.person_get(person_id=actor.person_id) if actor.person_id else None
    template = catalog.template_get(request.POST.get("template") or request.GET.get("template") or "")
    initial: dict[str, object] = {"owner": me.email if me else ""}
    if template is not None:
        initial.update(
            name=template.name,
            objective=template.objective,
            expected_outcomes=template.expected_outcomes,
            mechanisms=list(template.mechanisms),
        )
    form = ProgramCreateForm(request.POST or None, initial=initial, **_choices(actor))
    if request.method == "POST" and form.is_valid() and (people := _people(form)) is not None:
        audience_filter, space_id = form.audience()
        data = form.cleaned_data
        create = (
            partial(services.program_create_from_template, template_key=template.key)
            if template is not None
            else services.program_create
        )
        try:
            program = create(
                actor=actor,
                name=data["name"],
                objective=data["objective"],
                expected_outcomes=data["expected_outcomes"],
                mechanisms=data["mechanisms"],
                owner_id=people[0],  # type: ignore[arg-type]
                sponsor_id=people[1],
                audience_filter=audience_filter,
                audience_space_id=space_id,
                status=data["status"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            done = "Its KPIs come from the template: adjust their targets below." if template else "Add its KPIs below."
            messages.success(request, f"Program “{program.name}” created. {done}")
            return redirect("programs:detail", program_id=program.pk)
    context = {"nav": "programs", "form": form, "program": None, "template": template}
    return render(request, "programs/form.html", context, status=_status(form))


def program_templates(request: HttpRequest) -> HttpResponse:
    """The built-in templates to start a program from."""
    actor = request.actor  # type: ignore[attr-defined]
    permissions.require_create(actor)
    labels = dict(Mechanism.choices)
    cards = [{"t": t, "mechanisms": [labels.get(m, m) for m in t.mechanisms]} for t in catalog.TEMPLATES]
    return render(request, "programs/templates.html", {"nav": "programs", "cards": cards})


@require_http_methods(["GET", "POST"])
def program_edit(request: HttpRequest, program_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    permissions.require_view(actor)
    program = _get_program(program_id)
    permissions.require_edit(actor, program)
    initial = ProgramForm.initial_for(
        program, owner_email=program.owner.email, sponsor_email=program.sponsor.email if program.sponsor else ""
    )
    form = ProgramForm(request.POST or None, initial=initial, **_choices(actor))
    if request.method == "POST" and form.is_valid() and (people := _people(form)) is not None:
        audience_filter, space_id = form.audience()
        data = form.cleaned_data
        try:
            program = services.program_update(
                actor=actor,
                program_id=program.pk,
                name=data["name"],
                objective=data["objective"],
                expected_outcomes=data["expected_outcomes"],
                mechanisms=data["mechanisms"],
                owner_id=people[0],  # type: ignore[arg-type]
                sponsor_id=people[1],
                audience_filter=audience_filter,
                audience_space_id=space_id,
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"Program “{program.name}” saved.")
            return redirect("programs:detail", program_id=program.pk)
    context = {"nav": "programs", "form": form, "program": program}
    return render(request, "programs/form.html", context, status=_status(form))


@require_POST
def program_status(request: HttpRequest, program_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    permissions.require_view(actor)
    program = _get_program(program_id)
    permissions.require_edit(actor, program)
    try:
        program = services.program_set_status(actor=actor, program_id=program.pk, status=request.POST.get("status", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"“{program.name}” is now {program.get_status_display().lower()}.")
    return redirect("programs:detail", program_id=program.pk)


@require_POST
def kpi_set(request: HttpRequest, program_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    permissions.require_view(actor)
    program = _get_program(program_id)
    permissions.require_edit(actor, program)
    form = KpiForm(request.POST, metric_choices=queries.metric_choices())
    if form.is_valid():
        data = form.cleaned_data
        try:
            kpi = services.kpi_set(
                actor=actor,
                program_id=program.pk,
                metric_id=data["metric"],
                target=data["target"],
                baseline=data["baseline"],
                target_date=data["target_date"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"KPI on “{kpi.metric.name}” saved.")
            return redirect("programs:detail", program_id=program.pk)
    return _render_detail(request, program, kpi_form=form, status=400)


@require_POST
def kpi_remove(request: HttpRequest, program_id: int, metric_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    permissions.require_view(actor)
    program = _get_program(program_id)
    permissions.require_edit(actor, program)
    if services.kpi_remove(actor=actor, program_id=program.pk, metric_id=metric_id):
        messages.success(request, "KPI removed.")
    return redirect("programs:detail", program_id=program.pk)


# --- metrics --------------------------------------------------------------------------


def metric_list(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    permissions.require_view(actor)
    context = {
        "nav": "programs",
        "metrics": list(queries.metric_list()),
        "can_manage": permissions.can_manage_metrics(actor),
    }
    return render(request, "programs/metrics.html", context)


@require_http_methods(["GET", "POST"])
def metric_create(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    permissions.require_manage_metrics(actor)
    form = MetricForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            metric = services.metric_create(actor=actor, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"Metric “{metric.name}” created.")
            return redirect("programs:metrics")
    context = {"nav": "programs", "form": form, "metric": None}
    return render(request, "programs/metric_form.html", context, status=_status(form))


@require_http_methods(["GET", "POST"])
def metric_edit(request: HttpRequest, metric_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    permissions.require_manage_metrics(actor)
    metric = queries.metric_get(metric_id=metric_id)
    if metric is None:
        raise NotFound()
    initial = {
        "code": metric.code,
        "name": metric.name,
        "direction": metric.direction,
        "unit_label": metric.unit_label,
        "description": metric.description,
    }
    form = MetricForm(request.POST or None, initial=initial)
    form.fields["code"].disabled = True
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "code"}
        try:
            metric = services.metric_update(actor=actor, metric_id=metric.pk, **data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"Metric “{metric.name}” saved.")
            return redirect("programs:metrics")
    context = {"nav": "programs", "form": form, "metric": metric}
    return render(request, "programs/metric_form.html", context, status=_status(form))


@require_http_methods(["GET", "POST"])
def metric_import(request: HttpRequest) -> HttpResponse:
    """Upload metric values, preview every error by line and column, then apply."""
    actor = request.actor  # type: ignore[attr-defined]
    permissions.require_manage_metrics(actor)
    context: dict = {"nav": "programs", "form": UploadForm(), "report": None}
    status = 200
    if request.method == "POST" and request.POST.get("action") == "apply":
        token = request.POST.get("token", "")
        staged = staging.staged_get(request.session, default_storage, key=STAGING_KEY, token=token)
        if staged is None:
            messages.error(request, "That preview has expired. Upload the file again.")
            return redirect("programs:metric_import")
        name = staged.name
        if default_storage.size(staged.path) > BACKGROUND_BYTES:
            staging.release(request.session, key=STAGING_KEY)
            job = job_create(
                kind="programs.metric_import",
                label=f"Import of {name}",
                started_by_id=actor.user_id,
                params={"file_name": name, "actor": actor_params(actor)},
            )
            enqueue_on_commit(metric_value_import_task, str(job.pk), staged.path, name)
            return redirect("web:job", job_id=job.pk)
        data = staging.staged_read(default_storage, staged)
        report = services.metric_value_import_file(actor=actor, data=data, name=name, dry_run=False)
        if report.ok:
            staging.discard(request.session, default_storage, key=STAGING_KEY)
            messages.success(
                request,
                f"Imported {name}: {report.created} values created, {report.updated} updated, "
                f"{report.unchanged} unchanged.",
            )
            return redirect("programs:metrics")
        context.update(report=report, file_name=name)
        status = 400
    elif request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        context["form"] = form
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > staging.max_upload_bytes():
                form.add_error("file", "The file is too large.")
                return render(request, "programs/metric_import.html", context, status=413)
            data = upload.read()
            report = services.metric_value_import_file(actor=actor, data=data, name=upload.name, dry_run=True)
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
    return render(request, "programs/metric_import.html", context, status=status)
