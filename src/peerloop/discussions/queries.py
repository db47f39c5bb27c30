"""Reads of discussions. Visibility is decided by permissions.py; these functions take
the space ids an actor may read where a list crosses spaces."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
import difflib
import html

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from peerloop.core.roles import Actor
from peerloop.discussions import experts
from peerloop.discussions.models import (
    Attachment,
    DigestSetting,
    EntryVersion,
    Follow,
    PeerSession,
    Playbook,
    PlaybookEntry,
    Post,
    PostRevision,
    Proposal,
    Reaction,
    Thread,
)
from peerloop.people.models import Person as PersonModel
from peerloop.spaces import queries as spaces_queries
from peerloop.spaces.models import Space
from peerloop.vocabulary.models import Topic

EXPERT_HALF_LIFE_DAYS = 365.0


def thread_get(*, thread_id: int) -> Thread | None:
    return (
        Thread.objects.select_related("space", "author", "owner", "accepted_post")
        .prefetch_related("topics")
        .filter(pk=thread_id)
        .first()
    )


def thread_list(
    *,
    space_ids: Iterable[int],
    include_hidden_for: Iterable[int] = (),
    kind: str | None = None,
    topic_id: int | None = None,
    unanswered: bool = False,
    q: str | None = None,
) -> QuerySet[Thread]:
    """Threads of the given spaces, most recently active first; hidden ones only in the
    spaces of ``include_hidden_for`` (where the actor moderates)."""
    qs = Thread.objects.filter(space_id__in=list(space_ids))
    moderated = list(include_hidden_for)
    qs = qs.filter(~Q(state=Thread.State.HIDDEN) | Q(space_id__in=moderated))
    if kind:
        qs = qs.filter(kind=kind)
    if topic_id:
        qs = qs.filter(topics__id=topic_id)
    if unanswered:
        qs = qs.filter(kind="question", accepted_post__isnull=True)
    if q:
        qs = qs.filter(title__icontains=q)
    return qs.select_related("space", "author", "owner").prefetch_related("topics").order_by("-last_activity_at", "-id")


def post_list(*, thread: Thread, include_hidden: bool = False) -> list[Post]:
    """The posts of a thread in order, with authors (name and unit only), their attachments
    (``files``), revision counts and reaction counts: four queries whatever the number of posts."""
    qs = Post.objects.filter(thread=thread)
    if not include_hidden:
        qs = qs.filter(hidden=False)
    posts: list[Post] = list(
        qs.select_related("author", "author__unit")
        .only(*POST_FIELDS, "author__name", "author__unit__name")
        .order_by("created_at", "id")
    )
    ids = [p.pk for p in posts]
    files: dict[int, list[Attachment]] = {}
    for attachment in Attachment.objects.filter(post_id__in=ids).order_by("id"):
        files.setdefault(attachment.post_id, []).append(attachment)
    edited = [p.pk for p in posts if p.edited_at is not None]
    revisions = dict(
        PostRevision.objects.filter(post_id__in=edited).values_list("post_id").annotate(n=Count("id")).order_by()
        if edited
        else []
    )
    counts: dict[int, dict[str, int]] = {}
    for row in Reaction.objects.filter(post__in=ids).values("post_id", "kind").annotate(n=Count("id")).order_by():
        counts.setdefault(row["post_id"], {})[row["kind"]] = row["n"]
    for p in posts:
        p.reaction_counts = counts.get(p.pk, {})  # type: ignore[attr-defined]
        p.revision_count = revisions.get(p.pk, 0)  # type: ignore[attr-defined]
        p.files = files.get(p.pk, [])  # type: ignore[attr-defined]
    return posts


POST_FIELDS = ("id", "thread_id", "author_id", "body", "html", "opening", "hidden", "created_at", "edited_at")


def my_reactions(*, person_id: int | None, post_ids: list[int]) -> set[tuple[int, str]]:
    if person_id is None:
        return set()
    return set(Reaction.objects.filter(person_id=person_id, post_id__in=post_ids).values_list("post_id", "kind"))


def digest_setting_for(*, person_id: int) -> DigestSetting | None:
    return DigestSetting.objects.filter(person_id=person_id).first()


def follow_mode(*, thread_id: int, person_id: int | None) -> str:
    row = Follow.objects.filter(thread_id=thread_id, person_id=person_id).first() if person_id else None
    if row is None:
        return "none"
    return "mute" if row.muted else "follow"


def post_revisions(*, post_id: int) -> QuerySet:
    return Post.objects.get(pk=post_id).revisions.select_related("editor")


def review_queue(*, space_ids: Iterable[int]) -> QuerySet[Thread]:
    return (
        Thread.objects.filter(space_id__in=list(space_ids), health=Thread.Health.REVIEW)
        .exclude(state=Thread.State.HIDDEN)
        .select_related("space", "author", "superseded_by")
        .order_by("created_at", "id")
    )


def flagged_posts(*, space_ids: Iterable[int]) -> QuerySet[Post]:
    return (
        Post.objects.filter(thread__space_id__in=list(space_ids), flags__resolved=False, hidden=False)
        .select_related("thread", "author")
        .annotate(flag_total=Count("flags"))
        .order_by("-flag_total", "id")
    )


# --- playbooks ----------------------------------------------------------------------------


def playbook_list(*, actor: Actor, space_ids: Iterable[int]) -> QuerySet[Playbook]:
    qs = Playbook.objects.filter(space_id__in=list(space_ids))
    if actor.is_internal:
        qs = Playbook.objects.filter(Q(space_id__in=list(space_ids)) | Q(space__isnull=True))
    return qs.select_related("space", "program").annotate(entry_count=Count("entries")).order_by("title", "id")


def playbook_get(*, playbook_id: int) -> Playbook | None:
    return Playbook.objects.select_related("space", "program").filter(pk=playbook_id).first()


def entries_for(*, playbook: Playbook) -> list[PlaybookEntry]:
    """Entries in order, each with ``needs_review`` (not re-validated in time) and its open proposals."""
    cutoff = timezone.now() - timedelta(days=playbook.revalidate_days)
    entries = list(
        playbook.entries.prefetch_related(
            Prefetch("proposals", queryset=Proposal.objects.filter(status=Proposal.Status.OPEN)), "evidence"
        ).order_by("position", "id")
    )
    for e in entries:
        e.needs_review = e.validated_at < cutoff  # type: ignore[attr-defined]
    return entries


def entry_get(*, entry_id: int) -> PlaybookEntry | None:
    return PlaybookEntry.objects.select_related("playbook__space", "playbook__program").filter(pk=entry_id).first()


def entry_versions(*, entry_id: int) -> list[EntryVersion]:
    return list(
        EntryVersion.objects.filter(entry_id=entry_id).select_related("author", "merged_by").order_by("-number")
    )


def proposal_list(*, playbook_id: int) -> QuerySet[Proposal]:
    return (
        Proposal.objects.filter(playbook_id=playbook_id)
        .select_related("entry", "proposer")
        .annotate(
            endorse_count=Count("votes", filter=Q(votes__kind="endorse")),
            object_count=Count("votes", filter=Q(votes__kind="object")),
        )
        .order_by("-created_at", "-id")
    )


def proposal_get(*, proposal_id: int) -> Proposal | None:
    return (
        Proposal.objects.select_related("playbook__space", "playbook__program", "entry", "proposer")
        .prefetch_related("votes__person")
        .filter(pk=proposal_id)
        .first()
    )


def diff_html(old: str, new: str) -> str:
    """A line diff of two texts as an HTML table body; every piece of text escaped."""
    rows = []
    for line in difflib.ndiff(old.splitlines(), new.splitlines()):
        tag, text = line[:1], html.escape(line[2:])
        if tag == "?":
            continue
        cls = {"+": "diff-add", "-": "diff-del"}.get(tag, "diff-same")
        sign = {"+": "+", "-": "−"}.get(tag, " ")
        rows.append(f'<tr class="{cls}"><td class="diff-sign">{sign}</td><td><pre>{text}</pre></td></tr>')
    return "".join(rows)


def proposal_diff(*, proposal: Proposal) -> str:
    """The proposal against the version it was written on (or against nothing, for a new entry)."""
    base_title, base_body = "", ""
    if proposal.entry_id:
        version = EntryVersion.objects.filter(entry_id=proposal.entry_id, number=proposal.base_version).first()
        if version:
            base_title, base_body = version.title, version.body
    return diff_html(f"# {base_title}\n{base_body}" if base_title else "", f"# {proposal.title}\n{proposal.body}")


def conflict_diff(*, proposal: Proposal) -> str:
    """For a conflicting proposal: the entry's current text against the proposal."""
    if proposal.entry is None:
        return ""
    entry = proposal.entry
    return diff_html(f"# {entry.title}\n{entry.body}", f"# {proposal.title}\n{proposal.body}")


