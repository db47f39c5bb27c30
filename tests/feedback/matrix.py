"""Routes of the feedback loop. world.member owns an item (and, closed, a lesson);
world.program_owner and admins run the loop; a survey is open to the guests of
world.guest_space; the webhook answers 401 to anything unsigned."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from peerloop.core.roles import SYSTEM
from peerloop.feedback import services
from peerloop.feedback.models import WebhookDelivery
from peerloop.feedback.services import webhooks
from tests.matrix import ADMIN, EVERYONE_LOGGED_IN, INTERNAL, OWNERS, Case

OWNER_OF_ITEM = frozenset({"member", "program_owner", "admin"})
MOVERS = frozenset({"member", "admin"})
NOBODY: frozenset[str] = frozenset()


def item_id(world) -> int:
    """An open item owned by world.member."""
    if getattr(world, "_feedback_item", None) is None:
        (item,) = services.items_ingest(actor=SYSTEM, records=[{"text": "The price went up without notice"}])
        services.item_assign(actor=SYSTEM, item_id=item.pk, person_id=world.member.pk)
        world._feedback_item = item.pk
    return world._feedback_item


def lesson_id(world) -> int:
    from peerloop.feedback.models import Lesson
    from peerloop.people.queries import actor_for_user

    pk = item_id(world)
    actor = actor_for_user(world.member.user)
    services.item_transition(actor=actor, item_id=pk, action="acknowledge")
    services.item_transition(actor=actor, item_id=pk, action="close", root_cause="Old list", lesson="Send it early")
    return Lesson.objects.get(item_id=pk).pk


def peer_id(world) -> int:
    from tests.factories import PersonFactory

    return PersonFactory(name="Best Peer", level=4).pk


def source_id(world) -> int:
    return services.source_create(actor=SYSTEM, name="CRM hook", kind="webhook").pk


def rule_id(world) -> int:
    return services.rule_save(actor=SYSTEM, name="Sales", role_family="sales", min_level=5).pk


def survey_id(world) -> int:
    return services.survey_create(
        actor=SYSTEM,
        title="Council pulse",
        question="How likely are you to recommend us?",
        space_id=world.guest_space.pk,
    ).pk


def endpoint_id(world) -> int:
    return webhooks.webhook_endpoint_create(
        actor=SYSTEM, name="Ops chat", url="https://hooks.example.org/peerloop", events=["item.routed"]
    ).pk


def dead_delivery(world) -> tuple[int, int]:
    endpoint = endpoint_id(world)
    row = WebhookDelivery.objects.create(
        endpoint_id=endpoint, event="item.routed", event_key="item.routed:1:0", payload={"id": "item.routed:1:0"},
        status=WebhookDelivery.Status.DEAD, attempts=6, last_error="HTTP 500",
    )  # fmt: skip
    return endpoint, row.pk


def upload_file(world) -> dict:
    return {"action": "preview", "file": SimpleUploadedFile("items.csv", b"text,score\nLate again,2\n")}


def rule_body(world) -> dict:
    return {"name": "Sales heads", "role_family": "sales", "min_level": 5, "scope": "region", "sla_hours": 24}


def web(name: str, *args_of) -> object:  # type: ignore[no-untyped-def]
    return lambda w: reverse(name, args=[f(w) for f in args_of])


CASES = [
    # --- owners (web) ---
    Case(route="feedback:inbox", url=lambda w: (item_id(w), reverse("feedback:inbox"))[1], allowed=INTERNAL, ok=(200,)),
    Case(route="feedback:inbox_rows", url=web("feedback:inbox_rows"), allowed=INTERNAL, ok=(200,)),
    Case(route="feedback:item", url=web("feedback:item", item_id), allowed=OWNER_OF_ITEM, ok=(200,)),
    Case(
        route="feedback:transition",
        method="POST",
        url=web("feedback:transition", item_id),
        data=lambda w: {"action": "acknowledge"},
        allowed=MOVERS,
        ok=(302,),
    ),
    Case(
        route="feedback:tags",
        method="POST",
        url=web("feedback:tags", item_id),
        data=lambda w: {"topic": str(w.topic.pk)},
        allowed=OWNER_OF_ITEM,
        ok=(302,),
    ),
    Case(
        route="feedback:assign",
        method="POST",
        url=web("feedback:assign", item_id),
        data=lambda w: {"email": w.member.email},
        allowed=OWNERS,
        ok=(302,),
    ),
    Case(
        route="feedback:discuss",
        method="POST",
        url=web("feedback:discuss", item_id),
        data=lambda w: {"question": "How do you do it?"},
        allowed=MOVERS,
        ok=(302,),
    ),
    Case(route="feedback:lessons", url=web("feedback:lessons"), allowed=INTERNAL, ok=(200,)),
    Case(route="feedback:lesson", url=web("feedback:lesson", lesson_id), allowed=OWNER_OF_ITEM, ok=(200,)),
    Case(route="feedback:positions", url=web("feedback:positions"), allowed=INTERNAL, ok=(200,)),
    Case(
        route="feedback:learn_from",
        method="POST",
        url=web("feedback:learn_from"),
        data=lambda w: {"peer": str(peer_id(w)), "metric": "nps"},
        allowed=INTERNAL,
        ok=(302,),
    ),
    Case(route="feedback:enter", url=web("feedback:enter"), allowed=INTERNAL, ok=(200,)),
    Case(
        route="feedback:enter",
        method="POST",
        url=web("feedback:enter"),
        data=lambda w: {"text": "Heard at the trade fair: delivery is slow"},
        allowed=INTERNAL,
        ok=(302,),
    ),
    Case(route="feedback:surveys", url=web("feedback:surveys"), allowed=EVERYONE_LOGGED_IN, ok=(200,)),
    Case(
        route="feedback:surveys",
        method="POST",
        url=web("feedback:surveys"),
        data=lambda w: {"title": "Pulse", "question": "How are we doing?", "kind": "csat"},
        allowed=OWNERS,
        ok=(302,),
    ),
    Case(route="feedback:survey", url=web("feedback:survey", survey_id), allowed=EVERYONE_LOGGED_IN, ok=(200,)),
    Case(
        route="feedback:survey",
        method="POST",
        url=web("feedback:survey", survey_id),
        data=lambda w: {"score": "9", "text": "Great people"},
        allowed=EVERYONE_LOGGED_IN,
        ok=(302,),
    ),
    # --- program owners (web) ---
    Case(route="feedback:queue", url=web("feedback:queue"), allowed=OWNERS, ok=(200,)),
    Case(route="feedback:sources", url=web("feedback:sources"), allowed=OWNERS, ok=(200,)),
    Case(
        route="feedback:sources",
        method="POST",
        url=web("feedback:sources"),
        data=lambda w: {"name": "Shop reviews", "kind": "webhook", "mapping": "text = review.body"},
        allowed=OWNERS,
        ok=(302,),
    ),
    Case(route="feedback:source", url=web("feedback:source", source_id), allowed=OWNERS, ok=(200,)),
    Case(
        route="feedback:source",
        method="POST",
        url=web("feedback:source", source_id),
        data=lambda w: {"mapping": "text = data.comment", "active": "on"},
        allowed=OWNERS,
        ok=(302,),
    ),
    Case(route="feedback:upload", url=web("feedback:upload"), allowed=OWNERS, ok=(200,)),
    Case(
        route="feedback:upload",
        method="POST",
        url=web("feedback:upload"),
        data=upload_file,
        multipart=True,
        allowed=OWNERS,
        ok=(200,),
    ),
    Case(route="feedback:rules", url=web("feedback:rules"), allowed=OWNERS, ok=(200,)),
    Case(
        route="feedback:rules",
        method="POST",
        url=web("feedback:rules"),
        data=lambda w: {**rule_body(w), "priority": "10"},
        allowed=OWNERS,
        ok=(302,),
    ),
    Case(
        route="feedback:rule_delete",
        method="POST",
        url=web("feedback:rule_delete", rule_id),
        allowed=OWNERS,
        ok=(302,),
    ),
    Case(route="feedback:health", url=web("feedback:health"), allowed=OWNERS, ok=(200,)),
    # --- API ---
    Case(
        route="POST /api/v1/feedback/items",
        method="POST",
        url=lambda w: "/api/v1/feedback/items",
        data=lambda w: {"items": [{"text": "Invoice price is wrong", "score": 2}]},
        allowed=OWNERS,
        ok=(201,),
    ),
    Case(
        route="GET /api/v1/feedback/items",
        url=lambda w: (item_id(w), "/api/v1/feedback/items")[1],
        allowed=INTERNAL,
        ok=(200,),
    ),
    Case(
        route="GET /api/v1/feedback/items/{item_id}",
        url=lambda w: f"/api/v1/feedback/items/{item_id(w)}",
        allowed=OWNER_OF_ITEM,
        ok=(200,),
    ),
    Case(
        route="POST /api/v1/feedback/items/{item_id}/transitions",
        method="POST",
        url=lambda w: f"/api/v1/feedback/items/{item_id(w)}/transitions",
        data=lambda w: {"action": "acknowledge"},
        allowed=MOVERS,
        ok=(200,),
    ),
    Case(
        route="PUT /api/v1/feedback/items/{item_id}/tags",
        method="PUT",
        url=lambda w: f"/api/v1/feedback/items/{item_id(w)}/tags",
        data=lambda w: {"topic_ids": [w.topic.pk]},
        allowed=OWNER_OF_ITEM,
        ok=(200,),
    ),
    Case(
        route="POST /api/v1/feedback/items/{item_id}/assign",
        method="POST",
        url=lambda w: f"/api/v1/feedback/items/{item_id(w)}/assign",
        data=lambda w: {"person_id": w.member.pk},
        allowed=OWNERS,
        ok=(200,),
    ),
    Case(
        route="POST /api/v1/feedback/items/{item_id}/discussion",
        method="POST",
        url=lambda w: f"/api/v1/feedback/items/{item_id(w)}/discussion",
        data=lambda w: {"question": "Ideas?"},
        allowed=MOVERS,
        ok=(200,),
    ),
    Case(route="GET /api/v1/feedback/lessons", url=lambda w: "/api/v1/feedback/lessons", allowed=INTERNAL, ok=(200,)),
    Case(
        route="GET /api/v1/feedback/lessons/{lesson_id}",
        url=lambda w: f"/api/v1/feedback/lessons/{lesson_id(w)}",
        allowed=OWNER_OF_ITEM,
        ok=(200,),
    ),
    Case(
        route="GET /api/v1/feedback/positions", url=lambda w: "/api/v1/feedback/positions", allowed=INTERNAL, ok=(200,)
    ),
    Case(
        route="POST /api/v1/feedback/learn-from",
        method="POST",
        url=lambda w: "/api/v1/feedback/learn-from",
        data=lambda w: {"peer_id": peer_id(w), "metric_code": "nps"},
        allowed=INTERNAL,
        ok=(201,),
    ),
    Case(route="GET /api/v1/feedback/sources", url=lambda w: "/api/v1/feedback/sources", allowed=OWNERS, ok=(200,)),
    Case(
        route="POST /api/v1/feedback/sources",
        method="POST",
        url=lambda w: "/api/v1/feedback/sources",
        data=lambda w: {"name": "Chat bot", "kind": "webhook", "mapping": {"text": "message.text"}},
        allowed=OWNERS,
        ok=(201,),
    ),
    Case(
        route="PATCH /api/v1/feedback/sources/{source_id}",
        method="PATCH",
        url=lambda w: f"/api/v1/feedback/sources/{source_id(w)}",
        data=lambda w: {"active": False},
        allowed=OWNERS,
        ok=(200,),
    ),
    Case(route="GET /api/v1/feedback/rules", url=lambda w: "/api/v1/feedback/rules", allowed=OWNERS, ok=(200,)),
    Case(
        route="POST /api/v1/feedback/rules",
        method="POST",
        url=lambda w: "/api/v1/feedback/rules",
        data=rule_body,
        allowed=OWNERS,
        ok=(201,),
    ),
    Case(
        route="PUT /api/v1/feedback/rules/{rule_id}",
        method="PUT",
        url=lambda w: f"/api/v1/feedback/rules/{rule_id(w)}",
        data=rule_body,
        allowed=OWNERS,
        ok=(200,),
    ),
    Case(
        route="DELETE /api/v1/feedback/rules/{rule_id}",
        method="DELETE",
        url=lambda w: f"/api/v1/feedback/rules/{rule_id(w)}",
        allowed=OWNERS,
        ok=(204,),
    ),
    Case(
        route="POST /api/v1/feedback/imports",
        method="POST",
        url=lambda w: "/api/v1/feedback/imports",
        data=lambda w: {"name": "items.csv", "content": "text\nSlow delivery\n", "dry_run": True},
        allowed=OWNERS,
        ok=(200,),
    ),
    Case(route="GET /api/v1/feedback/health", url=lambda w: "/api/v1/feedback/health", allowed=OWNERS, ok=(200,)),
    Case(route="GET /api/v1/feedback/trends", url=lambda w: "/api/v1/feedback/trends", allowed=OWNERS, ok=(200,)),
    Case(
        route="GET /api/v1/feedback/surveys",
        url=lambda w: (survey_id(w), "/api/v1/feedback/surveys")[1],
        allowed=EVERYONE_LOGGED_IN,
        ok=(200,),
    ),
    Case(
        route="POST /api/v1/feedback/surveys",
        method="POST",
        url=lambda w: "/api/v1/feedback/surveys",
        data=lambda w: {"title": "Pulse", "question": "How are we doing?", "kind": "nps"},
        allowed=OWNERS,
        ok=(201,),
    ),
    Case(
        route="POST /api/v1/feedback/surveys/{survey_id}/answers",
        method="POST",
        url=lambda w: f"/api/v1/feedback/surveys/{survey_id(w)}/answers",
        data=lambda w: {"score": 8},
        allowed=EVERYONE_LOGGED_IN,
        ok=(201,),
    ),
    Case(
        route="POST /api/v1/feedback/webhooks/{slug}",
        method="POST",
        url=lambda w: (
            f"/api/v1/feedback/webhooks/{services.source_create(actor=SYSTEM, name='Hook', kind='webhook').slug}"
        ),
        data=lambda w: {"text": "unsigned"},
        allowed=NOBODY,
        ok=(202,),
        note="Unsigned: 401 for everyone, whatever the session or token",
    ),
    # --- outgoing webhooks ---
    Case(route="feedback:outgoing_webhooks", url=web("feedback:outgoing_webhooks"), allowed=OWNERS, ok=(200,)),
    Case(
        route="feedback:outgoing_webhooks",
        method="POST",
        url=web("feedback:outgoing_webhooks"),
        data=lambda w: {"name": "Ops chat", "url": "https://hooks.example.org/x", "events": ["item.closed"]},
        allowed=OWNERS,
        ok=(302,),
    ),
    Case(
        route="feedback:outgoing_webhook", url=web("feedback:outgoing_webhook", endpoint_id), allowed=OWNERS, ok=(200,)
    ),
    Case(
        route="feedback:outgoing_webhook",
        method="POST",
        url=web("feedback:outgoing_webhook", endpoint_id),
        data=lambda w: {"name": "Ops", "url": "https://hooks.example.org/y", "events": ["item.routed"], "active": "on"},
        allowed=OWNERS,
        ok=(302,),
    ),
    Case(
        route="GET /api/v1/feedback/outgoing-webhooks",
        url=lambda w: (endpoint_id(w), "/api/v1/feedback/outgoing-webhooks")[1],
        allowed=OWNERS,
        ok=(200,),
        extra={"secrets": ["hooks.example.org/peerloop"]},
    ),
    Case(
        route="POST /api/v1/feedback/outgoing-webhooks",
        method="POST",
        url=lambda w: "/api/v1/feedback/outgoing-webhooks",
        data=lambda w: {"name": "Tickets", "url": "https://tickets.example.org/in", "events": ["item.sla_breached"]},
        allowed=OWNERS,
        ok=(201,),
    ),
    Case(
        route="GET /api/v1/feedback/outgoing-webhooks/{endpoint_id}",
        url=lambda w: f"/api/v1/feedback/outgoing-webhooks/{endpoint_id(w)}",
        allowed=OWNERS,
        ok=(200,),
        extra={"secrets": ["hooks.example.org/peerloop"]},
    ),
    Case(
        route="PATCH /api/v1/feedback/outgoing-webhooks/{endpoint_id}",
        method="PATCH",
        url=lambda w: f"/api/v1/feedback/outgoing-webhooks/{endpoint_id(w)}",
        data=lambda w: {"active": False},
        allowed=OWNERS,
        ok=(200,),
    ),
    Case(
        route="GET /api/v1/feedback/outgoing-webhooks/{endpoint_id}/deliveries",
        url=lambda w: f"/api/v1/feedback/outgoing-webhooks/{dead_delivery(w)[0]}/deliveries",
        allowed=OWNERS,
        ok=(200,),
    ),
    Case(
        route="POST /api/v1/feedback/outgoing-webhooks/{endpoint_id}/deliveries/{delivery_id}/retry",
        method="POST",
        url=lambda w: "/api/v1/feedback/outgoing-webhooks/{}/deliveries/{}/retry".format(*dead_delivery(w)),
        allowed=OWNERS,
        ok=(200,),
    ),
]
_ = ADMIN
