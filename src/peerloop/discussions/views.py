"""Web pages of discussions: threads of a space, the thread page, asking, search, who to
ask, playbooks with proposals and diffs, the review queue, sessions and my settings."""

from datetime import datetime
from html import escape
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import dateformat, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_http_methods, require_POST

from peerloop.core.permissions import NotFound, require_authenticated
from peerloop.core.roles import Actor
from peerloop.discussions import permissions, queries, search, services
from peerloop.discussions.models import DigestSetting, Post, Proposal, Reaction, Thread, ThreadKind
from peerloop.programs import queries as programs_queries
from peerloop.spaces import queries as spaces_queries
from peerloop.vocabulary import queries as vocabulary_queries

PAGE = 30


def _actor(request: HttpRequest) -> Actor:
    return request.actor  # type: ignore[attr-defined,no-any-return]


def _message(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return " ".join(f"{m}" for msgs in exc.message_dict.values() for m in msgs)
    return " ".join(exc.messages)


def _int(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**62 else None


def _space(actor: Actor, space_id: int):  # type: ignore[no-untyped-def]
    return permissions.require_space_read(actor, spaces_queries.space_get(space_id=space_id, person_id=actor.person_id))


def _thread(actor: Actor, thread_id: int) -> Thread:
    return permissions.require_thread_read(actor, queries.thread_get(thread_id=thread_id))


def _uploads(request: HttpRequest) -> list[services.Upload]:
    files = []
    for f in request.FILES.getlist("files")[: services.threads.MAX_FILES + 1]:
        if f.size and f.size > services.threads.uploads.MAX_BYTES:
            files.append(
                services.Upload(name=f.name or "file", content=b"\0" * (services.threads.uploads.MAX_BYTES + 1))
            )
            continue
        files.append(services.Upload(name=f.name or "file", content=f.read()))
    return files


def _status(exc: ValidationError) -> int:
    return getattr(exc, "status", 422)


# --- threads ------------------------------------------------------------------------------


def index(request: HttpRequest) -> HttpResponse:
    """Recent threads across the spaces I may read, with filters."""
    actor = _actor(request)
    require_authenticated(actor)
    spaces = permissions.readable_space_ids(actor)
    kind = request.GET.get("kind") if request.GET.get("kind") in ThreadKind.values else None
    qs = queries.thread_list(
        space_ids=spaces,
        include_hidden_for=queries.space_ids_moderated(actor=actor, space_ids=spaces),
        kind=kind,
        unanswered=request.GET.get("unanswered") == "1",
    )
    page = Paginator(qs, PAGE).get_page(request.GET.get("page"))
    my_spaces = spaces_queries.space_list_for_person(person_id=actor.person_id) if actor.person_id else []
    context = {
        "nav": "discussions",
        "page": page,
        "kind": kind,
        "kinds": ThreadKind.choices,
        "my_spaces": my_spaces,
        "unanswered": request.GET.get("unanswered") == "1",
    }
    return render(request, "discussions/index.html", context)


def space_threads(request: HttpRequest, space_id: int) -> HttpResponse:
    actor = _actor(request)
    space = _space(actor, space_id)
    _read, write, moderate = permissions.space_access(actor, space)
    kind = request.GET.get("kind") if request.GET.get("kind") in ThreadKind.values else None
    topic_id = _int(request.GET.get("topic"))
    qs = queries.thread_list(
        space_ids=[space.pk], include_hidden_for=[space.pk] if moderate else [], kind=kind, topic_id=topic_id
    )
    page = Paginator(qs, PAGE).get_page(request.GET.get("page"))
    context = {
        "nav": "discussions",
        "space": space,
        "page": page,
        "kind": kind,
        "kinds": ThreadKind.choices,
        "can_write": write,
        "can_moderate": moderate,
        "topic_id": topic_id,
        "playbooks": queries.playbook_list(actor=actor, space_ids=[space.pk]).filter(space_id=space.pk),
    }
    return render(request, "discussions/space.html", context)


@require_http_methods(["GET", "POST"])
def ask(request: HttpRequest, space_id: int) -> HttpResponse:
    actor = _actor(request)
    space = _space(actor, space_id)
    permissions.require_space_write(actor, space)
    values: dict[str, Any] = {"kind": request.GET.get("kind", "question"), "title": "", "body": "", "topics": []}
    status = 200
    if request.method == "POST":
        values = {
            "kind": request.POST.get("kind", ""),
            "title": request.POST.get("title", ""),
            "body": request.POST.get("body", ""),
            "topics": [t for t in (_int(x) for x in request.POST.getlist("topics")) if t],
        }
        try:
            thread = services.thread_create(
                actor=actor,
                space_id=space.pk,
                kind=values["kind"],
                title=values["title"],
                body=values["body"],
                topic_ids=values["topics"],
                files=_uploads(request),
            )
        except ValidationError as exc:
            messages.error(request, _message(exc))
            status = _status(exc)
        else:
            messages.success(request, "Posted.")
            return redirect("discussions:thread", thread.pk)
    topics = list(space.topics.all()) or list(vocabulary_queries.topic_list()[:50])
    context = {"nav": "discussions", "space": space, "values": values, "kinds": ThreadKind.choices, "topics": topics}
    return render(request, "discussions/ask.html", context, status=status)


def _reactions_html(post: Post, mine: set[tuple[int, str]], write: bool) -> SafeString:
    """A post's reaction buttons (a writer) or the counts of its reactions (a reader). The
    values and labels are the code's own (Reaction.Kind), escaped all the same."""
    counts = post.reaction_counts  # type: ignore[attr-defined]
    if not write:
        return mark_safe(
            "".join(f'<span class="tag">{label} · {counts[v]:d}</span>' for v, label in REACTIONS if counts.get(v))
        )
    parts = []
    for value, label in REACTIONS:
        on = (post.pk, value) in mine
        n = f" · {counts[value]:d}" if counts.get(value) else ""
        parts.append(
            f'<button class="secondary small reaction{" on" if on else ""}" name="action" value="react:{value}" '
            f'aria-pressed="{"true" if on else "false"}">{label}{n}</button>'
        )
    return mark_safe("".join(parts))


REACTIONS = [(escape(value), escape(label)) for value, label in Reaction.Kind.choices]


def thread_page(request: HttpRequest, thread_id: int) -> HttpResponse:
    actor = _actor(request)
    thread = _thread(actor, thread_id)
    _read, write, moderate = permissions.space_access(actor, thread.space)
    posts = queries.post_list(thread=thread, include_hidden=moderate)
    mine = queries.my_reactions(person_id=actor.person_id, post_ids=[p.pk for p in posts])
    asker = actor.person_id is not None and actor.person_id == thread.author_id
    can_accept = write and (asker or moderate) and thread.kind == "question"
    # Everything a post shows is decided here, once: the template only prints (a 200-post
    # thread page is mostly template work).
    for p in posts:
        # The reaction buttons (or counts) of each post are built here, not in the template:
        # a 200-post thread would otherwise run 800 template loop turns for four buttons.
        p.reactions_html = _reactions_html(p, mine, write)  # type: ignore[attr-defined]
        # Numbers and dates as text here: the template localizes every number it prints,
        # a lookup of the active language each time, three times a post.
        p.key = str(p.pk)  # type: ignore[attr-defined]
        p.when = dateformat.format(timezone.localtime(p.created_at), "j M Y H:i")  # type: ignore[attr-defined]
        for a in p.files:  # type: ignore[attr-defined]
            a.key = str(a.pk)
        p.can_edit = write and (moderate or (p.author_id == actor.person_id and thread.state == "open"))  # type: ignore[attr-defined]
        p.accepted = p.pk == thread.accepted_post_id  # type: ignore[attr-defined]
        p.can_accept = can_accept and not p.opening and not p.accepted and not p.hidden  # type: ignore[attr-defined]
        p.can_hide = moderate and not p.opening  # type: ignore[attr-defined]
        p.can_flag = p.author_id != actor.person_id  # type: ignore[attr-defined]
        p.safe_html = mark_safe(p.html)  # type: ignore[attr-defined]  # sanitized by nh3 when written
    can_reply = write and (thread.state == Thread.State.OPEN or moderate)
    context = {
        "nav": "discussions",
        "thread": thread,
        "posts": posts,
        "can_reply": can_reply,
        "can_write": write,
        "can_moderate": moderate,
        "can_accept": can_accept,
        "follow": queries.follow_mode(thread_id=thread.pk, person_id=actor.person_id),
        "is_asker": asker,
        "members": spaces_queries.member_list(space_id=thread.space_id) if moderate else [],
        "move_targets": [
            s
            for s in spaces_queries.space_list_for_person(person_id=actor.person_id)
            if getattr(s, "my_role", None) == "host" and s.pk != thread.space_id
        ]
        if moderate and actor.person_id
        else [],
    }
    return render(request, "discussions/thread.html", context)


def experts_panel(request: HttpRequest, thread_id: int) -> HttpResponse:
    """Who to ask (an htmx partial of the thread page)."""
    actor = _actor(request)
    thread = _thread(actor, thread_id)
    suggestions = queries.who_to_ask(
        thread=thread, asker_id=thread.author_id, space_ids=permissions.readable_space_ids(actor)
    )
    can_invite = (actor.person_id == thread.author_id or permissions.can_moderate(actor, thread.space)) and (
        permissions.space_access(actor, thread.space)[1]
    )
    return render(
        request, "discussions/_experts.html", {"thread": thread, "suggestions": suggestions, "can_invite": can_invite}
    )


@require_POST
def invite(request: HttpRequest, thread_id: int) -> HttpResponse:
    actor = _actor(request)
    thread = _thread(actor, thread_id)
    person_id = _int(request.POST.get("person"))
    try:
        sent = services.expert_invite(
            actor=actor, thread_id=thread.pk, person_id=person_id or 0, message=request.POST.get("message", "")
        )
    except ValidationError as exc:
        messages.error(request, _message(exc))
    else:
        messages.success(request, "Invitation sent." if sent else "You had already invited someone; they were told.")
    return redirect("discussions:thread", thread.pk)


@require_POST
def reply(request: HttpRequest, thread_id: int) -> HttpResponse:
    actor = _actor(request)
    thread = _thread(actor, thread_id)
    try:
        post = services.post_create(
            actor=actor, thread_id=thread.pk, body=request.POST.get("body", ""), files=_uploads(request)
        )
    except ValidationError as exc:
        messages.error(request, _message(exc))
        response = redirect("discussions:thread", thread.pk)
        if _status(exc) == 413:
            response.status_code = 302
        return response
    return redirect(f"{services.thread_url(thread, post.pk)}")


@require_POST
def post_action(request: HttpRequest, post_id: int) -> HttpResponse:
    """react:<kind>, accept, flag, hide, unhide on one post."""
    actor = _actor(request)
    permissions.require_person(actor)
    action = request.POST.get("action", "")
    post = services.threads.post_or_404(post_id)
    permissions.require_thread_read(actor, post.thread)
    try:
        if action.startswith("react:"):
            services.reaction_toggle(actor=actor, post_id=post.pk, kind=action[6:])
        elif action == "accept":
            services.answer_accept(actor=actor, post_id=post.pk)
            messages.success(request, "Answer accepted.")
        elif action == "flag":
            services.post_flag(actor=actor, post_id=post.pk, reason=request.POST.get("reason", ""))
            messages.success(request, "Thanks, the hosts will look at it.")
        elif action in ("hide", "unhide"):
            services.post_hide(actor=actor, post_id=post.pk, hidden=action == "hide")
        else:
            messages.error(request, "Unknown action.")
    except ValidationError as exc:
        messages.error(request, _message(exc))
    if request.htmx and action.startswith("react:"):  # type: ignore[attr-defined]
        return HttpResponse(status=204, headers={"HX-Refresh": "true"})
    return redirect(services.thread_url(post.thread, post.pk))


@require_http_methods(["GET", "POST"])
def post_edit(request: HttpRequest, post_id: int) -> HttpResponse:
    actor = _actor(request)
    permissions.require_person(actor)
    post = services.threads.post_or_404(post_id)
    permissions.require_post_edit(actor, post)
    values = {"body": post.body, "title": post.thread.title}
    if request.method == "POST":
        values = {"body": request.POST.get("body", ""), "title": request.POST.get("title", post.thread.title)}
        try:
            services.post_edit(
                actor=actor, post_id=post.pk, body=values["body"], title=values["title"] if post.opening else None
            )
        except ValidationError as exc:
            messages.error(request, _message(exc))
        else:
            messages.success(request, "Saved. The earlier text is kept in the history.")
            return redirect(services.thread_url(post.thread, post.pk))
    revisions = post.revisions.select_related("editor")
    return render(
        request, "discussions/edit.html", {"nav": "discussions", "post": post, "values": values, "revisions": revisions}
    )


@require_POST
def thread_action(request: HttpRequest, thread_id: int) -> HttpResponse:
    """follow, mute, unfollow; lock, unlock, hide, unhide, move, assign; verify, obsolete."""
    actor = _actor(request)
    thread = _thread(actor, thread_id)
    action = request.POST.get("action", "")
    try:
        if action in ("follow", "mute", "unfollow"):
            services.thread_follow(actor=actor, thread_id=thread.pk, mode="none" if action == "unfollow" else action)
        elif action in services.MODERATION:
            services.thread_moderate(actor=actor, thread_id=thread.pk, action=action)
        elif action == "move":
            services.thread_move(actor=actor, thread_id=thread.pk, space_id=_int(request.POST.get("space")) or 0)
        elif action == "assign":
            services.thread_assign(actor=actor, thread_id=thread.pk, person_id=_int(request.POST.get("person")))
        elif action in ("verify", "obsolete", "reopen"):
            services.review_resolve(actor=actor, thread_id=thread.pk, action=action)
        else:
            messages.error(request, "Unknown action.")
            return redirect("discussions:thread", thread.pk)
    except ValidationError as exc:
        messages.error(request, _message(exc))
    else:
        messages.success(request, "Done.")
    if request.POST.get("next") == "review":
        return redirect("discussions:review")
    return redirect("discussions:thread", thread.pk)


def attachment(request: HttpRequest, attachment_id: int) -> FileResponse:
    actor = _actor(request)
    require_authenticated(actor)
    att = services.attachment_get(actor=actor, attachment_id=attachment_id)
    response = FileResponse(
        att.file.open("rb"), content_type=att.content_type, as_attachment=not att.is_image, filename=att.name
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- search -------------------------------------------------------------------------------


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    day = parse_date(value)
    if day is None:
        return None
    return timezone.make_aware(datetime(day.year, day.month, day.day))


def search_page(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    require_authenticated(actor)
    spaces = permissions.readable_space_ids(actor)
    text = request.GET.get("q", "")
    kind = request.GET.get("type") or None
    if kind not in (*ThreadKind.values, "entry", None):
        kind = None
    filters = search.Filters(
        space_ids=spaces,
        space_id=_int(request.GET.get("space")),
        topic_id=_int(request.GET.get("topic")),
        kind=kind,
        author_id=_int(request.GET.get("author")),
        since=_date(request.GET.get("since")),
        until=_date(request.GET.get("until")),
    )
    hits: list[search.Hit] = []
    error = ""
    status = 200
    page = max(1, _int(request.GET.get("page")) or 1)
    if text:
        try:
            hits = search.search(text=text, filters=filters, offset=(page - 1) * search.PAGE)
        except search.SearchError as exc:
            error, status = str(exc), 400
    space_names = {s.pk: s.name for s in spaces_queries.space_list_for(actor=actor) if s.pk in spaces}
    for h in hits:
        h.extra["space"] = space_names.get(h.space_id, "Programs")
        h.extra["url"] = (
            services.thread_url(Thread(pk=h.thread_id), h.post_id)
            if h.thread_id
            else f"/discussions/entries/{h.entry_id}/"
        )
    context = {
        "nav": "discussions",
        "q": text,
        "hits": hits,
        "error": error,
        "filters": filters,
        "kind": kind,
        "kinds": [*ThreadKind.choices, ("entry", "Playbook entry")],
        "spaces": sorted(space_names.items(), key=lambda s: s[1]),
        "topics": vocabulary_queries.topic_list()[:100],
        "page": page,
        "more": len(hits) == search.PAGE,
        "since": request.GET.get("since", ""),
        "until": request.GET.get("until", ""),
    }
    template = "discussions/_results.html" if request.htmx else "discussions/search.html"  # type: ignore[attr-defined]
    return render(request, template, context, status=status)


# --- playbooks ----------------------------------------------------------------------------


def playbooks(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    require_authenticated(actor)
    spaces = permissions.readable_space_ids(actor)
    return render(
        request,
        "discussions/playbooks.html",
        {
            "nav": "discussions",
            "playbooks": queries.playbook_list(actor=actor, space_ids=spaces),
            "can_start": actor.is_internal and bool(_playbook_homes(actor)),
        },
    )


def _playbook_homes(actor: Actor) -> list[tuple[str, str]]:
    """Where the actor may start a playbook: the spaces they host, the programs they own
    (every program for an admin), as (value, label) of the form's choice."""
    homes: list[tuple[str, str]] = []
    if actor.person_id is not None:
        homes += [
            (f"space:{s.pk}", f"Space: {s.name}")
            for s in spaces_queries.space_list_for_person(person_id=actor.person_id)
            if getattr(s, "my_role", None) == "host" or actor.is_admin
        ]
    if actor.is_admin or actor.person_id is not None:
        programs = programs_queries.program_list(owner_id=None if actor.is_admin else actor.person_id)
        homes += [(f"program:{p.pk}", f"Program: {p.name}") for p in programs]
    return homes


@require_http_methods(["GET", "POST"])
def playbook_new(request: HttpRequest) -> HttpResponse:
    """Start a playbook of a space (its hosts) or of a program (its owner, admins)."""
    actor = _actor(request)
    permissions.require_person(actor)
    if not actor.is_internal:
        raise NotFound()
    homes = _playbook_homes(actor)
    values = {
        "home": request.POST.get("home") or request.GET.get("home", ""),
        "title": request.POST.get("title", ""),
        "description": request.POST.get("description", ""),
        "revalidate_days": request.POST.get("revalidate_days", "180"),
    }
    status = 200
    if request.method == "POST":
        kind, _, number = values["home"].partition(":")
        home_id = _int(number)
        try:
            if kind not in ("space", "program") or home_id is None:
                raise ValidationError({"home": "Choose the space or program the playbook belongs to."})
            days = _int(values["revalidate_days"])
            if days is None:
                raise ValidationError({"revalidate_days": "Re-validate entries every 1 to 3,650 days."})
            playbook = services.playbook_create(
                actor=actor,
                title=values["title"],
                space_id=home_id if kind == "space" else None,
                program_id=home_id if kind == "program" else None,
                description=values["description"],
                revalidate_days=days,
            )
        except ValidationError as exc:
            messages.error(request, _message(exc))
            status = 422
        else:
            return redirect("discussions:playbook", playbook.pk)
    context = {"nav": "discussions", "homes": homes, "values": values}
    return render(request, "discussions/playbook_new.html", context, status=status)


@require_POST
def playbook_create(request: HttpRequest, space_id: int) -> HttpResponse:
    actor = _actor(request)
    space = _space(actor, space_id)
    try:
        playbook = services.playbook_create(
            actor=actor,
            space_id=space.pk,
            title=request.POST.get("title", ""),
            description=request.POST.get("description", ""),
        )
    except ValidationError as exc:
        messages.error(request, _message(exc))
        return redirect("discussions:space", space.pk)
    return redirect("discussions:playbook", playbook.pk)


def playbook_page(request: HttpRequest, playbook_id: int) -> HttpResponse:
    actor = _actor(request)
    playbook = permissions.require_playbook_read(actor, queries.playbook_get(playbook_id=playbook_id))
    _read, propose, merge = permissions.playbook_access(actor, playbook)
    context = {
        "nav": "discussions",
        "playbook": playbook,
        "entries": queries.entries_for(playbook=playbook),
        "proposals": queries.proposal_list(playbook_id=playbook.pk)[:50],
        "can_propose": propose,
        "can_merge": merge,
    }
    return render(request, "discussions/playbook.html", context)


@require_http_methods(["GET", "POST"])
def propose(request: HttpRequest, playbook_id: int) -> HttpResponse:
    actor = _actor(request)
    playbook = permissions.require_playbook_read(actor, queries.playbook_get(playbook_id=playbook_id))
    permissions.require_playbook_propose(actor, playbook)
    entry = None
    entry_id = _int(request.GET.get("entry") or request.POST.get("entry"))
    if entry_id:
        entry = queries.entry_get(entry_id=entry_id)
        if entry is None or entry.playbook_id != playbook.pk:
            raise NotFound()
    values: dict[str, Any] = {
        "title": entry.title if entry else "",
        "body": entry.body if entry else "",
        "reason": "",
        "base_version": entry.version if entry else 0,
    }
    if request.method == "POST":
        values = {
            "title": request.POST.get("title", ""),
            "body": request.POST.get("body", ""),
            "reason": request.POST.get("reason", ""),
            "base_version": _int(request.POST.get("base_version")) or 0,
        }
        try:
            proposal = services.proposal_create(
                actor=actor,
                playbook_id=playbook.pk,
                entry_id=entry.pk if entry else None,
                title=values["title"],
                body=values["body"],
                reason=values["reason"],
                base_version=values["base_version"] or None,
            )
        except ValidationError as exc:
            messages.error(request, _message(exc))
        else:
            messages.success(request, "Proposed. Peers can now endorse or object.")
            return redirect("discussions:proposal", proposal.pk)
    return render(
        request,
        "discussions/propose.html",
        {"nav": "discussions", "playbook": playbook, "entry": entry, "values": values},
    )


def proposal_page(request: HttpRequest, proposal_id: int) -> HttpResponse:
    actor = _actor(request)
    proposal = queries.proposal_get(proposal_id=proposal_id)
    permissions.require_playbook_read(actor, proposal.playbook if proposal else None)
    assert proposal is not None
    _read, can_vote, can_merge = permissions.playbook_access(actor, proposal.playbook)
    votes = list(proposal.votes.all())
    context = {
        "nav": "discussions",
        "proposal": proposal,
        "playbook": proposal.playbook,
        "diff": queries.proposal_diff(proposal=proposal),
        "conflict_diff": queries.conflict_diff(proposal=proposal) if proposal.status == "conflict" else "",
        "votes": votes,
        "can_vote": can_vote and proposal.status == Proposal.Status.OPEN,
        "can_merge": can_merge and proposal.status == Proposal.Status.OPEN,
        "my_vote": next((v.kind for v in votes if v.person_id == actor.person_id), ""),
    }
    return render(request, "discussions/proposal.html", context)


@require_POST
def proposal_action(request: HttpRequest, proposal_id: int) -> HttpResponse:
    actor = _actor(request)
    proposal = queries.proposal_get(proposal_id=proposal_id)
    permissions.require_playbook_read(actor, proposal.playbook if proposal else None)
    assert proposal is not None
    action = request.POST.get("action", "")
    try:
        if action in ("endorse", "object"):
            services.proposal_vote(
                actor=actor, proposal_id=proposal.pk, kind=action, comment=request.POST.get("comment", "")
            )
            messages.success(request, "Your vote is recorded.")
        elif action == "merge":
            entry = services.proposal_merge(actor=actor, proposal_id=proposal.pk, note=request.POST.get("note", ""))
            messages.success(request, f"Merged as version {entry.version}.")
            return redirect("discussions:entry", entry.pk)
        elif action == "reject":
            services.proposal_reject(actor=actor, proposal_id=proposal.pk)
        else:
            messages.error(request, "Unknown action.")
    except ValidationError as exc:
        messages.error(request, _message(exc))
    return redirect("discussions:proposal", proposal.pk)


def entry_page(request: HttpRequest, entry_id: int) -> HttpResponse:
    actor = _actor(request)
    entry = queries.entry_get(entry_id=entry_id)
    permissions.require_playbook_read(actor, entry.playbook if entry else None)
    assert entry is not None
    versions = queries.entry_versions(entry_id=entry.pk)
    for newer, older in zip(versions, [*versions[1:], None], strict=False):
        old_text = f"# {older.title}\n{older.body}" if older else ""
        newer.diff = queries.diff_html(old_text, f"# {newer.title}\n{newer.body}")  # type: ignore[attr-defined]
    _read, propose, merge = permissions.playbook_access(actor, entry.playbook)
    evidence = [t for t in entry.evidence.select_related("space") if permissions.thread_visible(actor, t)]
    context = {
        "nav": "discussions",
        "entry": entry,
        "versions": versions,
        "evidence": evidence,
        "can_propose": propose,
        "can_merge": merge,
    }
    return render(request, "discussions/entry.html", context)


@require_POST
def entry_action(request: HttpRequest, entry_id: int) -> HttpResponse:
    """revalidate, or evidence (thread ids, comma-separated)."""
    actor = _actor(request)
    entry = queries.entry_get(entry_id=entry_id)
    permissions.require_playbook_read(actor, entry.playbook if entry else None)
    assert entry is not None
    action = request.POST.get("action", "")
    try:
        if action == "revalidate":
            services.entry_revalidate(actor=actor, entry_id=entry.pk)
            messages.success(request, "Marked as still valid.")
        elif action == "evidence":
            ids = [i for i in (_int(x.strip()) for x in request.POST.get("threads", "").split(",")) if i]
            services.entry_evidence_set(actor=actor, entry_id=entry.pk, thread_ids=ids)
            messages.success(request, "Evidence saved.")
        else:
            messages.error(request, "Unknown action.")
    except ValidationError as exc:
        messages.error(request, _message(exc))
    return redirect("discussions:entry", entry.pk)


# --- review, sessions, me -----------------------------------------------------------------


def review(request: HttpRequest) -> HttpResponse:
    """The review queue of the spaces I host: stale or superseded answers and lessons, flagged posts."""
    actor = _actor(request)
    require_authenticated(actor)
    moderated = queries.space_ids_moderated(actor=actor, space_ids=permissions.readable_space_ids(actor))
    context = {
        "nav": "discussions",
        "threads": queries.review_queue(space_ids=moderated)[:100],
        "flagged": queries.flagged_posts(space_ids=moderated)[:100],
        "hosts_any": bool(moderated),
    }
    return render(request, "discussions/review.html", context)


@require_http_methods(["GET", "POST"])
def sessions(request: HttpRequest, space_id: int) -> HttpResponse:
    actor = _actor(request)
    space = _space(actor, space_id)
    _read, _write, moderate = permissions.space_access(actor, space)
    if request.method == "POST":
        permissions.require_space_moderate(actor, space)
        starts = parse_datetime(request.POST.get("starts_at", "") or "")
        if starts is not None and timezone.is_naive(starts):
            starts = timezone.make_aware(starts)
        try:
            if starts is None:
                raise ValidationError({"starts_at": "Give the date and time the session starts."})
            session = services.session_create(
                actor=actor,
                space_id=space.pk,
                title=request.POST.get("title", ""),
                starts_at=starts,
                duration_minutes=_int(request.POST.get("duration")) or 45,
                repeat_days=_int(request.POST.get("repeat")) or 0,
            )
        except ValidationError as exc:
            messages.error(request, _message(exc))
        else:
            messages.success(request, "Planned; members got a calendar invitation.")
            return redirect("discussions:session", session.pk)
    context = {
        "nav": "discussions",
        "space": space,
        "sessions": queries.session_list(space_ids=[space.pk])[:50],
        "can_moderate": moderate,
        "agenda": services.session_agenda(space_id=space.pk),
    }
    return render(request, "discussions/sessions.html", context)


@require_http_methods(["GET", "POST"])
def session_page(request: HttpRequest, session_id: int) -> HttpResponse:
    actor = _actor(request)
    session = queries.session_get(session_id=session_id)
    permissions.require_space_read(actor, session.space if session else None)
    assert session is not None
    _read, write, moderate = permissions.space_access(actor, session.space)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "attend":
                services.session_attend(actor=actor, session_id=session.pk)
                messages.success(request, "Marked as attended.")
            elif action == "notes":
                services.session_notes(
                    actor=actor,
                    session_id=session.pk,
                    notes=request.POST.get("notes", ""),
                    as_lesson=request.POST.get("as_lesson") == "1",
                )
                messages.success(request, "Notes saved.")
            else:
                messages.error(request, "Unknown action.")
        except ValidationError as exc:
            messages.error(request, _message(exc))
        return redirect("discussions:session", session.pk)
    attendees = list(session.attendees.all())
    context = {
        "nav": "discussions",
        "session": session,
        "attendees": attendees,
        "can_write": write,
        "can_moderate": moderate,
        "attended": any(p.pk == actor.person_id for p in attendees),
    }
    return render(request, "discussions/session.html", context)


@require_http_methods(["GET", "POST"])
def me(request: HttpRequest) -> HttpResponse:
    """My digest settings and what happened to my input."""
    actor = _actor(request)
    person_id = permissions.require_person(actor)
    if request.method == "POST":
        try:
            services.digest_setting_save(
                actor=actor,
                frequency=request.POST.get("frequency", ""),
                muted_spaces=[i for i in (_int(x) for x in request.POST.getlist("muted")) if i],
                topic_ids=[i for i in (_int(x) for x in request.POST.getlist("topics")) if i],
            )
        except ValidationError as exc:
            messages.error(request, _message(exc))
        else:
            messages.success(request, "Saved.")
        return redirect("discussions:me")
    setting = queries.digest_setting_for(person_id=person_id)
    spaces = permissions.readable_space_ids(actor)
    context = {
        "nav": "discussions",
        "setting": setting,
        "frequencies": DigestSetting.Frequency.choices,
        "my_spaces": spaces_queries.space_list_for_person(person_id=person_id),
        "muted": set(setting.muted_spaces) if setting else set(),
        "followed": set(setting.followed_topics.values_list("id", flat=True)) if setting else set(),
        "topics": vocabulary_queries.topic_list()[:100],
        "timeline": queries.input_timeline(person_id=person_id, space_ids=spaces),
    }
    return render(request, "discussions/me.html", context)