# --- sessions and timeline ----------------------------------------------------------------


def session_list(*, space_ids: Iterable[int]) -> QuerySet[PeerSession]:
    return PeerSession.objects.filter(space_id__in=list(space_ids)).select_related("space").order_by("-starts_at")


def session_get(*, session_id: int) -> PeerSession | None:
    return (
        PeerSession.objects.select_related("space", "lesson", "previous", "next_occurrence")
        .filter(pk=session_id)
        .first()
    )


def input_timeline(*, person_id: int, space_ids: Iterable[int], limit: int = 50) -> list[dict]:
    """What happened to my input: my questions (answers, accepted), my lessons
    (endorsements, adoptions, review) and my proposals (merged, conflict, rejected)."""
    spaces = list(space_ids)
    items: list[dict] = []
    threads = (
        Thread.objects.filter(author_id=person_id, space_id__in=spaces)
        .select_related("space")
        .annotate(
            endorsements=Count("posts__reactions", filter=Q(posts__opening=True, posts__reactions__kind="endorse")),
            adoptions=Count("posts__reactions", filter=Q(posts__opening=True, posts__reactions__kind="adopted")),
        )
        .order_by("-created_at")[:limit]
    )
    for t in threads:
        if t.kind == "question":
            status = (
                "answer accepted"
                if t.accepted_post_id
                else (f"{t.reply_count} answers" if t.reply_count else "waiting for answers")
            )
        elif t.kind == "lesson":
            status = f"{t.endorsements} endorsements, {t.adoptions} adoptions"  # type: ignore[attr-defined]
            if t.health != Thread.Health.CURRENT:
                status += f" · {t.get_health_display().lower()}"
        else:
            status = f"{t.reply_count} replies"
        items.append(
            {
                "at": t.created_at,
                "what": t.get_kind_display(),
                "title": t.title,
                "status": status,
                "url": f"/discussions/threads/{t.pk}/",
            }
        )
    proposals = Proposal.objects.filter(proposer_id=person_id).select_related("playbook__space", "playbook")
    proposals = proposals.filter(Q(playbook__space_id__in=spaces) | Q(playbook__space__isnull=True))
    for p in proposals.order_by("-created_at")[:limit]:
        items.append(
            {
                "at": p.created_at,
                "what": "Playbook proposal",
                "title": p.title,
                "status": p.get_status_display().lower(),
                "url": f"/discussions/proposals/{p.pk}/",
            }
        )
    items.sort(key=lambda i: i["at"], reverse=True)
    return items[:limit]


