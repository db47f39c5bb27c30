"""On demand: find peers at my altitude elsewhere who share a topic, and ask for an intro."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
import numpy as np

from peerloop.core.permissions import NotFound, require, require_internal
from peerloop.core.roles import Actor
from peerloop.core.services import interaction_record
from peerloop.matching import engine
from peerloop.matching.models import IntroRequest
from peerloop.matching.services import _pool
from peerloop.matching.services._common import site_url
from peerloop.matching.services.members import _me
from peerloop.notifications import services as notifications
from peerloop.people import queries as people_queries
from peerloop.vocabulary import queries as vocabulary_queries

MAX_CANDIDATES = 400  # the engine scores every pair of a band this size exhaustively


@dataclass(frozen=True)
class PeerSuggestion:
    person_id: int
    name: str
    title: str
    unit: str
    region: str
    level: int | None
    reasons: list[str]
    score: float


def find_peers(*, actor: Actor, topic_id: int, limit: int = 10) -> list[PeerSuggestion]:
    """Peers at my altitude (my level, or one apart) in other units who follow the topic, best
    fit first, each with the engine's reasons. People I blocked or who blocked me are left out."""
    require_internal(actor)
    if actor.person_id is None:
        raise NotFound()
    me = people_queries.person_get(person_id=actor.person_id)
    if me is None or not me.active:
        raise NotFound()
    if vocabulary_queries.topic_get(topic_id=topic_id) is None:
        raise ValidationError({"topic_id": "No such topic."})
    criteria = engine.Criteria()
    peers = people_queries.person_list(topic_ids=[topic_id]).filter(kind="employee").exclude(pk=me.pk)
    if me.level:
        gap = criteria.max_level_gap
        peers = peers.filter(level__gte=me.level - gap, level__lte=me.level + gap)
    if me.unit_id is not None:
        peers = peers.exclude(unit_id=me.unit_id)
    rows = [
        tuple(r)
        for r in people_queries.person_list(include_inactive=True).filter(pk=me.pk).values_list(*_pool.PERSON_FIELDS)
    ]
    rows += list(peers.order_by("id").values_list(*_pool.PERSON_FIELDS)[:MAX_CANDIDATES])
    if len(rows) < 2:
        return []
    ids = [r[0] for r in rows]
    topics = _pool.topics_of(people_queries.person_list(include_inactive=True).filter(id__in=ids))
    data = _pool.pool_from_people(rows, topics, today=timezone.localdate())
    constraints = engine.Constraints(blocked_pairs=_pool.blocked_pairs(ids))
    graph = engine.candidates(data.pool, criteria, constraints, per_person=max(limit, 24))
    mine = np.flatnonzero((graph.u == 0) | (graph.v == 0))
    order = mine[np.argsort(-graph.weight[mine], kind="stable")][:limit]
    by_id = {p.pk: p for p in people_queries.person_list().filter(id__in=ids[1:])}
    out: list[PeerSuggestion] = []
    for edge in order:
        j = int(graph.v[edge]) if int(graph.u[edge]) == 0 else int(graph.u[edge])
        person = by_id.get(ids[j])
        if person is None:
            continue
        out.append(
            PeerSuggestion(
                person_id=person.pk,
                name=person.name,
                title=person.title,
                unit=person.unit.name if person.unit else "",
                region=person.region.name if person.region else "",
                level=person.level,
                reasons=engine.explain(data.pool, 0, j, int(graph.reasons[edge]), names=data.names),
                score=round(float(graph.weight[edge]), 2),
            )
        )
    return out


def intro_request(*, actor: Actor, to_person_id: int, topic_id: int | None = None, message: str = "") -> IntroRequest:
    """Ask a peer for an intro; they are told and may accept or decline. One pending request per pair."""
    person_id = _me(actor)
    other = people_queries.person_get(person_id=to_person_id)
    if other is None or not other.active or other.kind != "employee":
        raise ValidationError({"to_person_id": "No such colleague."})
    if other.pk == person_id:
        raise ValidationError({"to_person_id": "You cannot ask yourself for an intro."})
    if topic_id is not None and vocabulary_queries.topic_get(topic_id=topic_id) is None:
        raise ValidationError({"topic_id": "No such topic."})
    message = str(message or "").strip()
    if len(message) > 1000:
        raise ValidationError({"message": "Keep the message under 1000 characters."})
    me = people_queries.person_get(person_id=person_id)
    try:
        with transaction.atomic():
            intro = IntroRequest.objects.create(
                from_person_id=person_id, to_person_id=other.pk, topic_id=topic_id, message=message
            )
            notifications.notify(
                recipient_id=other.pk,
                kind="match.intro_requested",
                title=f"{me.name if me else 'A peer'} would like to meet you",
                body=message,
                url=site_url("matching:intros"),
                dedupe_key=f"intro-{intro.pk}-requested",
                email=True,
            )
    except IntegrityError as exc:
        raise ValidationError({"to_person_id": "You already asked this person; wait for their answer."}) from exc
    return intro


def intro_answer(*, actor: Actor, intro_id: int, accept: bool) -> IntroRequest:
    """The person asked accepts or declines a pending intro; both are told. Answering twice is a no-op."""
    person_id = _me(actor)
    with transaction.atomic():
        intro = (
            IntroRequest.objects.select_for_update()
            .select_related("from_person", "to_person")
            .filter(pk=intro_id)
            .first()
        )
        if intro is None or person_id not in (intro.to_person_id, intro.from_person_id):
            raise NotFound()
        require(intro.to_person_id == person_id, message="Only the person asked answers an intro request.")
        if intro.status != IntroRequest.Status.PENDING:
            return intro
        intro.status = IntroRequest.Status.ACCEPTED if accept else IntroRequest.Status.DECLINED
        intro.answered_at = timezone.now()
        intro.save(update_fields=["status", "answered_at"])
        verb = "accepted" if accept else "declined"
        for recipient, title in (
            (intro.from_person_id, f"{intro.to_person.name} {verb} your intro request"),
            (intro.to_person_id, f"You {verb} {intro.from_person.name}'s intro request"),
        ):
            notifications.notify(
                recipient_id=recipient,
                kind=f"match.intro_{verb}",
                title=title,
                body=f"Write to {intro.to_person.email}." if accept and recipient == intro.from_person_id else "",
                url=site_url("matching:intros"),
                dedupe_key=f"intro-{intro.pk}-{verb}-{recipient}",
                email=accept,
            )
        if accept:
            interaction_record(
                kind="match.intro",
                actor_id=intro.to_person_id,
                target_ids=[intro.from_person_id],
                object_type="matching.intro",
                object_id=intro.pk,
            )
    return intro
