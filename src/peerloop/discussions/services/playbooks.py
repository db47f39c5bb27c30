"""Writes of living playbooks: entries with versions, proposals against a base version,
endorsements and objections, merges by hosts, re-validation, evidence links.

A proposal records the entry version it was written against. Merging it when the entry
has moved on since is refused as a conflict: the proposal keeps its text and is marked
``conflict`` so its author sees both versions and can re-propose; nothing is overwritten.
"""

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from peerloop.core.roles import Actor
from peerloop.core.services import audit_record, interaction_record
from peerloop.discussions import permissions, rendering, search
from peerloop.discussions.models import (
    EntryVersion,
    Playbook,
    PlaybookEntry,
    Proposal,
    ProposalVote,
    SearchDoc,
    Thread,
)
from peerloop.discussions.services._common import clean_body, clean_title, playbook_or_404, space_or_404
from peerloop.notifications import services as notifications


class Conflict(ValidationError):
    """The entry changed after the proposal was written (HTTP 409)."""

    status = 409


def playbook_create(
    *,
    actor: Actor,
    title: str,
    space_id: int | None = None,
    program_id: int | None = None,
    description: str = "",
    revalidate_days: int = 180,
) -> Playbook:
    """A new playbook of a space (its hosts) or of a program (its owner, admins)."""
    permissions.require_person(actor)
    if (space_id is None) == (program_id is None):
        raise ValidationError({"space": "A playbook belongs to one space or one program."})
    if not 1 <= revalidate_days <= 3650:
        raise ValidationError({"revalidate_days": "Re-validate entries every 1 to 3,650 days."})
    playbook = Playbook(
        title=clean_title(title), description=(description or "").strip()[:5000], revalidate_days=revalidate_days
    )
    if space_id is not None:
        space = space_or_404(space_id)
        permissions.require_space_moderate(actor, space)
        playbook.space = space
    else:
        from peerloop.programs import queries as programs_queries

        program = programs_queries.program_get(program_id=program_id)  # type: ignore[arg-type]
        if program is None:
            raise ValidationError({"program": f"There is no program {program_id}."})
        playbook.program = program
        permissions.require_playbook_merge(actor, playbook)
    with transaction.atomic():
        playbook.save()
        audit_record(
            actor=actor,
            action="discussions.playbook_create",
            object_type="playbook",
            object_id=playbook.pk,
            object_repr=playbook.title,
        )
    return playbook


def _doc_space(playbook: Playbook) -> int:
    return playbook.space_id if playbook.space_id is not None else permissions.EVERYONE_INTERNAL


def index_entry(entry: PlaybookEntry) -> None:
    doc = SearchDoc.objects.filter(entry_id=entry.pk).first() or SearchDoc(kind=SearchDoc.Kind.ENTRY, entry=entry)
    doc.space_id = _doc_space(entry.playbook)
    doc.thread_kind = ""
    doc.author_id = None
    doc.created_at = entry.updated_at or timezone.now()
    doc.visible = True
    doc.title = entry.title
    doc.body = rendering.plain_text(entry.body)
    search.doc_save(doc=doc)


def proposal_create(
    *,
    actor: Actor,
    playbook_id: int,
    title: str,
    body: str,
    entry_id: int | None = None,
    base_version: int | None = None,
    reason: str = "",
) -> Proposal:
    """Propose a new entry, or a new text for ``entry_id`` written against ``base_version``
    (the entry's current version when not given)."""
    person_id = permissions.require_person(actor)
    playbook = playbook_or_404(playbook_id)
    permissions.require_playbook_propose(actor, playbook)
    title = clean_title(title)
    body = clean_body(body)
    entry = None
    if entry_id is not None:
        entry = PlaybookEntry.objects.filter(pk=entry_id, playbook=playbook).first()
        if entry is None:
            raise ValidationError({"entry": f"Playbook {playbook.pk} has no entry {entry_id}."})
        if base_version is None:
            base_version = entry.version
        if not 1 <= base_version <= entry.version:
            raise ValidationError({"base_version": f"Entry {entry.pk} has versions 1 to {entry.version}."})
    return Proposal.objects.create(
        playbook=playbook,
        entry=entry,
        base_version=base_version or 0,
        title=title,
        body=body,
        reason=(reason or "").strip()[:5000],
        proposer_id=person_id,
    )


def proposal_vote(*, actor: Actor, proposal_id: int, kind: str, comment: str = "") -> ProposalVote:
    """Endorse or object to an open proposal (one vote per person, changeable)."""
    person_id = permissions.require_person(actor)
    proposal = Proposal.objects.select_related("playbook__space", "playbook__program").filter(pk=proposal_id).first()
    permissions.require_playbook_read(actor, proposal.playbook if proposal else None)
    assert proposal is not None
    permissions.require_playbook_propose(actor, proposal.playbook)
    if kind not in ProposalVote.Kind.values:
        raise ValidationError({"kind": "Choose endorse or object."})
    if proposal.status != Proposal.Status.OPEN:
        raise ValidationError({"proposal": f"This proposal is {proposal.get_status_display().lower()}."})
    if kind == ProposalVote.Kind.OBJECT and not comment.strip():
        raise ValidationError({"comment": "Say why you object."})
    vote, _ = ProposalVote.objects.update_or_create(
        proposal=proposal, person_id=person_id, defaults={"kind": kind, "comment": comment.strip()[:500]}
    )
    return vote


