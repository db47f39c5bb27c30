"""Pages and list endpoints of the loop: what they show, and their query counts pinned."""

from datetime import date, timedelta
import json

from django.utils import timezone
import pytest

from peerloop.accounts.services import api_token_create
from peerloop.core.models import Interaction
from peerloop.core.roles import SYSTEM
from peerloop.feedback import queries, services
from peerloop.feedback.models import FeedbackItem, ItemState
from peerloop.notifications.models import Notification
from peerloop.programs.models import MetricValue
from tests.conftest import login
from tests.feedback.helpers import actor_of, ingest, org

pytestmark = pytest.mark.django_db


def test_the_inbox_shows_my_items_and_polls_for_new_ones(world, client):
    o = org(world)
    ingest(world, *[{"text": f"price question {i}", "region": "jakarta", "score": 4} for i in range(12)])
    ingest(world, {"text": "price in Lima", "region": "lima"})
    login(client, o.head_jakarta)
    page = client.get("/feedback/")
    assert page.status_code == 200
    body = page.content.decode()
    assert body.count("price question") == 12 and "price in Lima" not in body
    assert 'hx-trigger="every 3s"' in body
    rows = client.get("/feedback/inbox/rows/")
    assert rows.status_code == 200 and rows.content.decode().count("price question") == 12


def test_list_pages_and_endpoints_make_a_fixed_number_of_queries(world, client, django_assert_max_num_queries):
    o = org(world)
    ingest(world, *[{"text": f"price {i}", "region": "jakarta", "score": 3} for i in range(30)])
    ingest(world, *[{"text": f"no topic {i}"} for i in range(30)])
    login(client, o.head_jakarta)
    with django_assert_max_num_queries(12):
        assert client.get("/feedback/").status_code == 200
    owner = login(client.__class__(), world.program_owner)
    with django_assert_max_num_queries(14):
        assert owner.get("/feedback/queue/?kind=fallback").status_code == 200
    with django_assert_max_num_queries(14):
        assert owner.get("/feedback/queue/?kind=triage").status_code == 200
    with django_assert_max_num_queries(12):
        response = owner.get("/api/v1/feedback/items?limit=100")
    assert response.status_code == 200 and response.json()["count"] == 60
    with django_assert_max_num_queries(20):
        assert owner.get("/feedback/health/").status_code == 200


def test_the_item_page_moves_the_item_and_asks_for_the_lesson(world, client):
    o = org(world)
    (item,) = ingest(world, {"text": "the price doubled", "region": "jakarta"})
    login(client, o.head_jakarta)
    page = client.get(f"/feedback/items/{item.pk}/").content.decode()
    assert "Acknowledge" in page and "the price doubled" in page
    client.post(f"/feedback/items/{item.pk}/transition/", {"action": "acknowledge"})
    page = client.get(f"/feedback/items/{item.pk}/").content.decode()
    assert "Close with a lesson" in page and "Root cause" in page
    response = client.post(f"/feedback/items/{item.pk}/transition/", {"action": "close", "root_cause": ""}, follow=True)
    assert "Say what caused it" in response.content.decode()
    client.post(
        f"/feedback/items/{item.pk}/transition/",
        {"action": "close", "root_cause": "A stale list", "lesson": "Check the list weekly"},
    )
    assert FeedbackItem.objects.get(pk=item.pk).state == ItemState.CLOSED
    page = client.get(f"/feedback/items/{item.pk}/").content.decode()
    assert "Check the list weekly" in page and "Reopen" in page


def test_relative_positions_rank_my_unit_and_name_who_to_learn_from(world, client):
    o = org(world)
    start = date(2026, 10, 1)
    for unit, value in ((o.sales_jakarta, 30.0), (o.sales_lima, 45.0)):
        MetricValue.objects.create(
            metric=world.metric, unit=unit, period_start=start, period_end=date(2026, 10, 31), value=value
        )
    ingest(world, {"text": "price", "region": "jakarta", "score": 3}, {"text": "price", "region": "lima", "score": 9})
    found = queries.relative_positions(person_id=o.head_jakarta.pk)
    labels = {s.code: s for s in found["standings"]}
    nps = labels["nps"]
    assert (nps.rank, nps.of, nps.best_unit, nps.best_person_id) == (2, 2, "Sales Lima", o.head_lima.pk)
    score = labels["feedback-score"]
    assert (score.rank, score.my_value, score.best_value) == (2, 3.0, 9.0)
    login(client, o.head_jakarta)
    page = client.get("/feedback/positions/").content.decode()
    assert "Learn from Luis Lima" in page
    assert client.post("/feedback/positions/learn-from/", {"peer": o.head_lima.pk, "metric": "nps"}).status_code == 302
    assert Notification.objects.filter(recipient=o.head_lima, kind="feedback.learn_from").count() == 1
    assert Interaction.objects.filter(
        kind="feedback.learn_from_requested", actor=o.head_jakarta, target=o.head_lima
    ).exists()


def test_the_outer_loop_flags_emerging_topics(world):
    o = org(world)
    now = timezone.now()
    old = now - timedelta(days=40)
    ingest(world, *[{"text": "late delivery", "occurred_at": old.isoformat(), "segment": "retail"} for _ in range(3)])
    ingest(world, *[{"text": "price up", "segment": "retail", "score": 2} for _ in range(6)])
    ingest(world, *[{"text": "late delivery", "segment": "chains"} for _ in range(3)])
    trends = {t.topic_id: t for t in queries.outer_loop(now=now + timedelta(seconds=1))}
    pricing, delivery = trends[o.pricing_id], trends[o.delivery_id]
    assert (pricing.volume, pricing.previous, pricing.emerging, pricing.mean_score) == (6, 0, True, 2.0)
    assert pricing.segments == [("retail", 6)]
    assert (delivery.volume, delivery.previous, delivery.emerging) == (3, 3, False)


def test_the_api_moves_an_item_and_refuses_extra_fields(world, client):
    o = org(world)
    (item,) = ingest(world, {"text": "price", "region": "lima"})
    _, secret = api_token_create(actor=SYSTEM, user=o.head_lima.user, name="t", scope="write")
    api = client.__class__(HTTP_AUTHORIZATION=f"Bearer {secret}")
    body = {"action": "acknowledge", "owner_id": world.admin.pk, "state": "closed"}
    response = api.post(
        f"/api/v1/feedback/items/{item.pk}/transitions", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 200
    assert (response.json()["state"], response.json()["owner_id"]) == ("acknowledged", o.head_lima.pk)
    other = ingest(world, {"text": "price", "region": "jakarta"})[0]
    assert api.get(f"/api/v1/feedback/items/{other.pk}").status_code == 404
    services.item_transition(actor=actor_of(o.head_lima), item_id=item.pk, action="acted")
