"""Web pages of peer matching: members (my match, follow-up, history, preferences, find a
peer, intros) and program owners (configure, preview, publish, health)."""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from peerloop.core.permissions import NotFound, require_internal
from peerloop.matching import permissions, queries, services
from peerloop.matching.forms import FollowUpForm, IntroForm, SetupForm, seats_text
from peerloop.matching.models import MatchRound
from peerloop.programs import queries as programs_queries
from peerloop.programs.models import Program
from peerloop.vocabulary import queries as vocabulary_queries

PAUSE_DAYS = 30
STAT_ROWS = (
    ("cross_unit_share", "Pairs across units"),
    ("cross_region_share", "Pairs across regions"),
    ("repeat_rate", "Repeats of recent pairs"),
)


def _errors(form: Form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            for message in errors:
                form.add_error(name if name in form.fields else None, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def _message(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _program(actor, program_id: int, *, write: bool = False) -> Program:  # type: ignore[no-untyped-def]
    require_internal(actor)
    program = programs_queries.program_get(program_id=program_id)
    if program is None:
        raise NotFound()
    permissions.require_run(actor, program, write=write)
    return program


def _round(actor, round_id: int, *, write: bool = False) -> MatchRound:  # type: ignore[no-untyped-def]
    require_internal(actor)
    round_ = queries.round_get(round_id=round_id)
    if round_ is None:
        raise NotFound()
    _program(actor, round_.setup.program_id, write=write)
    return round_


# --- members ----------------------------------------------------------------------------


def mine(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    person_id = permissions.require_member(actor)
    current = queries.my_matches(person_id=person_id, current_only=True)
    for item in current:
        f = item.followup
        item.form = FollowUpForm(  # type: ignore[attr-defined]
            initial={
                "met": "yes" if f and f.met else "no",
                "rating": f.rating if f else None,
                "note": f.note if f else "",
            },
            prefix=f"m{item.match.pk}",
        )
    pref = queries.preference_for(person_id=person_id)
    today = timezone.localdate()
    opted_out = set(pref.opted_out_programs or []) if pref else set()
    programs = [
        {"program": p, "opted_out": p.pk in opted_out} for p in queries.programs_for_member(person_id=person_id)
    ]
    context = {
        "nav": "matching",
        "current": current,
        "paused_until": pref.paused_until if pref and pref.paused_until and pref.paused_until >= today else None,
        "programs": programs,
        "runs": queries.matching_programs(owner_id=None if actor.is_admin else actor.person_id)
        if actor.is_program_owner
        else [],
    }
    return render(request, "matching/mine.html", context)


def history(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    person_id = permissions.require_member(actor)
    return render(
        request, "matching/history.html", {"nav": "matching", "items": queries.my_matches(person_id=person_id)}
    )


@require_POST
def followup(request: HttpRequest, match_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    permissions.require_member(actor, write=True)
    form = FollowUpForm(request.POST, prefix=f"m{match_id}")
    if not form.is_valid():
        form = FollowUpForm(request.POST)  # the API-like unprefixed form, e.g. from tests and scripts
    if form.is_valid():
        try:
            saved = services.followup_record(
                actor=actor,
                match_id=match_id,
                met=form.cleaned_data["met"],
                rating=form.cleaned_data["rating"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            messages.error(request, _message(exc))
        else:
            if saved.rating is not None and saved.rating <= services.members.BAD_FIT:
                messages.success(request, "Thanks. You will get a new partner next round, and not this one again.")
            else:
                messages.success(request, "Thanks, your follow-up is saved.")
    else:
        messages.error(request, "Say whether you met, and rate the fit from 1 to 5.")
    return redirect("matching:mine")


@require_POST
def preferences(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    permissions.require_member(actor, write=True)
    action = request.POST.get("action", "")
    try:
        program_id = int(request.POST.get("program", "0") or 0) or None
    except ValueError:
        program_id = None
    try:
        if action == "pause":
            services.preference_set(actor=actor, paused_until=timezone.localdate() + timedelta(days=PAUSE_DAYS))
            messages.success(request, f"Matching is paused for {PAUSE_DAYS} days.")
        elif action == "resume":
            services.preference_set(actor=actor, paused_until=None)
            messages.success(request, "Matching is back on.")
        elif action in ("opt_out", "opt_in"):
            services.preference_set(actor=actor, program_id=program_id, opted_out=action == "opt_out")
            messages.success(
                request, "You are out of this program's matching." if action == "opt_out" else "You are back in."
            )
        else:
            messages.error(request, "Choose pause, resume, opt out or opt in.")
    except ValidationError as exc:
        messages.error(request, _message(exc))
    return redirect("matching:mine")


def find_peers(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    permissions.require_member(actor)
    topics = list(vocabulary_queries.topic_list().order_by("name")[:500])
    topic = None
    results: list = []
    raw = request.GET.get("topic", "")
    if raw.isdigit():
        topic = vocabulary_queries.topic_get(topic_id=int(raw))
        if topic is not None:
            results = services.find_peers(actor=actor, topic_id=topic.pk)
    context = {"nav": "matching", "topics": topics, "topic": topic, "results": results, "searched": bool(raw)}
    return render(request, "matching/peers.html", context)


@require_http_methods(["GET", "POST"])
def intros(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    person_id = permissions.require_member(actor, write=request.method == "POST")
    if request.method == "POST":
        form = IntroForm(request.POST)
        if form.is_valid():
            try:
                services.intro_request(
                    actor=actor,
                    to_person_id=form.cleaned_data["to_person"],
                    topic_id=form.cleaned_data["topic"],
                    message=form.cleaned_data["message"],
                )
                messages.success(request, "Your intro request is sent.")
            except ValidationError as exc:
                messages.error(request, _message(exc))
        else:
            messages.error(request, "Choose whom to ask.")
        return redirect("matching:intros")
    lists = queries.intro_list(person_id=person_id)
    context = {"nav": "matching", "received": list(lists["received"][:50]), "sent": list(lists["sent"][:50])}
    return render(request, "matching/intros.html", context)


@require_POST
def intro_answer(request: HttpRequest, intro_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    permissions.require_member(actor, write=True)
    services.intro_answer(actor=actor, intro_id=intro_id, accept=request.POST.get("answer") == "accept")
    messages.success(request, "Your answer is sent.")
    return redirect("matching:intros")


# --- owners -----------------------------------------------------------------------------


def programs(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    permissions.require_member(actor)
    if not actor.is_program_owner:
        raise NotFound()
    items = queries.matching_programs(owner_id=None if actor.is_admin else actor.person_id)
    setups = {s.program_id: s for s in queries.setup_list()}
    rows = [{"program": p, "setup": setups.get(p.pk)} for p in items]
    return render(request, "matching/programs.html", {"nav": "matching", "rows": rows})


@require_http_methods(["GET", "POST"])
def setup(request: HttpRequest, program_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    program = _program(actor, program_id, write=request.method == "POST")
    current = queries.setup_for_program(program_id=program.pk)
    metrics = programs_queries.metric_choices()
    if request.method == "POST":
        form = SetupForm(request.POST, metrics=metrics)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.setup_save(
                    actor=actor,
                    program_id=program.pk,
                    cadence=data["cadence"],
                    mode=data["mode"],
                    group_size=data["group_size"],
                    seats=data["seats"],
                    criteria=form.criteria(),
                    metric_id=data["metric"],
                    allow_relax_cross_unit=data["allow_relax_cross_unit"],
                    next_run_at=data["next_run_at"],
                )
            except ValidationError as exc:
                _errors(form, exc)
            else:
                messages.success(request, "The matching setup is saved.")
                return redirect("matching:setup", program.pk)
    else:
        initial: dict = {"cadence": "monthly", "mode": "pairs", "different_unit": "required"}
        if current is not None:
            initial.update(current.criteria or {})
            initial.update(
                cadence=current.cadence,
                mode=current.mode,
                group_size=current.group_size,
                seats=seats_text(current.seats),
                metric=current.metric_id,
                allow_relax_cross_unit=current.allow_relax_cross_unit,
                next_run_at=current.next_run_at,
            )
        form = SetupForm(initial=initial, metrics=metrics)
    rounds = list(queries.round_list(setup_id=current.pk)[:20]) if current else []
    context = {
        "nav": "matching",
        "program": program,
        "setup": current,
        "form": form,
        "rounds": rounds,
        "has_matching": "matching" in (program.mechanisms or []),
    }
    return render(request, "matching/setup.html", context, status=400 if form.is_bound and form.errors else 200)


@require_POST
def preview(request: HttpRequest, program_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    program = _program(actor, program_id, write=True)
    current = queries.setup_for_program(program_id=program.pk)
    if current is None:
        messages.error(request, "Save the matching setup first.")
        return redirect("matching:setup", program.pk)
    try:
        round_ = services.round_preview(actor=actor, setup_id=current.pk)
    except ValidationError as exc:
        messages.error(request, _message(exc))
        return redirect("matching:setup", program.pk)
    return redirect("matching:round", round_.pk)


def round_detail(request: HttpRequest, round_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    round_ = _round(actor, round_id)
    stats = round_.stats or {}
    bars = [{"label": label, "percent": round(100 * float(stats.get(key, 0) or 0))} for key, label in STAT_ROWS]
    matches = list(queries.round_matches(round_id=round_.pk)[:200])
    context = {
        "nav": "matching",
        "round": round_,
        "program": round_.setup.program,
        "stats": stats,
        "bars": bars,
        "matches": matches,
        "match_total": stats.get("groups", len(matches)),
        "unmatched": list(queries.round_unmatched(round_id=round_.pk)[:200]),
    }
    return render(request, "matching/round.html", context)


@require_POST
def publish(request: HttpRequest, round_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    round_ = _round(actor, round_id, write=True)
    was = round_.status
    round_ = services.round_publish(actor=actor, round_id=round_.pk)
    if was == MatchRound.Status.PREVIEW:
        messages.success(request, f"Round {round_.number} is published; everyone matched has been told.")
    else:
        messages.info(request, f"Round {round_.number} was already published.")
    return redirect("matching:round", round_.pk)


def health(request: HttpRequest, program_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    program = _program(actor, program_id)
    current = queries.setup_for_program(program_id=program.pk)
    result = queries.program_health(setup_id=current.pk) if current else queries.Health()
    top = max((r.people for r in result.rounds), default=0)
    rows = [{"r": r, "width": round(100 * r.people / top) if top else 0} for r in result.rounds]
    context = {"nav": "matching", "program": program, "setup": current, "health": result, "rows": rows}
    return render(request, "matching/health.html", context)
