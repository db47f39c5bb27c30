"""The background half of the loop: tag and route new items (the outbox), learn the
classifier from owners' corrections, SLA reminders and reassignment, owners who left.

:func:`outbox_process` claims a batch of ``new`` items and, in ONE transaction, writes
their tags, their owner and state, their transitions and their ``feedback.routed``
events. A worker killed mid-batch rolls the whole batch back, so the next run
processes it again: nothing is lost and nothing is written twice (the state moves
from ``new`` in the same transaction, and each tag is unique per item and topic).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
import logging
import threading
import time

from django.db import connection, models, transaction
from django.db.models import Count
from django.utils import timezone

from peerloop.core.services import interaction_record_many, interaction_record_pairs
from peerloop.core.sql import array_literal
from peerloop.feedback import classifier as learned
from peerloop.feedback import delivery, routing, tagging
from peerloop.feedback.models import (
    OPEN_STATES,
    ClassifierModel,
    FeedbackItem,
    FeedbackTag,
    FeedbackTransition,
    ItemState,
    RoutingRule,
    TagOrigin,
)
from peerloop.feedback.services._common import KIND_ROUTED, OBJECT_ITEM, item_event, site_url
from peerloop.notifications import services as notifications
from peerloop.people import queries as people_queries
from peerloop.vocabulary import queries as vocabulary_queries

logger = logging.getLogger("peerloop.feedback")

BATCH = 5000
DEFAULT_SLA_HOURS = 48
MAX_LEVEL = 20
REMIND_AT = 0.75  # share of the SLA after which the owner is reminded
# A drain reuses the directory's candidates and open counts for this many seconds: a change
# of the directory or of the rules reaches routing within it (and at once for a new drain).
ROUTER_FRESH = 5.0
# A drain enqueued with ``until`` (see outbox_drain) looks at the outbox this often until then.
LINGER_POLL = 0.02
FALLBACK_NOTE = "fallback queue: no owner resolved"

_cache_lock = threading.Lock()
_rulebook: tuple[tuple, tagging.Rulebook] | None = None
# The latest model, by its id and time of creation (an id can come back after a rollback).
_model: tuple[tuple[int, datetime], learned.TopicClassifier] | None = None


def rulebook() -> tagging.Rulebook:
    """The vocabulary as tagging rules, rebuilt when the topics change."""
    global _rulebook
    fingerprint = vocabulary_queries._fingerprint()
    current = _rulebook
    if current is not None and current[0] == fingerprint:
        return current[1]
    topics = vocabulary_queries.topic_list().order_by("id").values_list("id", "name", "synonyms")
    book = tagging.Rulebook.from_topics((i, n, s or []) for i, n, s in topics)
    with _cache_lock:
        _rulebook = (fingerprint, book)
    return book


def current_classifier() -> learned.TopicClassifier | None:
    global _model
    latest = ClassifierModel.objects.order_by("-created_at", "-id").values_list("id", "created_at").first()
    if latest is None:
        return None
    current = _model
    if current is not None and current[0] == latest:
        return current[1]
    blob = ClassifierModel.objects.filter(pk=latest[0]).values_list("blob", flat=True).first()
    model = learned.loads(bytes(blob)) if blob is not None else None
    if model is None:
        return None
    with _cache_lock:
        _model = (latest, model)
    return model  # type: ignore[no-any-return]


def tags_for_texts(texts: list[str]) -> list[list[tagging.Tag]]:
    book = rulebook()
    model = current_classifier()
    if model is None:
        return [book.tag(text)[: tagging.MERGED] for text in texts]
    predictions = model.predict(texts)
    known = set(model.labels)
    result = []
    for text, predicted in zip(texts, predictions, strict=True):
        guesses = [tagging.Tag(t, round(p, 4), TagOrigin.CLASSIFIER) for t, p in predicted if t in known]
        result.append(tagging.merge(book.tag(text), guesses, rule_weight=model.rule_weight))
    return result


# --- routing ---------------------------------------------------------------------------


@dataclass
class _Rule:
    spec: routing.RuleSpec
    rule: RoutingRule


class Router:
    """Resolves owners for a batch: candidates per (rule, place) from the directory,
    loaded once, and open items per candidate kept up to date as items are assigned."""

    def __init__(self) -> None:
        self.rules = [
            _Rule(
                routing.RuleSpec(r.pk, r.topic_id, r.segment, r.region_id, r.unit_id, r.score_max),
                r,
            )
            for r in RoutingRule.objects.filter(active=True).order_by("priority", "id")
        ]
        self.candidates: dict[tuple, list[int]] = {}
        self.open_counts: dict[int, int] = {}
        # What routing by each rule (or by none: the fallback queue) gives an item: its SLA
        # in hours, and the note of its transition.
        self.sla_hours: dict[int | None, int] = {
            None: DEFAULT_SLA_HOURS,
            **{e.rule.pk: e.rule.sla_hours for e in self.rules},
        }
        self.notes: dict[int | None, str] = {
            None: FALLBACK_NOTE,
            **{e.rule.pk: f"rule: {e.rule.name}" for e in self.rules},
        }

    def _candidates(self, rule: RoutingRule, region_id: int | None, unit_id: int | None) -> list[int]:
        scope = rule.scope
        place = region_id if scope == RoutingRule.Scope.REGION else unit_id if scope == RoutingRule.Scope.UNIT else None
        key = (rule.pk, place)
        known = self.candidates.get(key)
        if known is not None:
            return known
        if scope != RoutingRule.Scope.ANYWHERE and place is None:
            self.candidates[key] = []
            return []
        qs = people_queries.person_list(
            role_families=[rule.role_family],
            levels=list(range(rule.min_level, MAX_LEVEL + 1)),
            region_ids=[place] if rule.scope == RoutingRule.Scope.REGION and place else None,
            unit_ids=[place] if rule.scope == RoutingRule.Scope.UNIT and place else None,
        ).filter(kind="employee")
        ids = list(qs.order_by("id").values_list("id", flat=True)[:200])
        # Only the lowest qualifying level carries the item: "sales, level 6 or above in
        # the item's region" is the region's head of sales, not also the VP above.
        if ids:
            levels = {i: level or 0 for i, level in qs.filter(id__in=ids).order_by().values_list("id", "level")}
            lowest = min(levels.values())
            ids = [i for i in ids if levels[i] == lowest]
            missing = [i for i in ids if i not in self.open_counts]
            if missing:
                counts = dict(
                    FeedbackItem.objects.filter(owner_id__in=missing, state__in=OPEN_STATES)
                    .order_by()
                    .values_list("owner_id")
                    .annotate(n=Count("id"))
                    .values_list("owner_id", "n")
                )
                for i in missing:
                    self.open_counts[i] = counts.get(i, 0)
        self.candidates[key] = ids
        return ids

    def route(
        self, facts: routing.ItemFacts, *, exclude: set[int] | None = None
    ) -> tuple[int | None, RoutingRule | None]:
        """(owner, rule), or (None, None) for the fallback queue."""
        for entry in self.rules:
            if not routing.rule_matches(entry.spec, facts):
                continue
            people = self._candidates(entry.rule, facts.region_id, facts.unit_id)
            if exclude:
                people = [p for p in people if p not in exclude]
            owner = routing.least_loaded(people, self.open_counts)
            if owner is not None:
                self.open_counts[owner] = self.open_counts.get(owner, 0) + 1
                return owner, entry.rule
        return None, None


def _commit_without_waiting() -> None:
    """On PostgreSQL, the batch's commit does not wait for its WAL to reach the disk.
    Nothing acknowledged is at risk: the items were stored durably at ingest, and a server
    crash that undoes a batch's routing leaves its items ``new``, routed again by the next
    drain; whatever read the routing (an owner's acknowledgement, a notice) commits
    synchronously, which flushes it first (docs/adr/0009-routing-commits-asynchronously.md)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")


def _claim(batch: int) -> list[tuple]:
    """The next batch of new items (id, text, segment, region, unit, score), locked in one
    query: rows another worker holds are skipped (PostgreSQL), SQLite has one writer."""
    qs = FeedbackItem.objects.filter(state=ItemState.NEW).order_by("id")
    if connection.features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True)
    return list(qs.values_list("id", "text", "segment", "region_id", "unit_id", "score")[:batch])


