"""The home page (what needs my attention), job status pages, the admin hub and the audit log."""

from collections.abc import Iterable
import sqlite3
from urllib.parse import urlencode
import uuid

from django.conf import settings
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from peerloop.accounts import queries as account_queries
from peerloop.core.permissions import require, require_admin, require_authenticated
from peerloop.core.queries import audit_list, interaction_list, job_get, job_list_for_user
from peerloop.core.roles import Actor
from peerloop.people import queries as people_queries
from peerloop.programs import queries as program_queries
from peerloop.spaces import queries as space_queries
from peerloop.vocabulary import queries as vocabulary_queries

AUDIT_PER_PAGE = 50
ACTIVITY_LIMIT = 8

# How the home page says what an interaction was; unknown kinds show their code.
ACTIVITY_LABELS = {
    "space.joined": "You joined",
}


def _actor(request: HttpRequest) -> Actor:
    return request.actor  # type: ignore[attr-defined,no-any-return]


def _activity(actor: Actor) -> list[dict]:
    """My latest interactions, with the names of the spaces I can still see."""
    if actor.person_id is None:
        return []
    rows = list(interaction_list().filter(actor_id=actor.person_id).order_by("-occurred_at", "-id")[:ACTIVITY_LIMIT])
    space_ids = {r.space_id for r in rows if r.space_id}
    visible = {
        s.pk: s for s in space_queries.space_list_for(actor=actor).filter(pk__in=space_ids).only("pk", "name", "slug")
    }
    items = []
    for row in rows:
        space = visible.get(row.space_id) if row.space_id else None
        items.append(
            {
                "label": ACTIVITY_LABELS.get(row.kind)
                or row.kind.replace(".", " ").replace("_", " ").capitalize() + (" in" if space else ""),
                "space": space,
                "at": row.occurred_at,
            }
        )
    return items


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """What needs my attention: my spaces, my programs, my running jobs, what I did lately."""
    actor = _actor(request)
    require_authenticated(actor)
    spaces = list(space_queries.space_list_for_person(person_id=actor.person_id)[:12]) if actor.person_id else []
    programs = []
    if actor.is_internal and actor.person_id is not None:
        programs = list(
            program_queries.program_list().filter(Q(owner_id=actor.person_id) | Q(sponsor_id=actor.person_id))[:8]
        )
    jobs = [j for j in job_list_for_user(user_id=actor.user_id, limit=10) if not j.finished][:5]  # type: ignore[arg-type]
    person = people_queries.person_get(person_id=actor.person_id) if actor.person_id else None
    return render(
        request,
        "web/home.html",
        {
            "nav": "home",
            "person": person,
            "spaces": spaces,
            "programs": programs,
            "jobs": jobs,
            "activity": _activity(actor),
        },
    )


def job_detail(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    """A job's progress; the page polls its own partial while the job runs."""
    actor = _actor(request)
    require_authenticated(actor)
    job = job_get(job_id=job_id)
    require(job is not None and (job.started_by_id == actor.user_id or actor.is_admin), hide=True)
    template = "web/_job.html" if request.htmx else "web/job.html"  # type: ignore[attr-defined]
    return render(request, template, {"job": job})


EMAIL_BACKENDS = {
    "django.core.mail.backends.smtp.EmailBackend": "SMTP",
    "django.core.mail.backends.console.EmailBackend": "Console (emails are printed, not sent)",
    "django.core.mail.backends.locmem.EmailBackend": "In memory (tests)",
}


def _count(qs: Iterable) -> int:
    return qs.count() if hasattr(qs, "count") else len(list(qs))  # type: ignore[attr-defined]


def system_status() -> list[tuple[str, str]]:
    """A few facts an admin checks first: which database and queue, and how much data."""
    huey = settings.HUEY
    queue = "Redis" if "Redis" in str(huey.get("huey_class", "")) else "SQLite (embedded)"
    if huey.get("immediate"):
        queue += ", immediate mode"
    database = {"sqlite": "SQLite (embedded)", "postgresql": "PostgreSQL"}.get(connection.vendor, connection.vendor)
    version = sqlite3.sqlite_version if connection.vendor == "sqlite" else ""
    if connection.vendor == "postgresql":
        version = str(getattr(connection, "pg_version", "") or "")
        if version.isdigit():
            number = int(version)
            version = f"{number // 10000}.{number % 10000}"
    return [
        ("Database", f"{database} {version}".strip()),
        ("Task queue", queue),
        ("Email", EMAIL_BACKENDS.get(settings.EMAIL_BACKEND, settings.EMAIL_BACKEND)),
        ("Profile", settings.PROFILE),
    ]


def system_counts() -> list[tuple[str, int]]:
    return [
        ("Accounts", account_queries.user_count()),
        ("People", _count(people_queries.person_list(include_inactive=True))),
        ("Spaces", space_queries.space_count()),
        ("Programs", _count(program_queries.program_list())),
        ("Topics", _count(vocabulary_queries.topic_list())),
        ("Interactions", _count(interaction_list())),
        ("Audit entries", _count(audit_list())),
    ]


@require_GET
def admin_hub(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    require_admin(actor)
    return render(
        request,
        "web/admin.html",
        {
            "nav": "admin",
            "status": system_status(),
            "counts": system_counts(),
            "recent": list(audit_list()[:8]),
            "jobs": [j for j in job_list_for_user(user_id=actor.user_id, limit=10) if not j.finished],  # type: ignore[arg-type]
        },
    )


@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    """The audit log, newest first, filterable by action and by actor."""
    actor = _actor(request)
    require_admin(actor)
    action = (request.GET.get("action") or "").strip()[:64]
    who = (request.GET.get("actor") or "").strip()[:254]
    entries = audit_list()
    if action:
        entries = entries.filter(action=action)
    if who:
        entries = entries.filter(actor_label__icontains=who)
    page = Paginator(entries.order_by("-at", "-id"), AUDIT_PER_PAGE).get_page(request.GET.get("page"))
    actions = sorted(set(audit_list().order_by().values_list("action", flat=True).distinct()))
    query = urlencode({k: v for k, v in (("action", action), ("actor", who)) if v})
    return render(
        request,
        "web/audit.html",
        {
            "nav": "admin",
            "page": page,
            "actions": actions,
            "action": action,
            "who": who,
            "query": query,
        },
    )
