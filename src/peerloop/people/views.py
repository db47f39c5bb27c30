"""Web pages of the directory: people, profiles, the org chart, import and export."""

from pathlib import Path
from urllib.parse import urlencode

from django.contrib import messages
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from peerloop.core import staging
from peerloop.core.roles import Actor
from peerloop.core.services import job_create
from peerloop.core.tasks import actor_params, enqueue_on_commit
from peerloop.people import permissions, queries, services
from peerloop.people.columns import COLUMNS, REQUIRED
from peerloop.people.exporting import csv_chunks
from peerloop.people.tasks import person_import_task
from peerloop.vocabulary.queries import topic_list

PER_PAGE = 25
TOP_PER_PAGE = 50
MAX_REPORTS_SHOWN = 500
# Files larger than this are applied by a background job with a progress bar.
BACKGROUND_BYTES = 256 * 1024
# A previewed file waits here (and in the session under this key) until it is applied.
STAGING_KEY = "people_import"
STAGING_FOLDER = "imports/people"


def _actor(request: HttpRequest) -> Actor:
    return request.actor  # type: ignore[attr-defined,no-any-return]


def _int(value: str | None) -> int | None:
    try:
        number = int(value or "")
    except ValueError:
        return None
    return number if 0 < number < 2**63 else None


# --- directory ------------------------------------------------------------------------


@require_GET
def directory(request: HttpRequest) -> HttpResponse:
    """The directory: filters, a live search box, counts, pages of people."""
    actor = _actor(request)
    permissions.check_view_directory(actor)
    params = request.GET
    q = params.get("q", "").strip()[:100]
    unit, region, topic = _int(params.get("unit")), _int(params.get("region")), _int(params.get("topic"))
    level = _int(params.get("level"))
    role_family = params.get("role_family", "").strip()[:80]
    people = queries.person_list(
        unit_ids=[unit] if unit else None,
        region_ids=[region] if region else None,
        levels=[level] if level else None,
        role_families=[role_family] if role_family else None,
        topic_ids=[topic] if topic else None,
        q=q or None,
    ).prefetch_related(Prefetch("topics", queryset=topic_list().select_related(None).order_by("name")))
    paginator = Paginator(people, PER_PAGE)
    page = paginator.get_page(params.get("page"))
    filters = {
        "q": q,
        "unit": str(unit or ""),
        "region": str(region or ""),
        "level": str(level or ""),
        "role_family": role_family,
        "topic": str(topic or ""),
    }
    active_filters = {key: value for key, value in filters.items() if value}
    query_string = urlencode(active_filters)
    context = {
        "page": page,
        "filters": filters,
        "filtered": bool(active_filters),
        "query_string": query_string,
        "can_manage": permissions.can_manage_people(actor),
    }
    if request.htmx and request.htmx.target == "directory-results":  # type: ignore[attr-defined]
        response = render(request, "people/_directory_results.html", context)
        # The address bar shows the filters in use, not every empty field of the form.
        page_part = f"page={page.number}" if page.number > 1 else ""
        query = "&".join(part for part in (query_string, page_part) if part)
        response["HX-Push-Url"] = reverse("people:directory") + (f"?{query}" if query else "")
        return response
    context.update(
        nav="people",
        facets=queries.directory_facets(),
        topics=list(topic_list().select_related(None).only("id", "name")),
    )
    return render(request, "people/directory.html", context)


@require_GET
def profile(request: HttpRequest, person_id: int) -> HttpResponse:
    actor = _actor(request)
    permissions.check_view_directory(actor)
    data = queries.profile_for(person_id=person_id, include_inactive=actor.is_admin)
    permissions.check_view_person(actor, data.person if data else None)
    assert data is not None
    return render(
        request,
        "people/profile.html",
        {"nav": "people", "profile": data, "person": data.person, "top_down_chain": list(reversed(data.chain))},
    )


# --- org chart ------------------------------------------------------------------------


@require_GET
def orgchart(request: HttpRequest) -> HttpResponse:
    """The org chart from its tops down (or from ``?root=<person>``), reports loaded as opened."""
    actor = _actor(request)
    permissions.check_view_orgchart(actor)
    root_id = _int(request.GET.get("root"))
    context: dict = {"nav": "orgchart"}
    if root_id:
        data = queries.profile_for(person_id=root_id, include_inactive=actor.is_admin)
        permissions.check_view_person(actor, data.person if data else None)
        assert data is not None
        data.person.report_count = len(data.reports)  # type: ignore[attr-defined]
        context.update(
            root=data.person, chain=list(reversed(data.chain)), reports=data.reports[:MAX_REPORTS_SHOWN], page=None
        )
        context["more_reports"] = max(0, len(data.reports) - MAX_REPORTS_SHOWN)
    else:
        page = Paginator(queries.orgchart_top(), TOP_PER_PAGE).get_page(request.GET.get("page"))
        tops = list(page.object_list)
        context.update(page=page, tops=tops)
        if len(tops) == 1 and page.number == 1:
            # One person at the top: open their level right away.
            context["root"] = tops[0]
            context["reports"] = list(queries.direct_reports(person_id=tops[0].pk)[:MAX_REPORTS_SHOWN])
            context["more_reports"] = max(0, tops[0].report_count - MAX_REPORTS_SHOWN)  # type: ignore[attr-defined]
            context["chain"] = []
    return render(request, "people/orgchart.html", context)