def outbox_process(*, batch: int = BATCH, now: datetime | None = None, router: "Router | None" = None) -> int:
    """Tag and route one batch of new items; returns how many (0: the outbox is empty).
    ``router`` carries the owners' candidates and open counts over batches of one drain."""
    with transaction.atomic():
        _commit_without_waiting()
        rows = _claim(batch)
        if not rows:
            return 0
        now = now or timezone.now()
        tag_lists = tags_for_texts([r[1] for r in rows])
        router = router or Router()
        tags: list[tuple] = []
        updates: list[tuple] = []
        routed: list[tuple[int, int]] = []  # (owner, item) for each item that got an owner
        for (item_id, _text, segment, region_id, unit_id, score), found in zip(rows, tag_lists, strict=True):
            tags.extend((item_id, t.topic_id, t.confidence, t.origin, t.matched) for t in found)
            facts = routing.ItemFacts(frozenset(t.topic_id for t in found), segment, region_id, unit_id, score)
            owner_id, rule = router.route(facts)
            rule_id = rule.pk if rule is not None else None
            updates.append(
                (item_id, owner_id, rule_id, owner_id is None, tagging.needs_triage(found), router.sla_hours[rule_id])
            )
            if owner_id is not None:
                routed.append((owner_id, item_id))
        _insert(FeedbackTag, ("item_id", "topic_id", "confidence", "origin", "matched"), tags)
        _route_items(updates, now=now, notes=router.notes)
        interaction_record_pairs(kind=KIND_ROUTED, object_type=OBJECT_ITEM, pairs=routed, at=now)
        delivery.items_routed(routed)
    return len(rows)


