"""Web pages of spaces: the list, a space with its members, create and edit, invitations."""

from itertools import groupby
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from peerloop.accounts import queries as account_queries
from peerloop.core.permissions import NotFound
from peerloop.core.roles import Actor
from peerloop.people import queries as people_queries
from peerloop.spaces import permissions, queries, services
from peerloop.spaces.forms import AcceptForm, InviteForm, SpaceForm
from peerloop.spaces.models import Space

KIND_HEADINGS = {
    Space.Kind.CIRCLE: "Circles",
    Space.Kind.COMMUNITY: "Communities of practice",
    Space.Kind.COCREATION: "Co-creation communities",
    Space.Kind.MARKETPLACE: "Peer marketplaces",
}
MEMBERS_PER_PAGE = 60
SPACES_PER_PAGE = 60


def _actor(request: HttpRequest) -> Actor:
    return request.actor  # type: ignore[attr-defined,no-any-return]


def _space(request: HttpRequest, slug: str) -> Space:
    """The space of ``slug`` if the actor may see it; a 404 otherwise."""
    actor = _actor(request)
    space = queries.space_get(slug=slug, person_id=actor.person_id)
    permissions.check_view(actor, space)
    assert space is not None
    return space


def _apply_errors(form: object, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        target = field if field in form.fields else None  # type: ignore[attr-defined]
        for error in errors:
            form.add_error(target, error)  # type: ignore[attr-defined]


@require_http_methods(["GET"])
def space_list(request: HttpRequest) -> HttpResponse:
    """My spaces first, then every other space I may see, grouped by kind."""
    actor = _actor(request)
    permissions.check_list(actor)
    kind = request.GET.get("kind") or None
    if kind not in Space.Kind.values:
        kind = None
    q = (request.GET.get("q") or "").strip()[:100]
    visible = queries.space_list_for(actor=actor, kind=kind, q=q or None)
    mine = list(visible.filter(memberships__person_id=actor.person_id)) if actor.person_id else []
    others_qs = visible.exclude(pk__in=[s.pk for s in mine]).order_by("kind", "name", "id")
    page = Paginator(others_qs, SPACES_PER_PAGE).get_page(request.GET.get("page"))
    groups = [(KIND_HEADINGS.get(k, k), list(items)) for k, items in groupby(page.object_list, key=lambda s: s.kind)]
    return render(
        request,
        "spaces/list.html",
        {
            "nav": "spaces",
            "mine": mine,
            "groups": groups,
            "page": page,
            "kinds": Space.Kind.choices,
            "kind": kind or "",
            "q": q,
            "can_create": permissions.can_create(actor),
            "filtered": bool(kind or q),
        },
    )


@require_http_methods(["GET"])
def space_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return _render_detail(request, _space(request, slug))


def _render_detail(
    request: HttpRequest, space: Space, *, invite_form: InviteForm | None = None, status: int = 200
) -> HttpResponse:
    actor = _actor(request)
    manage = permissions.can_manage(actor, space)
    members = Paginator(queries.member_list(space_id=space.pk), MEMBERS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "nav": "spaces",
        "space": space,
        "topics": list(space.topics.all()),
        "members": members,
        "manage": manage,
        "details": permissions.can_see_member_details(actor),
        "my_role": getattr(space, "my_role", None),
        "invite_form": invite_form or (InviteForm() if manage else None),
        "invitations": list(queries.invitation_pending_list(space_id=space.pk)) if manage else [],
    }
    return render(request, "spaces/detail.html", context, status=status)


@require_http_methods(["GET", "POST"])
def space_create(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    permissions.check_create(actor)
    form = SpaceForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            space = services.space_create(actor=actor, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, f"“{space.name}” is ready. Invite its first members.")
            return redirect("spaces:detail", slug=space.slug)
    status = 400 if form.errors else 200
    return render(request, "spaces/form.html", {"nav": "spaces", "form": form, "space": None}, status=status)


@require_http_methods(["GET", "POST"])
def space_edit(request: HttpRequest, slug: str) -> HttpResponse:
    actor = _actor(request)
    space = _space(request, slug)
    permissions.check_manage(actor, space)
    initial = {
        "name": space.name,
        "kind": space.kind,
        "description": space.description,
        "goals": space.goals,
        "topic_ids": [t.pk for t in space.topics.all()],
    }
    form = SpaceForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.space_update(actor=actor, space_id=space.pk, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, "Your changes are saved.")
            return redirect("spaces:detail", slug=space.slug)
    status = 400 if form.errors else 200
    return render(request, "spaces/form.html", {"nav": "spaces", "form": form, "space": space}, status=status)


@require_POST
def space_archive(request: HttpRequest, slug: str) -> HttpResponse:
    actor = _actor(request)
    space = _space(request, slug)
    permissions.check_manage(actor, space)
    archive = request.POST.get("archived", "1") != "0"
    services.space_archive(actor=actor, space_id=space.pk, archived=archive)
    if archive:
        messages.success(request, f"“{space.name}” is archived. Only admins see it now.")
        return redirect("spaces:list")
    messages.success(request, f"“{space.name}” is back.")
    return redirect("spaces:detail", slug=space.slug)


@require_POST
def space_invite(request: HttpRequest, slug: str) -> HttpResponse:
    actor = _actor(request)
    space = _space(request, slug)
    permissions.check_manage(actor, space)
    form = InviteForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, space, invite_form=form, status=400)
    email = form.cleaned_data["email"]
    try:
        services.invitation_create(
            actor=actor,
            space_id=space.pk,
            email=email,
            role=form.cleaned_data["role"],
            base_url=request.build_absolute_uri("/"),
        )
    except services.RateLimited as exc:
        form.add_error("email", exc.message)
        return _render_detail(request, space, invite_form=form, status=429)
    except ValidationError as exc:
        _apply_errors(form, exc)
        return _render_detail(request, space, invite_form=form, status=400)
    messages.success(request, f"An invitation is on its way to {email}. The link works for 7 days.")
    return redirect(reverse("spaces:detail", kwargs={"slug": space.slug}) + "#invitations")


@require_POST
def invitation_revoke(request: HttpRequest, slug: str, invitation_id: int) -> HttpResponse:
    actor = _actor(request)
    space = _space(request, slug)
    permissions.check_manage(actor, space)
    invitation = queries.invitation_get(invitation_id=invitation_id)
    if invitation is None or invitation.space_id != space.pk:
        raise NotFound()
    services.invitation_revoke(actor=actor, invitation_id=invitation.pk)
    messages.success(request, f"The invitation to {invitation.email} is withdrawn; its link no longer works.")
    return redirect(reverse("spaces:detail", kwargs={"slug": space.slug}) + "#invitations")


@require_POST
def member_remove(request: HttpRequest, slug: str, person_id: int) -> HttpResponse:
    actor = _actor(request)
    space = _space(request, slug)
    permissions.check_remove_member(actor, space, person_id)
    if queries.membership_role(space_id=space.pk, person_id=person_id) is None:
        raise NotFound()
    services.membership_remove(actor=actor, space_id=space.pk, person_id=person_id)
    if person_id == actor.person_id:
        messages.success(request, f"You left “{space.name}”.")
        return redirect("spaces:list")
    messages.success(request, "The member is removed. They lose access at once.")
    return redirect("spaces:detail", slug=space.slug)


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The page an invitation link opens: new guests choose a name and password;
    someone who can already log in just accepts."""
    actor = _actor(request)
    check = queries.invitation_for_token(token=token)
    if not check.ok or check.invitation is None:
        problem = check.problem or "invalid"
        return render(
            request,
            "spaces/accept.html",
            {"problem": problem, "problem_message": services.INVITATION_PROBLEMS[problem], "invitation": None},
            status=410 if problem in ("expired", "used", "revoked", "archived") else 404,
        )
    invitation = check.invitation
    user = account_queries.user_by_email(email=invitation.email)
    has_login = user is not None and user.is_active and user.has_usable_password()
    known_person = people_queries.person_for_email(email=invitation.email) is not None
    form = AcceptForm(
        request.POST if request.method == "POST" else None, needs_name=not known_person, needs_password=not has_login
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.invitation_accept(
                token=token, name=form.cleaned_data.get("name", ""), password=form.cleaned_data.get("password1", "")
            )
        except ValidationError as exc:
            errors = exc.message_dict
            if "token" in errors:
                return render(
                    request,
                    "spaces/accept.html",
                    {"problem": "used", "problem_message": errors["token"][0], "invitation": None},
                    status=410,
                )
            for error in errors.pop("password", []):
                form.add_error("password1", error)
            if errors:
                _apply_errors(form, ValidationError(errors))
        else:
            detail = reverse("spaces:detail", kwargs={"slug": invitation.space.slug})
            if actor.authenticated and actor.user_id == (user.pk if user else None):
                messages.success(request, f"Welcome to “{invitation.space.name}”.")
                return redirect(detail)
            messages.success(request, f"You joined “{invitation.space.name}”. Log in to take part.")
            return redirect(f"{reverse('accounts:login')}?{urlencode({'next': detail})}")
    return render(
        request,
        "spaces/accept.html",
        {
            "invitation": invitation,
            "form": form,
            "has_login": has_login,
            "other_account": actor.authenticated and actor.label != invitation.email,
        },
        status=400 if form.errors else 200,
    )