@require_GET
def orgchart_reports(request: HttpRequest, person_id: int) -> HttpResponse:
    """A person's reports as org chart nodes (an htmx partial); without htmx, the chart rooted there."""
    actor = _actor(request)
    permissions.check_view_orgchart(actor)
    person = queries.person_get(person_id=person_id)
    permissions.check_view_person(actor, person)
    if not request.htmx:  # type: ignore[attr-defined]
        return redirect(f"{reverse('people:orgchart')}?root={person_id}")
    reports = list(queries.direct_reports(person_id=person_id)[: MAX_REPORTS_SHOWN + 1])
    return render(
        request,
        "people/_orgchart_nodes.html",
        {
            "nodes": reports[:MAX_REPORTS_SHOWN],
            "more_reports": len(reports) > MAX_REPORTS_SHOWN,
            "parent": person,
        },
    )


# --- import and export ----------------------------------------------------------------


def _import_page(request: HttpRequest, context: dict, status: int = 200) -> HttpResponse:
    base = {
        "nav": "people",
        "columns": COLUMNS,
        "required": REQUIRED,
        "max_mib": staging.max_upload_bytes() // 2**20,
    }
    return render(request, "people/import.html", {**base, **context}, status=status)


@require_http_methods(["GET", "POST"])
def import_people(request: HttpRequest) -> HttpResponse:
    """Upload a file and see the preview: what would change and every error by line and column."""
    actor = _actor(request)
    permissions.check_import(actor)
    if request.method == "GET":
        return _import_page(request, {})
    upload = request.FILES.get("file")
    deactivate_missing = request.POST.get("deactivate_missing") == "on"
    if upload is None:
        return _import_page(request, {"form_error": "Choose a CSV or JSON file to import."}, status=400)
    if upload.size and upload.size > staging.max_upload_bytes():
        return _import_page(
            request,
            {"form_error": f"The file is larger than {staging.max_upload_bytes() // 2**20} MiB."},
            status=413,
        )
    name = Path(upload.name or "upload").name[:200]
    data = upload.read()
    report = services.person_import_file(
        actor=actor, data=data, name=name, dry_run=True, deactivate_missing=deactivate_missing
    )
    token = ""
    if report.ok:
        staged = staging.stage(
            request.session, default_storage, key=STAGING_KEY, folder=STAGING_FOLDER, name=name, content=data
        )
        token = staged.token
    context = {
        "report": report,
        "token": token,
        "file_name": name,
        "deactivate_missing": deactivate_missing,
        "background": report.ok and len(data) > BACKGROUND_BYTES,
    }
    return _import_page(request, context, status=200 if report.ok else 422)


@require_POST
def import_apply(request: HttpRequest) -> HttpResponse:
    """Apply a previewed file: at once when small, as a background job with a progress bar when large."""
    actor = _actor(request)
    permissions.check_import(actor)
    staged = staging.staged_get(request.session, default_storage, key=STAGING_KEY, token=request.POST.get("token", ""))
    deactivate_missing = request.POST.get("deactivate_missing") == "on"
    if staged is None:
        messages.error(request, "This preview has expired or was applied already. Upload the file again.")
        return redirect("people:import")
    file_name = staged.name
    if default_storage.size(staged.path) > BACKGROUND_BYTES:
        staging.release(request.session, key=STAGING_KEY)
        job = job_create(
            kind="people.import",
            label=f"Import of {file_name}",
            started_by_id=actor.user_id,
            params={
                "file_name": file_name,
                "deactivate_missing": deactivate_missing,
                "actor": actor_params(actor),
            },
        )
        # The task reads (and deletes) the file where the storage keeps it on disk.
        enqueue_on_commit(person_import_task, str(job.pk), default_storage.path(staged.path), deactivate_missing)
        return redirect("web:job", job_id=job.pk)
    data = staging.staged_read(default_storage, staged)
    staging.discard(request.session, default_storage, key=STAGING_KEY)
    report = services.person_import_file(
        actor=actor, data=data, name=file_name, dry_run=False, deactivate_missing=deactivate_missing
    )
    if report.errors:
        context = {"report": report, "file_name": file_name, "deactivate_missing": deactivate_missing}
        return _import_page(request, context, status=422)
    messages.success(request, f"Imported {file_name}: {report.summary()}")
    return redirect("people:directory")


@require_GET
def export_people(request: HttpRequest) -> StreamingHttpResponse:
    """The whole directory as CSV, in the import's columns."""
    actor = _actor(request)
    permissions.check_export(actor)
    services.person_export_record(actor=actor)
    response = StreamingHttpResponse(csv_chunks(), content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y-%m-%d")
    response["Content-Disposition"] = f'attachment; filename="peerloop-people-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    return response