def _route_items(updates: list[tuple], *, now: datetime, notes: dict[int | None, str]) -> None:
    """The batch's items moved to routed, each with its ``route`` transition; ``updates``
    holds (id, owner, rule, in fallback, needs triage, SLA hours) per item, ``notes`` the
    transition's note per rule (None: the fallback queue).

    PostgreSQL: ONE statement, an UPDATE from arrays whose RETURNING feeds the transitions'
    INSERT, so the server builds their rows from what it just wrote. SQLite: one prepared
    UPDATE by primary key over the batch, then one prepared INSERT."""
    table = FeedbackItem._meta.db_table
    new, routed = ItemState.NEW.value, ItemState.ROUTED.value
    transitions = FeedbackTransition._meta.db_table
    columns = "item_id, at, action, from_state, to_state, by_id, owner_id, note"
    if connection.vendor == "postgresql":
        arrays = [array_literal(column) for column in zip(*updates, strict=True)]
        ruled = [k for k in notes if k is not None]
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH moved AS (UPDATE {table} AS i SET state = %s, owner_id = u.owner_id, "  # noqa: S608
                "rule_id = u.rule_id, in_fallback = u.in_fallback, needs_triage = u.needs_triage, routed_at = %s, "
                "due_at = %s + make_interval(hours => u.sla_hours) "
                "FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::boolean[], %s::boolean[], %s::int[]) "
                "AS u(id, owner_id, rule_id, in_fallback, needs_triage, sla_hours) "
                # The ids a second time, as a condition on the items: the planner then finds
                # the batch by index. Joined to the arrays alone, it read and hashed every
                # item of the table for each batch (EXPLAIN: 60 of 133 ms at 100,000 items).
                "WHERE i.id = u.id AND i.id = ANY(%s::bigint[]) AND i.state = %s "
                "RETURNING i.id, i.owner_id, i.rule_id) "
                f"INSERT INTO {transitions} ({columns}) "
                "SELECT m.id, %s, 'route', %s, %s, NULL, m.owner_id, coalesce(n.note, %s) FROM moved AS m "
                "LEFT JOIN unnest(%s::bigint[], %s::text[]) AS n(rule_id, note) ON n.rule_id = m.rule_id",
                [routed, now, now, *arrays, arrays[0], new,
                 now, new, routed, notes[None], array_literal(ruled), [notes[k] for k in ruled]],
            )  # fmt: skip
        return
    stamp = connection.ops.adapt_datetimefield_value
    routed_at = stamp(now)
    due_at = {sla: stamp(now + timedelta(hours=sla)) for sla in {u[5] for u in updates}}
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET state = %s, owner_id = %s, rule_id = %s, in_fallback = %s, "  # noqa: S608
            "needs_triage = %s, routed_at = %s, due_at = %s WHERE id = %s AND state = %s",
            [(routed, owner, rule, fallback, triage, routed_at, due_at[sla], item_id, new)
             for item_id, owner, rule, fallback, triage, sla in updates],
        )  # fmt: skip
        cursor.executemany(
            f"INSERT INTO {transitions} ({columns}) VALUES (%s, %s, 'route', %s, %s, NULL, %s, %s)",  # noqa: S608
            [(item_id, routed_at, new, routed, owner, notes[rule]) for item_id, owner, rule, *_ in updates],
        )


