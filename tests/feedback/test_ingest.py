"""Feedback in: uploads (all or nothing, errors by line and column), the API (batches,
Idempotency-Key), the webhook (HMAC, age, replay, size), surveys, manual entry."""

import contextlib
import json
import threading
import time

from django.db import DataError, connection, connections
from django.test import Client
import pytest

from peerloop.accounts.services import api_token_create
from peerloop.core.roles import SYSTEM
from peerloop.feedback import services
from peerloop.feedback.models import FeedbackItem, IngestReceipt, ItemState
from peerloop.feedback.services.ingest import processing_deferred
from peerloop.feedback.services.sources import source_for_kind
from tests.feedback.helpers import actor_of, org

pytestmark = pytest.mark.django_db


def token_client(person) -> Client:
    _, secret = api_token_create(actor=SYSTEM, user=person.user, name="ingest", scope="write")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


# --- uploads ------------------------------------------------------------------------------


def test_a_csv_upload_lists_every_bad_row_by_line_and_column_and_writes_nothing(world):
    org(world)
    data = (
        b"text,score,region,idempotency_key,attr_order\n"
        b"Price went up,3,jakarta,k1,A-1\n"
        b",11,atlantis,k2,\n"
        b"Late delivery,x,lima,k1,\n"
    )
    report = services.item_import_file(actor=actor_of(world.program_owner), data=data, name="f.csv", dry_run=False)
    assert [(e.line, e.column) for e in report.errors] == [
        (3, "text"),
        (3, "score"),
        (3, "region"),
        (4, "score"),
        (4, "idempotency_key"),
    ]
    assert "also on line 2" in report.errors[-1].message
    assert FeedbackItem.objects.count() == 0


def test_a_good_upload_stores_every_row_once_and_a_second_time_is_refused(world):
    o = org(world)
    data = b"text,score,region,idempotency_key,attr_order\nPrice went up,3,jakarta,k1,A-1\nShipping slow,,lima,k2,\n"
    actor = actor_of(world.program_owner)
    report = services.item_import_file(actor=actor, data=data, name="f.csv", dry_run=False)
    assert report.ok and report.created == 2
    first = FeedbackItem.objects.get(idempotency_key="k1")
    assert (first.score, first.attributes, first.owner_id) == (3.0, {"order": "A-1"}, o.head_jakarta.pk)
    again = services.item_import_file(actor=actor, data=data, name="f.csv", dry_run=False)
    assert [(e.line, e.column) for e in again.errors] == [(2, "idempotency_key"), (3, "idempotency_key")]
    assert FeedbackItem.objects.count() == 2


def test_a_json_lines_upload_names_the_line_it_cannot_read(world):
    data = b'{"text": "fine"}\n{"text": "broken"\n'
    report = services.item_import_file(actor=actor_of(world.program_owner), data=data, name="f.jsonl", dry_run=False)
    assert report.errors and report.errors[0].line == 2
    assert FeedbackItem.objects.count() == 0
    ok = services.item_import_file(
        actor=actor_of(world.program_owner), data=b'{"text": "a"}\n{"text": "b", "score": 4}\n', name="f.jsonl",
        dry_run=False,
    )  # fmt: skip
    assert ok.ok and FeedbackItem.objects.count() == 2


def test_the_upload_page_previews_then_applies(world, client_as):
    client = client_as("program_owner")
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        "/feedback/upload/", {"action": "preview", "file": SimpleUploadedFile("a.csv", b"text\nhi\n")}
    )
    assert response.status_code == 200 and FeedbackItem.objects.count() == 0
    token = response.context["token"]
    response = client.post("/feedback/upload/", {"action": "apply", "token": token})
    assert response.status_code == 302
    assert list(FeedbackItem.objects.values_list("text", flat=True)) == ["hi"]
    bad = client.post(
        "/feedback/upload/", {"action": "preview", "file": SimpleUploadedFile("a.csv", b"text,nope\nx,y\n")}
    )
    assert bad.status_code == 400
    assert b"Unknown column" in bad.content


# --- the API ------------------------------------------------------------------------------


