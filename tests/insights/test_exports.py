"""Pseudonymized exports for analysts: people as keyed pseudonyms, units under the privacy floor
suppressed, nothing that names a person, admins only, every export audited."""

import csv
from datetime import timedelta
import io

from django.utils import timezone
import pytest

from peerloop.core.models import AuditEntry
from peerloop.core.services import interaction_record
from peerloop.insights.exports import SUPPRESSED, pseudonym
from peerloop.people.models import Person
from tests.factories import PersonFactory, UnitFactory

NOW = timezone.now()


@pytest.fixture
def team(world):
    """Five people in "=Sales Lagos" (a formula-like name), two in Tiny (under the floor)."""
    lagos, tiny = UnitFactory(name="=Sales Lagos"), UnitFactory(name="Tiny")
    lg = [PersonFactory(unit=lagos, name=f"Lagos Person {k}", email=f"lagos{k}@example.org") for k in range(5)]
    t = [PersonFactory(unit=tiny, name=f"Tiny Person {k}", email=f"tiny{k}@example.org") for k in range(2)]
    customer = PersonFactory(kind="customer", unit=None, name="Carla Customer", email="carla@example.com")
    when = NOW - timedelta(days=3)
    interaction_record(kind="message.sent", actor_id=lg[0].pk, target_ids=[lg[1].pk, t[0].pk], occurred_at=when)
    interaction_record(kind="message.sent", actor_id=lg[1].pk, target_ids=[lg[0].pk], weight=2.0, occurred_at=when)
    interaction_record(kind="kudos.given", actor_id=t[1].pk, target_ids=[customer.pk], occurred_at=when)
    interaction_record(
        kind="discussion.asked", actor_id=lg[2].pk, object_type="thread", object_id="42", occurred_at=when
    )
    interaction_record(
        kind="message.sent", actor_id=lg[3].pk, target_ids=[lg[4].pk], occurred_at=NOW - timedelta(days=400)
    )
    return {"lagos": lg, "tiny": t, "customer": customer}


def download(client, kind="interactions", key="study-one", months="12"):
    response = client.post("/insights/exports/", {"kind": kind, "key": key, "months": months})
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Disposition"].startswith(f'attachment; filename="peerloop-{kind}-{key}-')
    return b"".join(response.streaming_content).decode()


def test_the_interaction_export_names_no_one_and_suppresses_small_units(team, client_as):
    text = download(client_as("admin"))
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["hour", "kind", "actor", "actor_unit", "target", "target_unit", "weight"]
    lg, t, customer = team["lagos"], team["tiny"], team["customer"]
    p = {person.pk: pseudonym(person.pk, "study-one") for person in [*lg, *t, customer]}
    hour = (NOW - timedelta(days=3)).strftime("%Y-%m-%dT%H:00Z")
    assert sorted(rows[1:]) == sorted(
        [
            [hour, "message.sent", p[lg[0].pk], "'=Sales Lagos", p[lg[1].pk], "'=Sales Lagos", "1.0"],
            [hour, "message.sent", p[lg[0].pk], "'=Sales Lagos", p[t[0].pk], SUPPRESSED, "1.0"],
            [hour, "message.sent", p[lg[1].pk], "'=Sales Lagos", p[lg[0].pk], "'=Sales Lagos", "2.0"],
            [hour, "kudos.given", p[t[1].pk], SUPPRESSED, p[customer.pk], "", "1.0"],
            [hour, "discussion.asked", p[lg[2].pk], "'=Sales Lagos", "", "", "1.0"],
        ]
    )
    # Nothing in the file names a person: no names, emails, ids, objects.
    for person in Person.objects.all():
        assert person.name not in text and person.email not in text
    ids = {str(pk) for pk in Person.objects.values_list("pk", flat=True)}
    assert not any(cell in ids for row in rows[1:] for cell in (row[2], row[4]))
    assert not any(cell == "42" or "thread" in cell for row in rows for cell in row) and "Tiny" not in text


def test_pseudonyms_are_stable_for_a_key_and_unlinkable_across_keys(team, client_as):
    admin = client_as("admin")

    def people(text):
        return {cell for row in list(csv.reader(io.StringIO(text)))[1:] for cell in (row[2], row[4]) if cell}

    first, again, other = download(admin), download(admin), download(admin, key="study-two")
    assert first == again
    assert len(people(first)) == 6 and people(first).isdisjoint(people(other))
    audit = list(AuditEntry.objects.filter(action="insights.export").order_by("id"))
    assert [(a.object_id, a.changes["key"], a.actor_label) for a in audit] == [
        ("interactions", "study-one", "admin@example.org"),
        ("interactions", "study-one", "admin@example.org"),
        ("interactions", "study-two", "admin@example.org"),
    ]


def test_the_pair_export_sums_each_pair_both_ways(team, client_as):
    rows = list(csv.reader(io.StringIO(download(client_as("admin"), kind="pairs", key="pairs-1"))))
    lg, t, customer = team["lagos"], team["tiny"], team["customer"]
    p = {person.pk: pseudonym(person.pk, "pairs-1") for person in [*lg, *t, customer]}
    day = f"{NOW - timedelta(days=3):%Y-%m-%d}"

    def pair(a, unit_a, b, unit_b, count, weight):
        (pa, ua), (pb, ub) = sorted([(p[a.pk], unit_a), (p[b.pk], unit_b)])
        return [pa, ua, pb, ub, str(count), str(weight), day, day]

    assert rows[0] == ["person_a", "unit_a", "person_b", "unit_b", "interactions", "weight", "first_day", "last_day"]
    assert rows[1:] == sorted(
        [
            pair(lg[0], "'=Sales Lagos", lg[1], "'=Sales Lagos", 2, 3.0),
            pair(lg[0], "'=Sales Lagos", t[0], SUPPRESSED, 1, 1.0),
            pair(t[1], SUPPRESSED, customer, "", 1, 1.0),
        ]
    )


def test_a_bad_export_key_is_refused_with_its_field_named_and_nothing_audited(team, client_as):
    response = client_as("admin").post("/insights/exports/", {"kind": "pairs", "key": "Bad Key!", "months": "12"})
    assert response.status_code == 422
    assert "The export key is 3 to 64 lowercase letters" in response.content.decode()
    response = client_as("admin").post("/insights/exports/", {"kind": "pairs", "key": "ok-key", "months": "40"})
    assert response.status_code == 422 and "between 1 and 36 months" in response.content.decode()
    assert not AuditEntry.objects.filter(action="insights.export").exists()


def test_the_api_gives_the_same_file_and_refuses_bad_input(team, client_as, world):
    admin = client_as("admin")
    response = admin.get("/api/v1/insights/exports/interactions?key=study-one")
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    assert b"".join(response.streaming_content).decode() == download(admin)
    bad = admin.get("/api/v1/insights/exports/everything?key=study-one")
    assert bad.status_code == 422 and "Unknown export" in bad.content.decode()
    assert admin.get("/api/v1/insights/exports/pairs?key=study-one&months=99").status_code == 422
    assert admin.get("/api/v1/insights/exports/pairs").status_code == 422
    assert AuditEntry.objects.filter(action="insights.export").count() == 2
    # A leader reads the aggregates but gets no export.
    assert client_as("leader").get("/api/v1/insights/exports/pairs?key=study-one").status_code == 404
    assert client_as("leader").post("/insights/exports/", {"kind": "pairs", "key": "study-one"}).status_code == 404