def proposal_merge(*, actor: Actor, proposal_id: int, note: str = "") -> PlaybookEntry:
    """Merge an open proposal into its playbook (a new entry or the entry's next version).
    Raises Conflict, and marks the proposal ``conflict``, when the entry moved on since
    the proposal's base version (the proposal keeps its text)."""
    try:
        return _merge(actor=actor, proposal_id=proposal_id, note=note)
    except Conflict:
        proposal_conflict_mark(proposal_id=proposal_id)
        raise


def _merge(*, actor: Actor, proposal_id: int, note: str) -> PlaybookEntry:
    person_id = permissions.require_person(actor)
    with transaction.atomic():
        proposal = (
            Proposal.objects.select_for_update(of=("self",))
            .select_related("playbook__space", "playbook__program")
            .filter(pk=proposal_id)
            .first()
        )
        permissions.require_playbook_read(actor, proposal.playbook if proposal else None)
        assert proposal is not None
        playbook = proposal.playbook
        permissions.require_playbook_merge(actor, playbook)
        if proposal.status != Proposal.Status.OPEN:
            raise ValidationError({"proposal": f"This proposal is {proposal.get_status_display().lower()}."})
        now = timezone.now()
        if proposal.entry_id is None:
            last = PlaybookEntry.objects.filter(playbook=playbook).order_by("-position").first()
            entry = PlaybookEntry.objects.create(
                playbook=playbook,
                position=(last.position + 1) if last else 1,
                version=1,
                title=proposal.title,
                body=proposal.body,
                validated_at=now,
            )
        else:
            entry = PlaybookEntry.objects.select_for_update().get(pk=proposal.entry_id)
            if entry.version != proposal.base_version:
                raise Conflict(
                    {
                        "base_version": f"“{entry.title}” changed since this proposal was written (version "
                        f"{proposal.base_version}, now {entry.version}). Nothing was overwritten: compare and "
                        "propose again on the current version."
                    }
                )
            entry.version += 1
            entry.title = proposal.title
            entry.body = proposal.body
            entry.validated_at = now
            entry.save()
        EntryVersion.objects.create(
            entry=entry,
            number=entry.version,
            title=entry.title,
            body=entry.body,
            author_id=proposal.proposer_id,
            merged_by_id=person_id,
            note=(note or proposal.reason)[:300],
        )
        proposal.status = Proposal.Status.MERGED
        proposal.decided_by_id = person_id
        proposal.decided_at = now
        proposal.entry = entry
        proposal.save()
        index_entry(entry)
        if proposal.proposer_id:
            interaction_record(
                kind="discussion.playbook_merged",
                actor_id=person_id,
                target_ids=[proposal.proposer_id],
                space_id=playbook.space_id,
                object_type="playbook_entry",
                object_id=entry.pk,
            )
            if proposal.proposer_id != person_id:
                notifications.notify(
                    recipient_id=proposal.proposer_id,
                    kind="discussion.playbook_merged",
                    title=f"Your proposal “{proposal.title}” was merged"[:200],
                    url=f"/discussions/entries/{entry.pk}/",
                    dedupe_key=f"discussions:merged:{proposal.pk}",
                )
    return entry


def proposal_conflict_mark(*, proposal_id: int) -> None:
    """Mark a proposal as conflicting (outside the refused merge's transaction)."""
    Proposal.objects.filter(pk=proposal_id, status=Proposal.Status.OPEN).update(status=Proposal.Status.CONFLICT)


def proposal_reject(*, actor: Actor, proposal_id: int) -> Proposal:
    person_id = permissions.require_person(actor)
    proposal = Proposal.objects.select_related("playbook__space", "playbook__program").filter(pk=proposal_id).first()
    permissions.require_playbook_read(actor, proposal.playbook if proposal else None)
    assert proposal is not None
    permissions.require_playbook_merge(actor, proposal.playbook)
    if proposal.status != Proposal.Status.OPEN:
        raise ValidationError({"proposal": f"This proposal is {proposal.get_status_display().lower()}."})
    proposal.status = Proposal.Status.REJECTED
    proposal.decided_by_id = person_id
    proposal.decided_at = timezone.now()
    proposal.save()
    return proposal


def entry_revalidate(*, actor: Actor, entry_id: int) -> PlaybookEntry:
    """A host confirms the entry still holds (it leaves the review list)."""
    permissions.require_person(actor)
    entry = PlaybookEntry.objects.select_related("playbook__space", "playbook__program").filter(pk=entry_id).first()
    permissions.require_playbook_read(actor, entry.playbook if entry else None)
    assert entry is not None
    permissions.require_playbook_merge(actor, entry.playbook)
    entry.validated_at = timezone.now()
    entry.save(update_fields=["validated_at", "updated_at"])
    return entry


def entry_evidence_set(*, actor: Actor, entry_id: int, thread_ids: Sequence[int]) -> PlaybookEntry:
    """Link the threads (questions, lessons) behind an entry; each must be readable by the actor."""
    permissions.require_person(actor)
    entry = PlaybookEntry.objects.select_related("playbook__space", "playbook__program").filter(pk=entry_id).first()
    permissions.require_playbook_read(actor, entry.playbook if entry else None)
    assert entry is not None
    permissions.require_playbook_merge(actor, entry.playbook)
    threads = []
    for thread_id in sorted(set(thread_ids)):
        thread = Thread.objects.select_related("space").filter(pk=thread_id).first()
        if thread is None or not permissions.thread_visible(actor, thread):
            raise ValidationError({"evidence": f"There is no thread {thread_id} you can see."})
        threads.append(thread)
    entry.evidence.set(threads)
    return entry
