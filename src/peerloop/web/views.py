"""The home page and job status pages."""

import uuid

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from peerloop.core.permissions import require, require_authenticated
from peerloop.core.queries import job_get, job_list_for_user


def home(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    require_authenticated(actor)
    jobs = job_list_for_user(user_id=actor.user_id, limit=5)
    return render(request, "web/home.html", {"jobs": jobs})


def job_detail(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    """A job's progress; the page polls its own partial while the job runs."""
    actor = request.actor  # type: ignore[attr-defined]
    require_authenticated(actor)
    job = job_get(job_id=job_id)
    require(job is not None and (job.started_by_id == actor.user_id or actor.is_admin), hide=True)
    template = "web/_job.html" if request.htmx else "web/job.html"  # type: ignore[attr-defined]
    return render(request, template, {"job": job})
