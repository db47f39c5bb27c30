"""Web pages of notifications: my notifications, the unread badge, the dead letters."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from peerloop.core.permissions import LoginRequired
from peerloop.core.roles import Actor
from peerloop.notifications import permissions, queries, services

PER_PAGE = 30
# htmx stops polling on this status (a session that ended must not load the login page into the bell).
HTMX_STOP_POLLING = 286


def _actor(request: HttpRequest) -> Actor:
    return request.actor  # type: ignore[attr-defined,no-any-return]


@require_http_methods(["GET"])
def notification_list(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    permissions.check_list(actor)
    unread_only = request.GET.get("show") == "unread"
    qs = queries.notification_list_for(person_id=actor.person_id, unread_only=unread_only)
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/list.html",
        {
            "nav": "notifications",
            "page": page,
            "unread_only": unread_only,
            "unread_count": queries.unread_count_for(person_id=actor.person_id),
            "can_see_dead_letters": permissions.can_see_dead_letters(actor),
            "email_preferences": queries.email_preferences_for(person_id=actor.person_id),
        },
    )


@require_POST
def notification_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    actor = _actor(request)
    permissions.check_mark_read(actor, queries.notification_get(notification_id=notification_id))
    assert actor.person_id is not None
    notification = services.notification_mark_read(person_id=actor.person_id, notification_id=notification_id)
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "notifications/_item.html", {"notification": notification})
    return redirect("notifications:list")


@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    permissions.check_mark_all_read(actor)
    marked = services.notification_mark_all_read(person_id=actor.person_id) if actor.person_id else 0
    if marked:
        messages.success(request, f"{marked} notification{'s' if marked != 1 else ''} marked read.")
    return redirect("notifications:list")


@require_POST
def email_preferences(request: HttpRequest) -> HttpResponse:
    """Save which kinds of notification the person also gets by email (the checked ones)."""
    actor = _actor(request)
    person_id = permissions.check_preferences(actor, write=True)
    kinds = [kind for kind, _label, _email in queries.email_preferences_for(person_id=person_id)]
    checked = set(request.POST.getlist("email"))
    services.email_preference_set(person_id=person_id, choices={kind: kind in checked for kind in kinds})
    messages.success(request, "Your email preferences are saved.")
    return redirect("notifications:list")


@require_http_methods(["GET"])
def badge(request: HttpRequest) -> HttpResponse:
    """The bell of the top bar with the unread count; the top bar loads it with htmx."""
    actor = _actor(request)
    if request.htmx and not actor.authenticated:  # type: ignore[attr-defined]
        return HttpResponse(status=HTMX_STOP_POLLING)
    if not actor.authenticated:
        raise LoginRequired()
    permissions.check_list(actor)
    count = queries.unread_count_for(person_id=actor.person_id)
    return render(request, "notifications/_badge.html", {"unread_count": count, "badge_loaded": True})


@require_http_methods(["GET"])
def dead_letters(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    permissions.check_dead_letters(actor)
    page = Paginator(queries.outgoing_dead_list(), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "notifications/dead_letters.html", {"nav": "admin", "page": page})


@require_POST
def dead_letter_retry(request: HttpRequest, email_id: int) -> HttpResponse:
    actor = _actor(request)
    permissions.check_retry(actor)
    row = services.outgoing_email_retry(actor=actor, email_id=email_id)
    if row is None:
        messages.error(request, "That email is no longer a dead letter; nothing was sent.")
    else:
        messages.success(request, f"“{row.subject}” to {row.to} is queued again.")
    return redirect("notifications:dead_letters")
