"""Outgoing webhooks against a real local HTTP server that checks the signature: signed
deliveries of the loop's events, retries with backoff, dead deliveries, endpoints turned
off after failures in a row, addresses never reached, the pages and the API."""

from datetime import timedelta
import hashlib
import hmac
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import json
import threading

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
import pytest

from peerloop.core.models import AuditEntry
from peerloop.feedback import services
from peerloop.feedback.models import WebhookDelivery, WebhookEndpoint
from peerloop.feedback.services import webhooks
from tests.feedback.helpers import actor_of, ingest, org

pytestmark = pytest.mark.django_db
Status = WebhookDelivery.Status
ALL_EVENTS = ["item.routed", "item.acknowledged", "item.closed", "lesson.shared", "item.sla_breached"]


class Receiver:
    """What the local server received; ``answers`` are the status codes it gives, in turn
    (then 200). Each request is checked against ``secret`` as a receiver would."""

    def __init__(self) -> None:
        self.secret = ""
        self.answers: list[int] = []
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/peerloop"

    def signature_ok(self, headers, body: bytes) -> bool:
        expected = (
            "sha256="
            + hmac.new(
                self.secret.encode(), headers["Peerloop-Webhook-Timestamp"].encode() + b"." + body, hashlib.sha256
            ).hexdigest()
        )
        return hmac.compare_digest(expected, headers.get("Peerloop-Webhook-Signature", ""))


@pytest.fixture
def receiver(settings):
    settings.PEERLOOP_WEBHOOKS_ALLOW_PRIVATE = True
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with state.lock:
                state.requests.append(
                    {
                        "path": self.path,
                        "headers": dict(self.headers),
                        "json": json.loads(body),
                        "signed": state.signature_ok(self.headers, body),
                    }
                )
                code = state.answers.pop(0) if state.answers else 200
            self.send_response(code)
            if 300 <= code < 400:
                self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def endpoint_for(world, receiver: Receiver, events=ALL_EVENTS) -> WebhookEndpoint:
    endpoint = webhooks.webhook_endpoint_create(
        actor=actor_of(world.program_owner), name="Ops chat", url=receiver.url, events=events
    )
    receiver.secret = endpoint.secret
    return endpoint


def test_the_loop_s_events_arrive_signed_once_each(world, receiver, django_capture_on_commit_callbacks):
    o = org(world)
    endpoint = endpoint_for(world, receiver)
    with django_capture_on_commit_callbacks(execute=True):
        first, second = ingest(
            world, {"text": "The price went up", "region": "lima"}, {"text": "No discount", "region": "jakarta"}
        )
    routed = [r for r in receiver.requests if r["json"]["event"] == "item.routed"]
    assert sorted(r["json"]["data"]["item"]["id"] for r in routed) == [first.pk, second.pk]
    assert all(r["signed"] for r in receiver.requests)
    request = next(r for r in routed if r["json"]["data"]["item"]["id"] == first.pk)
    assert request["path"] == "/hooks/peerloop"
    assert request["headers"]["Peerloop-Webhook-Event"] == "item.routed"
    assert request["headers"]["Peerloop-Webhook-Id"] == request["json"]["id"]
    assert request["headers"]["Content-Type"] == "application/json"
    item = request["json"]["data"]["item"]
    assert (item["state"], item["owner"], item["text"]) == (
        "routed",
        {"id": o.head_lima.pk, "name": "Luis Lima"},
        "The price went up",
    )
    assert item["url"] == f"http://127.0.0.1:8000/feedback/items/{first.pk}/"

    owner = actor_of(o.head_lima)
    with django_capture_on_commit_callbacks(execute=True):
        services.item_transition(actor=owner, item_id=first.pk, action="acknowledge")
        services.item_transition(
            actor=owner, item_id=first.pk, action="close", root_cause="Price list not updated", lesson="Publish it"
        )
    events = [r["json"]["event"] for r in receiver.requests]
    # Closing shares the lesson with Hana, who has pricing feedback at the same level.
    assert events[2:] == ["item.acknowledged", "item.closed", "lesson.shared"]
    lesson = receiver.requests[-1]["json"]["data"]["lesson"]
    assert (lesson["item_id"], lesson["author"]["name"], lesson["text"], lesson["peers"]) == (
        first.pk,
        "Luis Lima",
        "Publish it",
        1,
    )
    assert WebhookDelivery.objects.filter(endpoint=endpoint, status=Status.DELIVERED).count() == 5
    assert not WebhookDelivery.objects.exclude(status=Status.DELIVERED).exists()
    # The routing job run again (a retried task) delivers nothing twice.
    from peerloop.feedback import delivery

    with django_capture_on_commit_callbacks(execute=True):
        delivery.routed_notify(owner_items=[[o.head_lima.pk, [first.pk]]])
    assert len(receiver.requests) == 5


