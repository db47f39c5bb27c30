"""Web pages of recognition: the feed and giving kudos, my balances and statement,
leaderboards, rewards and approvals; for admins rules, catalog, budgets and flags."""

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from peerloop.core.permissions import NotFound
from peerloop.people import queries as people_queries
from peerloop.programs import queries as programs_queries
from peerloop.recognition import permissions, queries, services
from peerloop.recognition.models import Account, AllowancePolicy, EarningRule, Flag, Reaction, Reward
from peerloop.spaces import queries as spaces_queries
from peerloop.vocabulary import queries as vocabulary_queries

NAV = "recognition"


def _message(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _reaction_summary(kudos, viewer_id: int | None) -> list[dict]:  # type: ignore[no-untyped-def]
    rows = []
    reactions = list(kudos.reactions.all())
    for emoji, label in Reaction.Emoji.choices:
        mine = any(r.emoji == emoji and r.person_id == viewer_id for r in reactions)
        rows.append({"emoji": emoji, "label": label, "count": sum(r.emoji == emoji for r in reactions), "mine": mine})
    return rows


def _decorate(items, viewer_id: int | None) -> list:  # type: ignore[no-untyped-def]
    items = list(items)
    for kudos in items:
        kudos.reaction_rows = _reaction_summary(kudos, viewer_id)
    return items


def _recipient(raw: str) -> int:
    """A person id, or the one active person an email or name finds."""
    raw = raw.strip()
    if raw.isdigit():
        return int(raw)
    if "@" in raw:
        person = people_queries.person_for_email(email=raw)
        if person is not None:
            return person.pk
    found = people_queries.directory_search(q=raw, limit=2) if raw else []
    if len(found) != 1:
        raise ValidationError(
            {"recipient": f"No single colleague matches {raw!r}; type their email." if raw else "Say whom to thank."}
        )
    return found[0].pk


def _give_context(recipient_id: int | None, about: tuple[str, str] = ("", "")) -> dict:
    recipient = people_queries.person_get(person_id=recipient_id) if recipient_id else None
    return {
        "recipient": recipient if recipient and recipient.active else None,
        "values": list(vocabulary_queries.company_value_list()[:50]),
        "topics": list(vocabulary_queries.topic_list().order_by("name")[:300]),
        "amounts": (5, 10, 20),
        "nonce": uuid.uuid4().hex,  # a double click sends the same kudos once
        "about_type": about[0][:32],
        "about_id": about[1][:64],
    }


def feed(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    person_id = permissions.require_member(actor)
    page = Paginator(queries.feed(viewer_id=person_id), 25).get_page(request.GET.get("page"))
    context = {
        "nav": NAV,
        "page": page,
        "items": _decorate(page.object_list, person_id),
        "balances": queries.balances_for(person_id=person_id),
        **_give_context(None),
    }
    return render(request, "recognition/feed.html", context)


@require_http_methods(["GET", "POST"])
def give(request: HttpRequest) -> HttpResponse:
    """GET: the give form (an htmx partial for the profile button, or a page); POST: give."""
    actor = request.actor  # type: ignore[attr-defined]
    person_id = permissions.require_member(actor, write=request.method == "POST")
    if request.method == "POST":
        data = request.POST
        try:
            recipient_id = _recipient(data.get("recipient", ""))
            kudos = services.kudos_give(
                actor=actor,
                recipient_id=recipient_id,
                amount=_int(data.get("amount")) or 0,
                message=data.get("message", ""),
                value_id=_int(data.get("value")),
                topic_ids=[t for t in (_int(v) for v in data.getlist("topics")) if t],
                public=data.get("visibility", "public") != "private",
                idempotency_key=data.get("nonce") or None,
                about_type=data.get("about_type", ""),
                about_id=data.get("about_id", ""),
            )
        except ValidationError as exc:
            if request.htmx:  # type: ignore[attr-defined]
                about = (data.get("about_type", ""), data.get("about_id", ""))
                context = {**_give_context(_int(data.get("recipient")), about), "error": _message(exc), "posted": data}
                return render(request, "recognition/_give_form.html", context)
            messages.error(request, _message(exc))
            back = data.get("next") or reverse("recognition:feed")
            return redirect(back if back.startswith("/") and not back.startswith("//") else reverse("recognition:feed"))
        text = f"Kudos sent to {kudos.recipient.name} ({kudos.amount} points)."
        if request.htmx:  # type: ignore[attr-defined]
            return render(request, "recognition/_give_done.html", {"kudos": kudos, "text": text})
        messages.success(request, text)
        return redirect("recognition:feed")
    to = _int(request.GET.get("to"))
    about = (request.GET.get("about_type", ""), request.GET.get("about_id", ""))
    context = {**_give_context(to, about), "nav": NAV, "balances": queries.balances_for(person_id=person_id)}
    if to and context["recipient"] is None:
        raise NotFound()
    template = "recognition/_give_form.html" if request.htmx else "recognition/give.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@require_POST
def react(request: HttpRequest, kudos_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    person_id = permissions.require_member(actor, write=True)
    try:
        services.reaction_toggle(actor=actor, kudos_id=kudos_id, emoji=request.POST.get("emoji", ""))
    except ValidationError as exc:
        messages.error(request, _message(exc))
    if request.htmx:  # type: ignore[attr-defined]
        kudos = queries.kudos_get(kudos_id=kudos_id, viewer_id=person_id)
        if kudos is None:
            raise NotFound()
        return render(request, "recognition/_reactions.html", {"kudos": _decorate([kudos], person_id)[0]})
    return redirect("recognition:feed")


def statement(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    person_id = permissions.require_member(actor)
    page = Paginator(queries.statement_for(person_id=person_id), 50).get_page(request.GET.get("page"))
    context = {
        "nav": NAV,
        "balances": queries.balances_for(person_id=person_id),
        "page": page,
        "badges": list(queries.badges_for(person_id=person_id)),
        "received": _decorate(queries.feed(viewer_id=person_id).filter(recipient_id=person_id)[:10], person_id),
        "redemptions": list(queries.redemption_list(person_id=person_id)[:20]),
    }
    return render(request, "recognition/statement.html", context)


def leaderboard(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    person_id = permissions.require_member(actor)
    period = request.GET.get("period") or services.period_of()
    space_id = _int(request.GET.get("space"))
    program_id = _int(request.GET.get("program"))
    spaces = list(spaces_queries.space_list_for_person(person_id=person_id)[:100])
    if space_id is not None and space_id not in {s.pk for s in spaces}:
        raise NotFound()
    try:
        rows = queries.leaderboard(period=period, space_id=space_id, program_id=program_id)
    except ValidationError as exc:
        messages.error(request, _message(exc))
        period, rows = services.period_of(), []
    context = {
        "nav": NAV,
        "rows": rows,
        "period": period,
        "space_id": space_id,
        "program_id": program_id,
        "spaces": spaces,
        "programs": list(programs_queries.program_list()[:100]),
        "opted_out": queries.opted_out(person_id=person_id),
        "top": rows[0].points if rows else 0,
    }
    return render(request, "recognition/leaderboard.html", context)


@require_POST
def leaderboard_opt(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    permissions.require_member(actor, write=True)
    out = services.leaderboard_opt(actor=actor, opt_out=request.POST.get("action") == "out")
    messages.success(request, "You no longer appear on leaderboards." if out else "You appear on leaderboards again.")
    return redirect("recognition:leaderboard")


def rewards(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    person_id = permissions.require_member(actor)
    context = {
        "nav": NAV,
        "rewards": list(queries.reward_list()),
        "balances": queries.balances_for(person_id=person_id),
        "redemptions": list(queries.redemption_list(person_id=person_id)[:20]),
    }
    return render(request, "recognition/rewards.html", context)


@require_POST
def redeem(request: HttpRequest, reward_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    permissions.require_member(actor, write=True)
    try:
        redemption = services.redemption_request(actor=actor, reward_id=reward_id)
    except ValidationError as exc:
        messages.error(request, _message(exc))
    else:
        if redemption.status == redemption.Status.APPROVED:
            messages.success(request, f"{redemption.reward.name} is yours.")
        else:
            who = "your manager" if redemption.approval == Reward.Approval.MANAGER else "an admin"
            messages.success(request, f"Requested: {who} will approve it; the points are held until then.")
    return redirect("recognition:rewards")


def approvals(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    person_id = permissions.require_member(actor)
    items = list(queries.redemptions_to_decide(person_id=person_id, admin=actor.is_admin)[:100])
    return render(request, "recognition/approvals.html", {"nav": NAV, "items": items})


@require_POST
def decide(request: HttpRequest, redemption_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    permissions.require_member(actor, write=True)
    approve = request.POST.get("decision") == "approve"
    try:
        services.redemption_decide(
            actor=actor, redemption_id=redemption_id, approve=approve, note=request.POST.get("note", "")
        )
    except ValidationError as exc:
        messages.error(request, _message(exc))
    else:
        messages.success(request, "Approved." if approve else "Declined; the points went back.")
    return redirect("recognition:approvals")


# --- admins -------------------------------------------------------------------------------


def manage(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    permissions.require_manage(actor)
    context = {
        "nav": NAV,
        "rules": list(queries.rule_list()),
        "event_kinds": services.EVENT_KINDS,
        "beneficiaries": EarningRule.Beneficiary.choices,
        "programs": list(programs_queries.program_list()[:200]),
        "rewards": list(queries.reward_list(include_inactive=True)),
        "approvals": Reward.Approval.choices,
        "budgets": list(queries.account_balances(kind=Account.Kind.BUDGET)),
        "units": list(people_queries.unit_list()[:500]),
        "policies": list(AllowancePolicy.objects.select_related("unit", "program")[:100]),
        "scopes": AllowancePolicy.Scope.choices,
        "ledger_total": queries.ledger_total(),
        "open_flags": queries.flag_list().count(),
    }
    return render(request, "recognition/manage.html", context)


def _manage_post(request: HttpRequest, work, done: str) -> HttpResponse:  # type: ignore[no-untyped-def]
    actor = request.actor  # type: ignore[attr-defined]
    permissions.require_manage(actor, write=True)
    try:
        work(actor, request.POST)
    except ValidationError as exc:
        messages.error(request, _message(exc))
    else:
        messages.success(request, done)
    return redirect("recognition:manage")


@require_POST
def rule_save(request: HttpRequest) -> HttpResponse:
    def work(actor, data):  # type: ignore[no-untyped-def]
        services.rule_save(
            actor=actor,
            name=data.get("name", ""),
            event_kind=data.get("event_kind", ""),
            beneficiary=data.get("beneficiary", ""),
            points=_int(data.get("points")) or 0,
            cap_per_period=_int(data.get("cap_per_period")) or 0,
            program_id=_int(data.get("program")),
            badge_name=data.get("badge", ""),
            cross_unit_only=data.get("cross_unit_only") == "on",
        )

    return _manage_post(request, work, "The rule is saved; it applies to new events within minutes.")


@require_POST
def rule_active(request: HttpRequest, rule_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    permissions.require_manage(actor, write=True)
    rule = services.rule_set_active(actor=actor, rule_id=rule_id, active=request.POST.get("active") == "on")
    messages.success(request, f"{rule.name} is {'on' if rule.active else 'off'}.")
    return redirect("recognition:manage")


@require_POST
def rules_apply(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    permissions.require_manage(actor, write=True)
    report = services.rules_apply()
    messages.success(
        request, f"Rules applied: {report.awarded} awards ({report.points} points), {report.capped} over a cap."
    )
    return redirect("recognition:manage")


@require_POST
def reward_save(request: HttpRequest) -> HttpResponse:
    def work(actor, data):  # type: ignore[no-untyped-def]
        services.reward_save(
            actor=actor,
            name=data.get("name", ""),
            cost=_int(data.get("cost")) or 0,
            description=data.get("description", ""),
            approval=data.get("approval") or None,
        )

    return _manage_post(request, work, "The reward is in the catalog.")


@require_POST
def budget_fund(request: HttpRequest) -> HttpResponse:
    def work(actor, data):  # type: ignore[no-untyped-def]
        services.budget_fund(
            actor=actor,
            unit_id=_int(data.get("unit")) or 0,
            amount=_int(data.get("amount")) or 0,
            reason=data.get("reason", ""),
        )

    return _manage_post(request, work, "The budget is funded.")


@require_POST
def policy_save(request: HttpRequest) -> HttpResponse:
    def work(actor, data):  # type: ignore[no-untyped-def]
        services.policy_save(
            actor=actor,
            scope=data.get("scope", ""),
            amount=_int(data.get("amount")) or 0,
            per_recipient_cap=_int(data.get("per_recipient_cap")) or 0,
            role=data.get("role", ""),
            unit_id=_int(data.get("unit")),
            program_id=_int(data.get("program")),
        )

    return _manage_post(request, work, "The allowance policy is saved; it applies from the next grant.")


@require_POST
def correction(request: HttpRequest) -> HttpResponse:
    def work(actor, data):  # type: ignore[no-untyped-def]
        services.correction_post(
            actor=actor,
            person_id=_recipient(data.get("person", "")),
            account_kind=data.get("account_kind", "points"),
            amount=_int(data.get("amount")) or 0,
            reason=data.get("reason", ""),
        )

    return _manage_post(request, work, "The correction is posted and audited.")


def flags(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    permissions.require_manage(actor)
    status = request.GET.get("status", Flag.Status.OPEN)
    if status not in Flag.Status.values:
        status = Flag.Status.OPEN
    items = list(queries.flag_list(status=status)[:100])
    ids = sorted({k for f in items for k in f.evidence.get("kudos_ids", [])[:10]})
    by_id = {k.pk: k for k in queries.kudos_list(ids=ids)}
    for flag in items:
        flag.kudos = [by_id[k] for k in flag.evidence.get("kudos_ids", [])[:10] if k in by_id]  # type: ignore[attr-defined]
    return render(request, "recognition/flags.html", {"nav": NAV, "items": items, "status": status})


@require_POST
def flags_detect(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    permissions.require_manage(actor, write=True)
    report = services.flags_detect()
    messages.success(
        request, f"Checked: {report.rings} rings, {report.concentrations} concentrations, {report.new} new flags."
    )
    return redirect("recognition:flags")


@require_POST
def flag_dismiss(request: HttpRequest, flag_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    permissions.require_manage(actor, write=True)
    services.flag_dismiss(actor=actor, flag_id=flag_id, note=request.POST.get("note", ""))
    messages.success(request, "The flag is dismissed.")
    return redirect("recognition:flags")
