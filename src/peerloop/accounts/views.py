"""Web pages of accounts: log in and out, password reset and change, API tokens."""

import ipaddress

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import update_session_auth_hash
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from peerloop.accounts import permissions, queries, services
from peerloop.accounts.forms import ApiTokenForm, LoginForm, PasswordChangeForm, PasswordResetForm, SetPasswordForm
from peerloop.core.permissions import NotFound

THROTTLE_MESSAGES = {
    "account": (
        "Too many failed attempts to log in to this account. For its safety, logging in is paused "
        "for 30 minutes, even with the right password. Try again later."
    ),
    "address": (
        "Too many login attempts from your network. Logging in is paused for a few minutes, "
        "even with the right password. Try again later."
    ),
}


def client_ip(request: HttpRequest) -> str | None:
    """The address of the connection itself. X-Forwarded-For is ignored on purpose: anyone
    can send it, and throttles keyed on it would reset with every forged value."""
    value = request.META.get("REMOTE_ADDR", "")
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return ""


@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    next_url = _safe_next(request)
    if request.method == "GET" and actor.authenticated:
        return redirect(next_url or "web:home")
    form = LoginForm(request.POST if request.method == "POST" else None)
    error, status = "", 200
    if request.method == "POST" and form.is_valid():
        outcome = services.login_attempt(
            email=form.cleaned_data["email"], password=form.cleaned_data["password"], ip_address=client_ip(request)
        )
        if outcome.ok:
            auth_login(request, outcome.user)
            return redirect(next_url or "web:home")
        if outcome.throttled:
            error, status = THROTTLE_MESSAGES[outcome.throttled], 429
        else:
            error = "That email and password do not match an active account."
    return render(
        request,
        "accounts/login.html",
        {"form": form, "error": error, "throttled": status == 429, "next": next_url},
        status=status,
    )


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    auth_logout(request)
    messages.success(request, "You are logged out.")
    return redirect("accounts:login")


@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    """Ask for a reset (or first-password) link. The answer is the same whether or not
    the address has an account."""
    form = PasswordResetForm(request.POST if request.method == "POST" else None)
    context: dict = {"form": form, "sent_to": ""}
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].strip().lower()
        try:
            services.password_reset_request(
                email=email, ip_address=client_ip(request), base_url=request.build_absolute_uri("/")
            )
        except services.RateLimited as exc:
            context["error"] = exc.message
            return render(request, "accounts/password_reset.html", context, status=429)
        context["sent_to"] = email
    return render(request, "accounts/password_reset.html", context)


@require_http_methods(["GET", "POST"])
def password_reset_confirm(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    user = queries.password_reset_user(uidb64=uidb64, token=token)
    if user is None:
        response = render(request, "accounts/password_reset_confirm.html", {"invalid": True}, status=400)
        add_never_cache_headers(response)
        return response
    form = SetPasswordForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_reset_confirm(
                uidb64=uidb64, token=token, password=form.cleaned_data["new_password1"], ip_address=client_ip(request)
            )
        except ValidationError as exc:
            errors = exc.message_dict
            if "token" in errors:
                return render(request, "accounts/password_reset_confirm.html", {"invalid": True}, status=400)
            form.add_service_errors(errors.get("password", []))
        else:
            messages.success(request, "Your password is set. Log in with it now.")
            return redirect("accounts:login")
    response = render(request, "accounts/password_reset_confirm.html", {"form": form, "email": user.email})
    add_never_cache_headers(response)
    return response


@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    permissions.check_change_password(actor)
    user = queries.user_get(user_id=actor.user_id)
    assert user is not None
    form = PasswordChangeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if not user.check_password(form.cleaned_data["old_password"]):
            form.add_error("old_password", "This is not your current password.")
        else:
            try:
                services.user_set_password(
                    user_id=user.pk,
                    password=form.cleaned_data["new_password1"],
                    actor=actor,
                    ip_address=client_ip(request),
                )
            except ValidationError as exc:
                form.add_service_errors(exc.message_dict.get("password", exc.messages))
            else:
                user.refresh_from_db()
                update_session_auth_hash(request, user)
                messages.success(request, "Your password is changed. Your other sessions are logged out.")
                return redirect("accounts:tokens")
    return render(request, "accounts/password_change.html", {"form": form, "nav": "account"})


@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    """The account page: who I am, and my API tokens (a new secret is shown once)."""
    actor = request.actor  # type: ignore[attr-defined]
    permissions.check_manage_tokens(actor)
    user = queries.user_get(user_id=actor.user_id)
    assert user is not None
    form = ApiTokenForm(request.POST if request.method == "POST" else None)
    new_token, new_secret, status = None, "", 200
    if request.method == "POST":
        permissions.check_create_token(actor)
        if form.is_valid():
            try:
                new_token, new_secret = services.api_token_create(
                    actor=actor,
                    user=user,
                    name=form.cleaned_data["name"],
                    scope=form.cleaned_data["scope"],
                    days=form.cleaned_data["days"],
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
                status = 400
            else:
                status = 201
                form = ApiTokenForm()
        else:
            status = 400
    response = render(
        request,
        "accounts/tokens.html",
        {
            "form": form,
            "account": user,
            "tokens": queries.api_token_list(user_id=user.pk),
            "new_token": new_token,
            "new_secret": new_secret,
            "now": timezone.now(),
            "nav": "account",
        },
        status=status,
    )
    # The secret appears once; no cache may keep a copy.
    add_never_cache_headers(response)
    return response


@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    permissions.check_manage_tokens(actor)
    token = queries.api_token_get(user_id=actor.user_id, token_id=token_id)
    permissions.check_revoke_token(actor, token)
    if token is None:  # for the type checker; check_revoke_token raised already
        raise NotFound()
    services.api_token_revoke(actor=actor, token=token)
    messages.success(request, f"The token “{token.name}” is revoked. It stops working at once.")
    return redirect("accounts:tokens")