def test_an_endpoint_hears_only_its_events_and_an_sla_breach(world, receiver, django_capture_on_commit_callbacks):
    o = org(world)
    endpoint_for(world, receiver, events=["item.sla_breached"])
    with django_capture_on_commit_callbacks(execute=True):
        (item,) = ingest(world, {"text": "price", "region": "lima"})
        services.sla_sweep(now=item.routed_at + timedelta(hours=25))
    assert [r["json"]["event"] for r in receiver.requests] == ["item.sla_breached"]
    data = receiver.requests[0]["json"]["data"]
    assert (data["previous_owner_id"], data["item"]["owner"]["id"]) == (o.head_lima.pk, o.vp.pk)


def test_a_failing_receiver_gets_retries_with_backoff_then_delivered(world, receiver):
    org(world)
    endpoint = endpoint_for(world, receiver, events=["item.routed"])
    (item,) = ingest(world, {"text": "price", "region": "lima"})  # the delivery waits for commit: not sent yet
    row = WebhookDelivery.objects.get(endpoint=endpoint)
    receiver.answers = [500, 503]
    now = timezone.now()
    assert webhooks.webhook_deliver(delivery_id=row.pk, now=now) == Status.FAILED
    row.refresh_from_db()
    assert (row.attempts, row.last_status_code, row.last_error) == (1, 500, "HTTP 500")
    assert row.next_attempt_at == now + timedelta(seconds=30)
    assert webhooks.webhook_deliver(delivery_id=row.pk, now=now + timedelta(seconds=10)) is None  # not due
    assert webhooks.webhook_retry_schedule(now=now + timedelta(seconds=10)) == []
    assert webhooks.webhook_retry_schedule(now=now + timedelta(seconds=31)) == [row.pk]
    assert webhooks.webhook_deliver(delivery_id=row.pk, now=now + timedelta(seconds=31)) == Status.FAILED
    row.refresh_from_db()
    assert row.next_attempt_at == now + timedelta(seconds=31) + timedelta(minutes=2)
    assert webhooks.webhook_deliver(delivery_id=row.pk, now=now + timedelta(minutes=3)) == Status.DELIVERED
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_status_code, row.last_error) == (Status.DELIVERED, 3, 200, "")
    assert len(receiver.requests) == 3
    assert {r["headers"]["Peerloop-Webhook-Id"] for r in receiver.requests} == {
        f"item.routed:{item.pk}:" + row.event_key.rsplit(":", 1)[1]
    }
    assert all(r["signed"] for r in receiver.requests)
    endpoint.refresh_from_db()
    assert endpoint.failures_in_a_row == 0


def test_a_redirect_is_a_failure_and_is_not_followed(world, receiver):
    org(world)
    endpoint = endpoint_for(world, receiver, events=["item.routed"])
    ingest(world, {"text": "price", "region": "lima"})
    row = WebhookDelivery.objects.get(endpoint=endpoint)
    receiver.answers = [302]
    assert webhooks.webhook_deliver(delivery_id=row.pk) == Status.FAILED
    row.refresh_from_db()
    assert row.last_error == "HTTP 302 (redirects are not followed)"
    assert len(receiver.requests) == 1


def test_dead_after_the_last_attempt_and_the_endpoint_turns_off(world, receiver):
    org(world)
    endpoint = endpoint_for(world, receiver, events=["item.routed"])
    ingest(world, *({"text": f"price {n}", "region": "lima"} for n in range(3)))
    rows = list(WebhookDelivery.objects.filter(endpoint=endpoint).order_by("id"))
    receiver.answers = [500] * 50
    now = timezone.now()
    for attempt in range(webhooks.MAX_ATTEMPTS):
        status = webhooks.webhook_deliver(delivery_id=rows[0].pk, now=now + timedelta(days=attempt))
    assert status == Status.DEAD
    rows[0].refresh_from_db()
    assert (rows[0].status, rows[0].attempts, rows[0].next_attempt_at) == (Status.DEAD, 6, None)
    # Four more failures make ten in a row: the endpoint turns off, its waiting deliveries die.
    for attempt in range(webhooks.DISABLE_AFTER - webhooks.MAX_ATTEMPTS):
        webhooks.webhook_deliver(delivery_id=rows[1].pk, now=now + timedelta(days=10 + attempt))
    endpoint.refresh_from_db()
    assert not endpoint.active
    assert endpoint.disabled_reason.startswith("Turned off after 10 failed attempts in a row; last: HTTP 500")
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {Status.DEAD}
    assert len(receiver.requests) == webhooks.DISABLE_AFTER
    assert webhooks.webhook_retry_schedule(now=now + timedelta(days=30)) == []
    # A dead delivery is sent again only once the endpoint is on again.
    owner = actor_of(world.program_owner)
    assert webhooks.webhook_delivery_retry(actor=owner, delivery_id=rows[2].pk) is None
    webhooks.webhook_endpoint_update(actor=owner, endpoint_id=endpoint.pk, active=True)
    endpoint.refresh_from_db()
    assert (endpoint.active, endpoint.failures_in_a_row, endpoint.disabled_reason) == (True, 0, "")
    retried = webhooks.webhook_delivery_retry(actor=owner, delivery_id=rows[2].pk)
    assert retried is not None and (retried.status, retried.attempts) == (Status.PENDING, 0)
    receiver.answers = []
    assert webhooks.webhook_deliver(delivery_id=rows[2].pk) == Status.DELIVERED
    assert AuditEntry.objects.filter(action="feedback.webhook_retry", object_id=str(rows[2].pk)).count() == 1


@pytest.mark.parametrize(
    "url",
    [
        "ftp://hooks.example.org/in",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0/hook",
        "http://user:pass@hooks.example.org/in",
        "https:///no-host",
    ],
)
def test_urls_refused_when_saved(world, url):
    with pytest.raises(ValidationError) as caught:
        webhooks.webhook_endpoint_create(actor=actor_of(world.program_owner), name="x", url=url, events=["item.closed"])
    assert "url" in caught.value.message_dict
    assert not WebhookEndpoint.objects.exists()


def test_private_addresses_allowed_by_the_setting_but_never_link_local(world, settings):
    settings.PEERLOOP_WEBHOOKS_ALLOW_PRIVATE = True
    actor = actor_of(world.program_owner)
    assert webhooks.webhook_endpoint_create(actor=actor, name="x", url="http://127.0.0.1:9/h", events=["item.closed"])
    with pytest.raises(ValidationError):
        webhooks.webhook_endpoint_create(actor=actor, name="x", url="http://169.254.169.254/", events=["item.closed"])


def test_a_name_resolving_to_loopback_is_refused_when_sending(world, receiver, settings):
    org(world)
    endpoint = endpoint_for(world, receiver, events=["item.routed"])
    # Saved while allowed, then the setting goes off; and a name that resolves to loopback.
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url=f"http://localhost:{receiver.port}/hooks/peerloop")
    settings.PEERLOOP_WEBHOOKS_ALLOW_PRIVATE = False
    ingest(world, {"text": "price", "region": "lima"})
    row = WebhookDelivery.objects.get(endpoint=endpoint)
    assert webhooks.webhook_deliver(delivery_id=row.pk) == Status.FAILED
    row.refresh_from_db()
    assert row.last_error.startswith("Refused: localhost resolves to an address webhooks never reach")
    assert receiver.requests == []


def test_the_pages_show_the_log_and_add_an_endpoint(world, receiver, client_as):
    org(world)
    client = client_as("program_owner")
    response = client.post(
        reverse("feedback:outgoing_webhooks"),
        {"name": "Ops chat", "url": receiver.url, "events": ["item.routed", "item.closed"]},
    )
    endpoint = WebhookEndpoint.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "feedback:outgoing_webhook", args=[endpoint.pk]
    )
    assert endpoint.events == ["item.closed", "item.routed"]
    receiver.secret = endpoint.secret
    ingest(world, {"text": "price", "region": "lima"})
    row = WebhookDelivery.objects.get()
    receiver.answers = [500]
    webhooks.webhook_deliver(delivery_id=row.pk)
    page = client.get(reverse("feedback:outgoing_webhook", args=[endpoint.pk])).content.decode()
    assert endpoint.secret in page
    assert "Peerloop-Webhook-Signature" in page
    assert "Failed, will retry" in page and "HTTP 500" in page
    bad = client.post(
        reverse("feedback:outgoing_webhooks"), {"name": "x", "url": "gopher://x", "events": ["item.routed"]}
    )
    assert bad.status_code == 400
    assert "The URL must start with http:// or https://." in bad.content.decode()


def test_the_api_creates_lists_and_changes_endpoints(world, client_as):
    client = client_as("program_owner")
    created = client.post(
        "/api/v1/feedback/outgoing-webhooks",
        json.dumps({"name": "Tickets", "url": "https://tickets.example.org/in", "events": ["item.sla_breached"]}),
        content_type="application/json",
    )
    assert created.status_code == 201
    body = created.json()
    assert len(body["secret"]) == 64 and body["events"] == ["item.sla_breached"] and body["active"] is True
    listed = client.get("/api/v1/feedback/outgoing-webhooks").json()
    assert [e["name"] for e in listed["items"]] == ["Tickets"] and "secret" not in listed["items"][0]
    changed = client.patch(
        f"/api/v1/feedback/outgoing-webhooks/{body['id']}",
        json.dumps({"events": ["item.closed", "nope"]}),
        content_type="application/json",
    )
    assert changed.status_code == 422
    assert "Unknown event 'nope'" in changed.content.decode()
    assert WebhookEndpoint.objects.get().events == ["item.sla_breached"]
    refused = client.post(
        "/api/v1/feedback/outgoing-webhooks",
        json.dumps({"name": "Meta", "url": "http://169.254.169.254/", "events": ["item.closed"]}),
        content_type="application/json",
    )
    assert refused.status_code == 422
    log = client.get(f"/api/v1/feedback/outgoing-webhooks/{body['id']}/deliveries?status=dead").json()
    assert log["items"] == []
