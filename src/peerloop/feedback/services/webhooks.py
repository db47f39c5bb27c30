"""Outgoing webhooks: program owners' endpoints, the delivery outbox, signed sending.

Promises:

- An event is written as one delivery row per subscribed endpoint (the outbox) and sent
  by a task after commit; the periodic sweep sends what is due, so a lost enqueue or a
  killed worker delays a delivery but never loses it.
- Every request is signed: ``Peerloop-Webhook-Signature: sha256=<hex>`` where hex is
  HMAC-SHA256(secret, "<Peerloop-Webhook-Timestamp>." + body), the same scheme as
  Peerloop's inbound webhooks. ``Peerloop-Webhook-Id`` is the same for every attempt of
  one delivery: receivers deduplicate on it (delivery is at least once).
- A failed attempt (network error, timeout, any status outside 2xx, a redirect) is
  retried after 30 s, 2 min, 8 min, 32 min and 2 h 8 min; the sixth failure makes the
  delivery dead. :data:`DISABLE_AFTER` failed attempts in a row disable the endpoint
  (its waiting deliveries die with it) until a program owner turns it on again.
- Never to loopback, private, link-local, reserved or multicast addresses (unless the
  setting ``PEERLOOP_WEBHOOKS_ALLOW_PRIVATE`` allows the private and loopback ones):
  the name is resolved once, every address checked, and the connection made to the
  checked address (no second lookup a rebinding DNS could answer differently);
  redirects are not followed.
"""

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
import http.client
import ipaddress
import json
import logging
import secrets
import socket
import ssl
import time
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from peerloop.core.permissions import NotFound
from peerloop.core.roles import Actor
from peerloop.core.services import audit_record
from peerloop.feedback import permissions
from peerloop.feedback.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from peerloop.feedback.services.ingest import signature_for  # the same signature both ways

logger = logging.getLogger("peerloop.feedback.webhooks")

Status = WebhookDelivery.Status
BACKOFF_BASE = timedelta(seconds=30)
MAX_ATTEMPTS = 6
DISABLE_AFTER = 10
TIMEOUT = 10
# A delivery "sending" this long lost its worker; it is tried again (receivers dedupe).
STALE_SENDING = timedelta(minutes=5)
USER_AGENT = "Peerloop-Webhooks/1"


class AddressRefused(Exception):
    """The endpoint's address is one Peerloop never calls."""


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt: 30 s times 4 to the (attempts - 1)."""
    return BACKOFF_BASE * 4 ** (attempts - 1)


# --- addresses -----------------------------------------------------------------------------


def address_allowed(address: str) -> bool:
    """Whether Peerloop may connect to this IP address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_multicast or ip.is_unspecified or ip.is_link_local:
        return False  # never, not even when private addresses are allowed (cloud metadata lives here)
    if settings.PEERLOOP_WEBHOOKS_ALLOW_PRIVATE:
        return True
    return ip.is_global


def check_url(url: str) -> str:
    """The URL, stripped, when it may be an endpoint: http or https with a host, and not an
    address refused outright (a literal IP or "localhost"); names are checked when sending."""
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise ValidationError({"url": "The URL must start with http:// or https://."})
    if not parts.hostname:
        raise ValidationError({"url": "The URL needs a host name."})
    if parts.username or parts.password:
        raise ValidationError({"url": "Put no user name or password in the URL; the signature authenticates."})
    if len(url) > 500:
        raise ValidationError({"url": "The URL is at most 500 characters."})
    try:
        parts.port  # noqa: B018 (raises on a port out of range)
    except ValueError as exc:
        raise ValidationError({"url": "The port is not a number from 1 to 65535."}) from exc
    host = parts.hostname
    literal: str | None = "127.0.0.1" if host == "localhost" or host.endswith(".localhost") else None
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
        literal = host
    except ValueError:
        pass
    if literal is not None and not address_allowed(literal):
        raise ValidationError({"url": "Webhooks never go to loopback, private, link-local or reserved addresses."})
    return url