def _insert(model: type[models.Model], columns: tuple[str, ...], rows: list[tuple]) -> None:
    """One prepared INSERT over all rows (values ready for the database): the processor's
    hot path, without building a model instance and SQL per row."""
    if not rows:
        return
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s"] * len(columns))
        cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)  # noqa: S608


def outbox_drain(
    *, batch: int = BATCH, limit: int | None = None, now: datetime | None = None, until: float | None = None
) -> int:
    """Process batches until the outbox is empty (or ``limit`` items); returns the count.

    ``until`` (a ``time.time()``): the outbox counts as empty only when a look that began
    at or after it finds nothing; until then the drain looks again every LINGER_POLL
    seconds. An ingest that commits before ``until`` does not enqueue a drain of its own
    (ingest.enqueue_processing): this one takes its items.
    """
    done = 0
    router, since = Router(), time.monotonic()
    found_empty = False
    while limit is None or done < limit:
        if time.monotonic() - since > ROUTER_FRESH:
            router, since = Router(), time.monotonic()
        began = time.time()
        # Once found empty, look with a read first: a claim opens a write transaction (on
        # SQLite it takes the database's one write lock from the requests that ingest).
        n = 0 if found_empty and not _outbox_waiting() else outbox_process(batch=batch, now=now, router=router)
        if not n:
            if until is None or began >= until:
                break
            found_empty = True
            time.sleep(max(0.0, min(LINGER_POLL, until - time.time())))
            continue
        done += n
    return done


def _outbox_waiting() -> bool:
    return FeedbackItem.objects.filter(state=ItemState.NEW).exists()


# --- re-routing one item ------------------------------------------------------------------


def item_reroute(*, item: FeedbackItem, by_id: int | None, action: str, note: str, exclude: set[int] | None = None,
                 now: datetime | None = None) -> FeedbackItem:  # fmt: skip
    """Route an open item again (after a tag correction, or away from an owner who left
    or let it lapse); the caller holds the transaction and the item's row lock."""
    now = now or timezone.now()
    topic_ids = frozenset(FeedbackTag.objects.filter(item_id=item.pk).values_list("topic_id", flat=True))
    facts = routing.ItemFacts(topic_ids, item.segment, item.region_id, item.unit_id, item.score)
    owner_id, rule = Router().route(facts, exclude=exclude)
    previous = item.state
    item.owner_id = owner_id
    item.rule = rule
    item.in_fallback = owner_id is None
    item.state = ItemState.ROUTED
    item.routed_at = now
    item.acknowledged_at = None
    item.due_at = now + timedelta(hours=rule.sla_hours if rule else DEFAULT_SLA_HOURS)
    item.reminded_at = None
    item.save()
    FeedbackTransition.objects.create(
        item_id=item.pk, at=now, action=action, from_state=previous, to_state=ItemState.ROUTED, by_id=by_id,
        owner_id=owner_id, note=note[:500],
    )  # fmt: skip
    if owner_id is not None:
        interaction_record_many(events=[item_event(KIND_ROUTED, actor_id=owner_id, item_id=item.pk, at=now)])
    return item


def _assign_to(item: FeedbackItem, *, owner_id: int | None, by_id: int | None, action: str, note: str,
               now: datetime) -> None:  # fmt: skip
    previous = item.state
    item.owner_id = owner_id
    item.in_fallback = owner_id is None
    item.state = ItemState.ROUTED
    item.routed_at = now
    item.acknowledged_at = None
    hours = item.rule.sla_hours if item.rule_id and item.rule else DEFAULT_SLA_HOURS
    item.due_at = now + timedelta(hours=hours)
    item.reminded_at = None
    item.save()
    FeedbackTransition.objects.create(
        item_id=item.pk, at=now, action=action, from_state=previous, to_state=ItemState.ROUTED, by_id=by_id,
        owner_id=owner_id, note=note[:500],
    )  # fmt: skip
    if owner_id is not None:
        interaction_record_many(events=[item_event(KIND_ROUTED, actor_id=owner_id, item_id=item.pk, at=now)])
        notifications.notify(
            recipient_id=owner_id,
            kind="feedback.assigned",
            title=f"Feedback #{item.pk} is now yours",
            body=f"{note}\n\n{item.text[:300]}",
            url=site_url("feedback:item", item.pk),
            dedupe_key=f"feedback:{item.pk}:assigned:{now.isoformat()}",
            email=True,
        )


# --- SLA -------------------------------------------------------------------------------


def _backup_for(owner_id: int) -> int | None:
    """The owner's nearest active manager: the backup when an item lapses."""
    for manager in people_queries.manager_chain(person_id=owner_id):
        if manager.active and manager.pk != owner_id:
            return manager.pk
    return None


def sla_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Remind owners of items not acknowledged at 75% of their SLA; reassign items past
    it to the owner's manager (the backup), once; returns the counts."""
    now = now or timezone.now()
    reminded = reassigned = 0
    due_soon = FeedbackItem.objects.filter(
        state=ItemState.ROUTED, owner__isnull=False, reminded_at__isnull=True, due_at__gt=now, routed_at__isnull=False
    ).values_list("id", "routed_at", "due_at", "owner_id")
    for item_id, routed_at, due_at, owner_id in due_soon.iterator():
        if routed_at is None or due_at is None or routed_at + (due_at - routed_at) * REMIND_AT > now:
            continue
        with transaction.atomic():
            if not FeedbackItem.objects.filter(pk=item_id, reminded_at__isnull=True).update(reminded_at=now):
                continue
            notifications.notify(
                recipient_id=owner_id,
                kind="feedback.reminder",
                title=f"Feedback #{item_id} waits for you",
                body=f"Acknowledge it before {due_at:%Y-%m-%d %H:%M} UTC, or it goes to your backup.",
                url=site_url("feedback:item", item_id),
                dedupe_key=f"feedback:{item_id}:reminder",
                email=True,
            )
            reminded += 1
    overdue = FeedbackItem.objects.filter(
        state=ItemState.ROUTED, owner__isnull=False, escalated_at__isnull=True, due_at__lte=now
    ).values_list("id", flat=True)
    for item_id in list(overdue[:1000]):
        with transaction.atomic():
            item = (
                FeedbackItem.objects.select_for_update(of=("self",))
                .select_related("rule")
                .filter(pk=item_id, state=ItemState.ROUTED, escalated_at__isnull=True)
                .first()
            )
            if item is None or item.owner_id is None:
                continue
            previous = item.owner_id
            backup = _backup_for(previous)
            item.escalated_at = now
            _assign_to(
                item, owner_id=backup, by_id=None, action="reassign",
                note="Not acknowledged within its SLA: reassigned to the backup owner.", now=now,
            )  # fmt: skip
            delivery.sla_breached(item=item, previous_owner_id=previous, now=now)
            reassigned += 1
    return {"reminded": reminded, "reassigned": reassigned}


def owners_left_reassign(*, now: datetime | None = None) -> int:
    """Open items whose owner was deactivated are routed again (their rule finds another
    person, or the fallback queue takes them)."""
    now = now or timezone.now()
    ids = list(
        FeedbackItem.objects.filter(state__in=OPEN_STATES, owner__active=False).values_list("id", flat=True)[:5000]
    )
    moved = 0
    for item_id in ids:
        with transaction.atomic():
            item = FeedbackItem.objects.select_for_update().filter(pk=item_id, owner__active=False).first()
            if item is None:
                continue
            left = item.owner_id
            item_reroute(item=item, by_id=None, action="reassign", note="The owner left: routed again.",
                         exclude={left} if left else None, now=now)  # fmt: skip
            moved += 1
    return moved


# --- learning --------------------------------------------------------------------------


def classifier_train(*, min_examples: int = learned.MIN_EXAMPLES) -> ClassifierModel | None:
    """Train on the owners' tags (one example per item: its surest owner tag), with the
    vocabulary rules' tags of the same texts for the rules' weight beside the model; None
    when there are too few examples."""
    rows = (
        FeedbackTag.objects.filter(origin=TagOrigin.OWNER)
        .order_by("item_id", "-confidence", "id")
        .values_list("item_id", "topic_id", "item__text")
    )
    texts: list[str] = []
    labels: list[int] = []
    seen: set[int] = set()
    for item_id, topic_id, text in rows.iterator():
        if item_id in seen:
            continue
        seen.add(item_id)
        texts.append(text)
        labels.append(topic_id)
    if len(texts) < min_examples:
        return None
    book = rulebook()
    try:
        model = learned.train(texts, labels, rule_tags=[book.tag(text) for text in texts])
    except learned.NotEnoughExamples:
        return None
    return ClassifierModel.objects.create(examples=len(texts), labels=len(model.labels), blob=learned.dumps(model))