def space_ids_moderated(*, actor: Actor, space_ids: Iterable[int]) -> set[int]:
    """Of ``space_ids``, those the actor moderates (hosts them, or is an admin)."""
    if actor.is_admin:
        return set(space_ids)
    if actor.person_id is None or not actor.can_write:
        return set()
    hosted = {
        s.pk
        for s in spaces_queries.space_list_for_person(person_id=actor.person_id)
        if getattr(s, "my_role", None) == "host"
    }
    return hosted & set(space_ids)


# --- who to ask ---------------------------------------------------------------------------


@dataclass
class ExpertSuggestion:
    person_id: int
    name: str
    title: str
    unit: str
    level: int | None
    score: float
    reasons: list[str]


def _reader_filter(space: Space) -> Q:
    """People who may read the space's discussions (so an invitation makes sense)."""
    members = Q(memberships__space_id=space.pk)
    if space.kind == Space.Kind.COMMUNITY:
        return members | Q(kind=PersonModel.Kind.EMPLOYEE)
    return members


def who_to_ask(*, thread: Thread, asker_id: int | None, space_ids: Iterable[int], k: int = 5) -> list[ExpertSuggestion]:
    """People to invite to answer ``thread``, ranked by experts.rank from the evidence in
    the spaces the asker may read (answers, accepted answers, endorsements, lessons)."""
    topic_ids = [t.pk for t in thread.topics.all()]
    if not topic_ids:
        return []
    spaces = list(space_ids)
    through = Thread.topics.through
    thread_topics: dict[int, list[int]] = {}
    for thread_id, topic_id in through.objects.filter(thread__space_id__in=spaces).values_list("thread_id", "topic_id"):
        thread_topics.setdefault(thread_id, []).append(topic_id)
    topic_index = {
        t: i for i, t in enumerate(sorted({t for ts in thread_topics.values() for t in ts} | set(topic_ids)))
    }
    posts = (
        Post.objects.filter(thread__space_id__in=spaces, hidden=False, author__isnull=False, author__active=True)
        .exclude(thread__state=Thread.State.HIDDEN)
        .exclude(thread_id=thread.pk)
        .values_list(
            "id", "author_id", "thread_id", "opening", "thread__kind", "thread__accepted_post_id", "created_at"
        )
    )
    endorsements = dict(
        Reaction.objects.filter(post__thread__space_id__in=spaces, kind__in=["endorse", "helpful", "adopted"])
        .values("post_id")
        .annotate(n=Count("id"))
        .values_list("post_id", "n")
    )
    person_index: dict[int, int] = {}
    contributions = []
    now = timezone.now()
    for post_id, author_id, thread_id, opening, kind, accepted_id, created in posts:
        tags = tuple(topic_index[t] for t in thread_topics.get(thread_id, ()))
        if not tags:
            continue
        lesson = opening and kind == "lesson"
        if opening and not lesson:
            continue  # asking is not evidence of knowing
        idx = person_index.setdefault(author_id, len(person_index))
        contributions.append(
            experts.Contribution(
                person=idx,
                tags=tags,
                time=-(now - created).days,
                accepted=accepted_id == post_id,
                endorsements=endorsements.get(post_id, 0),
                lesson=lesson,
            )
        )
    if asker_id is not None:
        person_index.setdefault(asker_id, len(person_index))
    if not contributions:
        return []
    ids = list(person_index)
    people = {
        p.pk: p
        for p in PersonModel.objects.filter(pk__in=ids, active=True)
        .filter(_reader_filter(thread.space))
        .select_related("unit")
        .distinct()
    }
    if asker_id is not None and asker_id not in people:
        asker = PersonModel.objects.select_related("unit").filter(pk=asker_id).first()
        if asker is not None:
            people[asker_id] = asker
    plain = [
        experts.Person(level=people[i].level or -1, unit=people[i].unit_id or -1) if i in people else experts.Person()
        for i in ids
    ]
    profiles = experts.build_profiles(
        contributions, n_people=len(ids), n_tags=len(topic_index), now=0.0, half_life=EXPERT_HALF_LIFE_DAYS
    )
    names = [""] * len(topic_index)
    for topic in Topic.objects.filter(pk__in=list(topic_index)):
        names[topic_index[topic.pk]] = topic.name
    ranked = experts.rank(
        profiles,
        [topic_index[t] for t in topic_ids],
        k=k * 3,
        asker=person_index.get(asker_id) if asker_id is not None else None,
        people=plain,
        tag_names=names,
    )
    found = []
    for s in ranked:
        person = people.get(ids[s.person])
        if person is None or person.pk == asker_id:
            continue  # cannot read this space, or left
        found.append(
            ExpertSuggestion(
                person_id=person.pk,
                name=person.name,
                title=person.title,
                unit=person.unit.name if person.unit else "",
                level=person.level,
                score=round(s.score, 3),
                reasons=s.reasons,
            )
        )
        if len(found) == k:
            break
    return found