def test_a_batch_with_one_bad_item_names_it_and_stores_nothing(world):
    client = token_client(world.program_owner)
    body = {"items": [{"text": "ok"}, {"text": "bad", "region": "nowhere"}]}
    response = client.post("/api/v1/feedback/items", json.dumps(body), content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "items[1].region"]
    assert FeedbackItem.objects.count() == 0


def test_the_same_idempotency_key_gives_the_same_answer_and_one_item(world):
    client = token_client(world.program_owner)
    body = json.dumps({"items": [{"text": "Price too high", "score": 2}]})
    first = client.post("/api/v1/feedback/items", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1")
    second = client.post("/api/v1/feedback/items", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert FeedbackItem.objects.count() == 1
    other = json.dumps({"items": [{"text": "Something else"}]})
    conflict = client.post("/api/v1/feedback/items", other, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert conflict.status_code == 422
    assert FeedbackItem.objects.count() == 1


@pytest.mark.parametrize("processed", [True, False], ids=["routed in the request", "left to the worker"])
def test_the_ingest_answer_is_the_item_as_its_schema_renders_it(world, processed):
    # The answer is built without the schema's validation (api._batch_out): it must still be
    # what the schema gives for the stored item, here the item's own GET.
    org(world)
    client = token_client(world.program_owner)
    record = {"text": "Price too high in Jakarta", "score": 2, "region": "jakarta", "attributes": {"order": "A-1"}}
    body = json.dumps({"items": [record]})
    with contextlib.nullcontext() if processed else processing_deferred():
        first = client.post("/api/v1/feedback/items", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="a")
    assert first.status_code == 201
    item = FeedbackItem.objects.get()
    assert item.state == (ItemState.ROUTED if processed else ItemState.NEW)
    stored = client.get(f"/api/v1/feedback/items/{item.pk}").json()
    if processed:
        assert stored["tags"] and stored["owner_id"] is not None
    answer = first.json()["items"][0]
    if not processed:  # the worker has not run: the answer has the item as it was stored
        stored = {**stored, "state": "new", "tags": []}
    assert answer == stored
    retry = client.post("/api/v1/feedback/items", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="a")
    assert retry.json() == first.json()


def test_an_item_key_already_stored_answers_with_the_stored_item(world):
    items = services.items_ingest(actor=actor_of(world.program_owner), records=[{"text": "a", "idempotency_key": "x"}])
    again = services.items_ingest(actor=actor_of(world.program_owner), records=[{"text": "a", "idempotency_key": "x"}])
    assert [i.pk for i in again] == [i.pk for i in items]
    assert FeedbackItem.objects.count() == 1


def test_one_item_is_stored_with_its_codes_resolved_by_the_single_statement(world):
    o = org(world)
    client = token_client(world.program_owner)
    body = {
        "items": [
            {"text": "Shipping slow", "score": 4, "region": "LIMA", "unit": "sales-lima", "idempotency_key": "s1"}
        ]
    }
    response = client.post("/api/v1/feedback/items", json.dumps(body), content_type="application/json")
    assert response.status_code == 201
    item = FeedbackItem.objects.get()
    assert (item.text, item.score, item.region_id, item.unit_id, item.idempotency_key, item.submitted_by_id) == (
        "Shipping slow", 4.0, o.lima.pk, o.sales_lima.pk, "s1", world.program_owner.pk,
    )  # fmt: skip
    assert response.json()["items"][0]["id"] == item.pk
    assert response.json()["items"][0]["region_id"] == o.lima.pk


def test_one_item_with_an_unknown_code_or_an_inactive_source_is_refused_by_name(world):
    org(world)
    client = token_client(world.program_owner)
    body = {"items": [{"text": "Shipping slow", "unit": "nowhere"}]}
    response = client.post("/api/v1/feedback/items", json.dumps(body), content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "items[0].unit"]
    source = services.source_create(actor=actor_of(world.program_owner), name="Shop API", kind="api")
    services.source_update(actor=actor_of(world.program_owner), source_id=source.pk, active=False)
    body = {"items": [{"text": "Shipping slow"}], "source_id": source.pk}
    response = client.post("/api/v1/feedback/items", json.dumps(body), content_type="application/json")
    assert response.status_code == 422
    assert "source_id" in json.dumps(response.json())
    assert FeedbackItem.objects.count() == 0


def test_one_item_whose_key_is_stored_answers_with_the_stored_item_through_the_api(world):
    client = token_client(world.program_owner)
    body = json.dumps({"items": [{"text": "a", "idempotency_key": "x"}]})
    first = client.post("/api/v1/feedback/items", body, content_type="application/json")
    again = client.post("/api/v1/feedback/items", body, content_type="application/json")
    assert first.status_code == 201 and again.status_code == 201
    assert again.json()["items"][0]["id"] == first.json()["items"][0]["id"]
    assert FeedbackItem.objects.count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serializes writers: no race to test")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("deferred", [False, True], ids=["general path", "one statement (ADR 0012)"])
def test_ten_concurrent_posts_with_one_key_make_one_item_and_ten_identical_answers(world, deferred):
    if deferred:  # processing left to the worker: the keyed single item's own path
        source_for_kind(kind="api")
    _, secret = api_token_create(actor=SYSTEM, user=world.program_owner.user, name="c", scope="write")
    body = json.dumps({"items": [{"text": "Price too high", "score": 2}]})
    barrier = threading.Barrier(10)
    answers: list[tuple[int, str]] = []
    errors: list[BaseException] = []

    def post() -> None:
        try:
            client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
            barrier.wait(timeout=20)
            with processing_deferred() if deferred else contextlib.nullcontext():
                r = client.post(
                    "/api/v1/feedback/items", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="c"
                )
            answers.append((r.status_code, r.content.decode()))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(answers) == 10
    assert set(answers) == {answers[0]}
    assert answers[0][0] == 201
    assert FeedbackItem.objects.count() == 1
    assert IngestReceipt.objects.count() == 1


# --- the webhook --------------------------------------------------------------------------


def hook(world, **mapping):
    return services.source_create(actor=actor_of(world.program_owner), name="Shop", kind="webhook", mapping=mapping)


def deliver(source, payload, *, secret=None, at=None, event="", raw=None):  # type: ignore[no-untyped-def]
    body = raw if raw is not None else json.dumps(payload).encode()
    stamp = str(int(at if at is not None else time.time()))
    headers = {
        "HTTP_X_PEERLOOP_TIMESTAMP": stamp,
        "HTTP_X_PEERLOOP_SIGNATURE": services.signature_for(secret or source.secret, stamp, body),
    }
    if event:
        headers["HTTP_X_PEERLOOP_EVENT"] = event
    return Client().post(f"/api/v1/feedback/webhooks/{source.slug}", body, content_type="application/json", **headers)


def test_a_signed_webhook_is_mapped_stored_and_routed(world):
    o = org(world)
    source = hook(world, text="review.body", score="review.stars", region="shop.region")
    response = deliver(source, {"review": {"body": "The price is a joke", "stars": 1}, "shop": {"region": "lima"}})
    assert response.status_code == 202
    item = FeedbackItem.objects.get()
    assert (item.text, item.score, item.owner_id, item.state) == ("The price is a joke", 1.0, o.head_lima.pk, "routed")


def test_a_bad_signature_is_401_and_stores_nothing(world):
    source = hook(world)
    response = deliver(source, {"text": "hello"}, secret="not-the-secret")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/problem+json")
    assert FeedbackItem.objects.count() == 0 and IngestReceipt.objects.count() == 0


def test_a_stale_timestamp_is_refused(world):
    source = hook(world)
    response = deliver(source, {"text": "hello"}, at=time.time() - 301)
    assert response.status_code == 401
    assert "300 seconds" in response.json()["detail"]
    assert FeedbackItem.objects.count() == 0


def test_a_replayed_event_is_processed_once(world):
    source = hook(world)
    first = deliver(source, {"text": "hello"}, event="evt-1")
    replay = deliver(source, {"text": "hello"}, event="evt-1")
    assert first.status_code == replay.status_code == 202
    assert first.json() == replay.json()
    assert FeedbackItem.objects.count() == 1


def test_a_payload_over_one_mebibyte_is_413_and_stores_nothing(world):
    source = hook(world)
    raw = json.dumps({"text": "x" * (1024 * 1024)}).encode()
    response = deliver(source, None, raw=raw)
    assert response.status_code == 413
    assert FeedbackItem.objects.count() == 0


def test_a_webhook_with_a_bad_record_is_422_and_stores_nothing(world):
    source = hook(world)
    response = deliver(source, [{"text": "fine"}, {"text": ""}])
    assert response.status_code == 422
    assert FeedbackItem.objects.count() == 0 and IngestReceipt.objects.count() == 0


# --- surveys and manual entry -------------------------------------------------------------


def test_a_guest_answers_the_survey_of_their_space_but_not_another(world, client_as):
    inside = services.survey_create(
        actor=SYSTEM, title="Pulse", question="Recommend us?", space_id=world.guest_space.pk
    )
    internal = services.survey_create(actor=SYSTEM, title="Staff", question="Happy?", kind="csat")
    guest = client_as("guest")
    assert guest.post(f"/feedback/surveys/{inside.pk}/", {"score": "9", "text": "Love it"}).status_code == 302
    assert guest.get(f"/feedback/surveys/{internal.pk}/").status_code == 404
    item = FeedbackItem.objects.get()
    assert (item.score, item.text, item.submitted_by_id, item.channel) == (9.0, "Love it", world.guest.pk, "survey")
    assert item.state == ItemState.ROUTED and item.in_fallback
    bad = client_as("member").post(f"/feedback/surveys/{internal.pk}/", {"score": "9"})
    assert bad.status_code == 400 and FeedbackItem.objects.count() == 1


def test_manual_entry_is_routed_like_any_item(world, client_as):
    o = org(world)
    response = client_as("member").post("/feedback/enter/", {"text": "They asked for a discount", "region": "jakarta"})
    assert response.status_code == 302
    item = FeedbackItem.objects.get()
    assert (item.owner_id, item.submitted_by_id, item.source.kind) == (o.head_jakarta.pk, world.member.pk, "manual")
    bad = client_as("member").post("/feedback/enter/", {"text": "x", "region": "mars"})
    assert bad.status_code == 400 and b"No region with the code" in bad.content


def test_a_large_upload_takes_the_bulk_path_and_reads_back_the_same(world):
    rows = "".join(f"item {i},{i % 11},2026-03-0{1 + i % 9}T10:00:00+02:00,k{i},v{i}\n" for i in range(1500))
    data = ("text,score,occurred_at,idempotency_key,attr_n\n" + rows).encode()
    report = services.item_import_file(actor=actor_of(world.program_owner), data=data, name="big.csv", dry_run=False)
    assert report.ok and report.created == 1500
    item = FeedbackItem.objects.get(idempotency_key="k12")
    assert (item.text, item.score, item.attributes) == ("item 12", 1.0, {"n": "v12"})
    assert item.occurred_at.isoformat() == "2026-03-04T08:00:00+00:00"
    assert FeedbackItem.objects.filter(state=ItemState.ROUTED).count() == 1500


def test_the_import_endpoint_lists_problems_by_line_and_stores_nothing(world):
    client = token_client(world.program_owner)
    body = {"name": "f.csv", "content": "text,score\nfine,3\n,12\n", "dry_run": False}
    response = client.post("/api/v1/feedback/imports", json.dumps(body), content_type="application/json")
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert [(e["line"], e["column"]) for e in response.json()["errors"]] == [(3, "text"), (3, "score")]
    assert FeedbackItem.objects.count() == 0


# --- one keyed item and its receipt in one statement (PostgreSQL) -------------------------


def _post(client: Client, body: str, key: str):  # type: ignore[no-untyped-def]
    with processing_deferred():  # the worker routes it, as in production (the path needs that)
        return client.post("/api/v1/feedback/items", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="data-modifying WITH: PostgreSQL only")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("prepare", [True, False], ids=["prepared", "DATABASE_PREPARE=0"])
def test_one_keyed_item_is_stored_with_its_receipt_without_the_general_path(world, monkeypatch, prepare):
    org(world)
    source_for_kind(kind="api")  # the path finds the source in its statement (the general path creates it)
    if not prepare:  # prepared_cursor then runs the statement on Django's own cursor
        monkeypatch.setitem(connection.settings_dict["OPTIONS"], "prepare_threshold", None)
    client = token_client(world.program_owner)
    body = json.dumps({"items": [{"text": "Price too high", "score": 2, "region": "jakarta"}]})

    def general_path(**kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("with_receipt ran")

    with monkeypatch.context() as patched:
        patched.setattr(services, "with_receipt", general_path)
        first = _post(client, body, "p-1")
    assert first.status_code == 201
    item = FeedbackItem.objects.get()
    assert item.state == ItemState.NEW and item.region.code == "jakarta"
    stored = client.get(f"/api/v1/feedback/items/{item.pk}").json()
    assert first.json()["items"] == [stored]
    # The receipt keeps the answer with the values the statement resolved filled in.
    receipt = IngestReceipt.objects.get()
    kept = receipt.response["items"][0]
    assert (receipt.key, receipt.status, receipt.scope) == ("p-1", 201, f"api:{world.program_owner.user_id}")
    assert (kept["id"], kept["source_id"], kept["region_id"], kept["unit_id"]) == (
        item.pk, item.source_id, item.region_id, None
    )  # fmt: skip
    assert {k: v for k, v in kept.items() if not k.endswith("_at")} == {
        k: v for k, v in stored.items() if not k.endswith("_at")
    }
    # A retry: the statement stores the item again, fails on the receipt's key, and with it
    # stores nothing; the general path answers from the receipt.
    retry = _post(client, body, "p-1")
    assert retry.json() == first.json()
    assert FeedbackItem.objects.count() == 1 and IngestReceipt.objects.count() == 1
    conflict = _post(client, json.dumps({"items": [{"text": "Other"}]}), "p-1")
    assert conflict.status_code == 422
    assert FeedbackItem.objects.count() == 1
    # The connection is usable after each failed statement, in autocommit as Django expects.
    assert connection.get_autocommit() and not connection.in_atomic_block
    assert FeedbackItem.objects.filter(state=ItemState.NEW).count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="data-modifying WITH: PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_an_answer_that_cannot_be_built_stores_nothing(world, monkeypatch):
    from peerloop.feedback import api

    source_for_kind(kind="api")
    client = token_client(world.program_owner)

    def broken(items):  # type: ignore[no-untyped-def]
        raise RuntimeError("the answer could not be built")

    general: list[dict] = []
    monkeypatch.setattr(api, "_batch_out", broken)
    monkeypatch.setattr(services, "with_receipt", lambda **kwargs: general.append(kwargs))
    assert _post(client, json.dumps({"items": [{"text": "Price too high"}]}), "f-1").status_code == 500
    assert general == []  # it failed on this path, before its statement
    assert FeedbackItem.objects.count() == 0 and IngestReceipt.objects.count() == 0
    assert connection.get_autocommit() and not connection.in_atomic_block


@pytest.mark.skipif(connection.vendor != "postgresql", reason="data-modifying WITH: PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_an_item_whose_receipt_fails_is_not_stored(world):
    """The statement's two INSERTs stand or fall together: a receipt the database refuses
    (here a status out of its column's range) leaves no item behind."""
    source_for_kind(kind="api")
    item = {"text": "Price too high"}
    with processing_deferred(), pytest.raises(DataError):
        services.item_ingest_receipted(
            actor=actor_of(world.program_owner), record=item, source_id=None, scope="api:t", key="r-1", body=b"{}",
            respond=lambda stored: (70000, {"items": [{"text": stored.text}]}), keep=lambda answer: answer,
            item_at=("items", 0),
        )  # fmt: skip
    assert FeedbackItem.objects.count() == 0 and IngestReceipt.objects.count() == 0
    assert connection.get_autocommit() and not connection.in_atomic_block