def _resolve(host: str, port: int) -> str:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise AddressRefused(f"{host} does not resolve: {exc}") from exc
    addresses = [info[4][0] for info in infos]
    refused = [a for a in addresses if not address_allowed(str(a))]
    if not addresses or refused:
        raise AddressRefused(f"{host} resolves to an address webhooks never reach ({refused[0] if refused else '-'})")
    return str(addresses[0])


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float = TIMEOUT) -> int:
    """POST ``body`` to ``url`` at a checked address; returns the status code. Raises
    AddressRefused, OSError or http.client.HTTPException."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AddressRefused("only http and https URLs with a host are called")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    address = _resolve(parts.hostname, port)
    kind = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    connection = kind(parts.hostname, port, address=address, timeout=timeout)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(4096)
        return response.status
    finally:
        connection.close()


# --- endpoints -----------------------------------------------------------------------------


def _clean_events(events: Iterable[str]) -> list[str]:
    chosen = sorted(set(events))
    unknown = [e for e in chosen if e not in WebhookEvent.values]
    if unknown:
        raise ValidationError(
            {"events": f"Unknown event {unknown[0]!r}; the events are {', '.join(WebhookEvent.values)}."}
        )
    if not chosen:
        raise ValidationError({"events": "Choose at least one event."})
    return chosen


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())[:160]
    if not name:
        raise ValidationError({"name": "A name is required."})
    return name


def webhook_endpoint_create(*, actor: Actor, name: str, url: str, events: Sequence[str]) -> WebhookEndpoint:
    """A new endpoint with a generated secret (shown to program owners); one audit row."""
    permissions.require_run_loop(actor, write=True)
    endpoint = WebhookEndpoint.objects.create(
        name=_clean_name(name),
        url=check_url(url),
        events=_clean_events(events),
        secret=secrets.token_hex(32),
        created_by_id=actor.person_id,
    )
    audit_record(
        actor=actor, action="feedback.webhook_created", object_type="webhook_endpoint", object_id=endpoint.pk,
        object_repr=endpoint.name, changes={"events": endpoint.events},
    )  # fmt: skip
    return endpoint


def webhook_endpoint_update(
    *,
    actor: Actor,
    endpoint_id: int,
    name: str | None = None,
    url: str | None = None,
    events: Sequence[str] | None = None,
    active: bool | None = None,
    rotate_secret: bool = False,
) -> WebhookEndpoint:
    """Change an endpoint; turning it on again clears its failure count. One audit row."""
    permissions.require_run_loop(actor, write=True)
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().filter(pk=endpoint_id).first()
        if endpoint is None:
            raise NotFound()
        changes: dict[str, Any] = {}
        if name is not None:
            endpoint.name = changes["name"] = _clean_name(name)
        if url is not None:
            endpoint.url = changes["url"] = check_url(url)
        if events is not None:
            endpoint.events = changes["events"] = _clean_events(events)
        if active is not None and active != endpoint.active:
            endpoint.active = changes["active"] = active
            if active:
                endpoint.failures_in_a_row = 0
                endpoint.disabled_reason = ""
        if rotate_secret:
            endpoint.secret = secrets.token_hex(32)
            changes["secret"] = "rotated"
        endpoint.save()
        audit_record(
            actor=actor, action="feedback.webhook_updated", object_type="webhook_endpoint", object_id=endpoint.pk,
            object_repr=endpoint.name, changes=changes,
        )  # fmt: skip
    return endpoint


def webhook_delivery_retry(*, actor: Actor, delivery_id: int, endpoint_id: int | None = None) -> WebhookDelivery | None:
    """Send a dead delivery again with a fresh series of attempts (its endpoint must be on);
    None, and nothing changed, unless it is dead. One audit row."""
    permissions.require_run_loop(actor, write=True)
    with transaction.atomic():
        dead = WebhookDelivery.objects.filter(pk=delivery_id, status=Status.DEAD, endpoint__active=True)
        if endpoint_id is not None:
            dead = dead.filter(endpoint_id=endpoint_id)
        updated = dead.update(status=Status.PENDING, attempts=0, next_attempt_at=timezone.now(), claimed_at=None)
        if not updated:
            return None
        row = WebhookDelivery.objects.get(pk=delivery_id)
        audit_record(
            actor=actor, action="feedback.webhook_retry", object_type="webhook_delivery", object_id=row.pk,
            object_repr=row.event,
        )  # fmt: skip
        _enqueue([row.pk])
    return row


# --- events --------------------------------------------------------------------------------


def webhook_emit(*, event: str, items: Iterable[tuple[str, dict[str, Any]]], now: datetime | None = None) -> int:
    """Write one delivery per subscribed active endpoint and (key, data) in ``items`` (the
    key names the occurrence: the same key is delivered once per endpoint), enqueued after
    commit; returns how many rows were written."""
    endpoints = [e.pk for e in WebhookEndpoint.objects.filter(active=True).only("id", "events") if event in e.events]
    if not endpoints:
        return 0
    due = timezone.now()  # sent now, whatever time the occurrence carries
    now = now or due
    rows: list[WebhookDelivery] = []
    for key, data in items:
        event_key = f"{event}:{key}"
        payload = {"id": event_key, "event": event, "occurred_at": now.isoformat(), "data": data}
        rows.extend(
            WebhookDelivery(endpoint_id=e, event=event, event_key=event_key, payload=payload, next_attempt_at=due)
            for e in endpoints
        )
    if not rows:
        return 0
    with transaction.atomic():
        WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
        keys = {r.event_key for r in rows}
        ids = list(
            WebhookDelivery.objects.filter(
                endpoint_id__in=endpoints, event_key__in=keys, status=Status.PENDING, attempts=0
            ).values_list("id", flat=True)
        )
        _enqueue(ids)
    return len(ids)


def _enqueue(ids: list[int]) -> None:
    # After commit even in immediate mode: a request sent does not roll back.
    from peerloop.feedback.tasks import webhook_deliver_task

    if ids:
        transaction.on_commit(lambda: [webhook_deliver_task(i) for i in ids], robust=True)


# --- sending -------------------------------------------------------------------------------


def webhook_deliver(*, delivery_id: int, now: datetime | None = None) -> str | None:
    """Make one attempt at a pending or failed delivery that is due; returns its new status
    (None when there was nothing to do). Claimed with a conditional update first, so two
    workers never send one delivery at once."""
    now = now or timezone.now()
    claimed = (
        WebhookDelivery.objects.filter(pk=delivery_id, status__in=[Status.PENDING, Status.FAILED])
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )
    if not claimed:
        return None
    row = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    endpoint = row.endpoint
    if not endpoint.active:
        _finish(row, Status.DEAD, error="The endpoint is turned off.")
        return Status.DEAD
    body = json.dumps(row.payload, separators=(",", ":"), sort_keys=True).encode()
    stamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Peerloop-Webhook-Id": row.event_key,
        "Peerloop-Webhook-Event": row.event,
        "Peerloop-Webhook-Timestamp": stamp,
        "Peerloop-Webhook-Signature": signature_for(endpoint.secret, stamp, body),
    }
    code: int | None = None
    try:
        code = post(endpoint.url, body, headers)
        error = (
            "" if 200 <= code < 300 else f"HTTP {code}" + (" (redirects are not followed)" if 300 <= code < 400 else "")
        )
    except AddressRefused as exc:
        error = f"Refused: {exc}"
    except (OSError, http.client.HTTPException) as exc:
        error = f"{type(exc).__name__}: {exc}"
    if not error:
        _finish(row, Status.DELIVERED, code=code)
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failures_in_a_row=0)
        return Status.DELIVERED
    return _failed(row, error=error, code=code, now=now)


def _finish(row: WebhookDelivery, status: str, *, code: int | None = None, error: str = "") -> None:
    WebhookDelivery.objects.filter(pk=row.pk, status=Status.SENDING).update(
        status=status,
        last_status_code=code,
        last_error=error[:500],
        next_attempt_at=None,
        delivered_at=timezone.now() if status == Status.DELIVERED else None,
    )


def _failed(row: WebhookDelivery, *, error: str, code: int | None, now: datetime) -> str:
    if row.attempts >= MAX_ATTEMPTS:
        status = Status.DEAD
        _finish(row, status, code=code, error=error)
        logger.error("webhook delivery %s is dead after %s attempts: %s", row.pk, row.attempts, error)
    else:
        status = Status.FAILED
        WebhookDelivery.objects.filter(pk=row.pk, status=Status.SENDING).update(
            status=status, last_status_code=code, last_error=error[:500], next_attempt_at=now + backoff(row.attempts)
        )
        logger.warning("webhook delivery %s attempt %s failed: %s", row.pk, row.attempts, error)
    with transaction.atomic():
        WebhookEndpoint.objects.filter(pk=row.endpoint_id).update(failures_in_a_row=F("failures_in_a_row") + 1)
        disabled = WebhookEndpoint.objects.filter(
            pk=row.endpoint_id, active=True, failures_in_a_row__gte=DISABLE_AFTER
        ).update(
            active=False,
            disabled_reason=f"Turned off after {DISABLE_AFTER} failed attempts in a row; last: {error}"[:300],
        )
        if disabled:
            logger.error("webhook endpoint %s turned off after %s failures in a row", row.endpoint_id, DISABLE_AFTER)
            WebhookDelivery.objects.filter(
                endpoint_id=row.endpoint_id, status__in=[Status.PENDING, Status.FAILED]
            ).update(status=Status.DEAD, next_attempt_at=None, last_error="The endpoint was turned off.")
            if status == Status.FAILED:
                status = Status.DEAD
    return status


def webhook_retry_schedule(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """The periodic sweep: deliveries left "sending" by a stopped worker are tried again
    (receivers deduplicate on Peerloop-Webhook-Id); returns the ids due for an attempt."""
    now = now or timezone.now()
    WebhookDelivery.objects.filter(status=Status.SENDING, claimed_at__lt=now - STALE_SENDING).update(
        status=Status.FAILED, next_attempt_at=now, last_error="The worker stopped while sending."
    )
    return list(
        WebhookDelivery.objects.filter(status__in=[Status.PENDING, Status.FAILED], endpoint__active=True)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )
