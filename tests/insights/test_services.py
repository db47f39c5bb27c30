"""Insights refreshed from a real interaction stream in the database: the figures, the privacy
floor, person-level views and their audit, the CSV downloads, the API and the refresh job."""

from datetime import timedelta

from django.utils import timezone
import pytest

from peerloop.core.models import AuditEntry, Job
from peerloop.core.roles import SYSTEM
from peerloop.core.services import interaction_record
from peerloop.insights import services
from peerloop.insights.models import PersonViewGrant, Snapshot
from peerloop.people.models import Person
from peerloop.people.queries import actor_for_user
from tests.factories import PersonFactory, UnitFactory

NOW = timezone.now()


def at(days_ago: float, hours: float = 0):
    return NOW - timedelta(days=days_ago) + timedelta(hours=hours)


@pytest.fixture
def org(world):
    """Sales Jakarta (6 people) and Sales Lagos (5), a head above both, and a unit of 2 (under
    the privacy floor). Level 5 peers in both cities."""
    head = PersonFactory(name="Head of Sales", level=7, unit=UnitFactory(name="Sales"))
    jakarta, lagos, tiny = UnitFactory(name="Sales Jakarta"), UnitFactory(name="=Sales Lagos"), UnitFactory(name="Tiny")
    j = [PersonFactory(unit=jakarta, level=5, manager=head)] + [PersonFactory(unit=jakarta, level=3) for _ in range(5)]
    for p in j[1:]:
        p.manager = j[0]
        p.save()
    lg = [PersonFactory(unit=lagos, level=5, manager=head)] + [PersonFactory(unit=lagos, level=3) for _ in range(4)]
    t = [PersonFactory(unit=tiny, level=4) for _ in range(2)]
    return {"head": head, "jakarta": j, "lagos": lg, "tiny": t}


def record(kind, actor, targets=(), days_ago=10, hours=0, obj=""):
    interaction_record(
        kind=kind,
        actor_id=actor.pk,
        target_ids=[t.pk for t in targets],
        object_type="thing" if obj else "",
        object_id=obj,
        occurred_at=at(days_ago, hours),
    )


def test_flows_matrices_and_the_privacy_floor(org):
    j, lg, t, head = org["jakarta"], org["lagos"], org["tiny"], org["head"]
    record("message.sent", j[0], [lg[0]])  # lateral: two heads of city sales at level 5
    record("message.sent", j[0], [lg[0]])
    record("message.sent", j[1], [j[0]])  # vertical: report to manager
    record("message.sent", head, [j[3]])  # vertical: two levels down
    record("message.sent", j[2], [j[3]])  # within the unit
    record("message.sent", t[0], [j[4]])  # diagonal-free: levels 4 and 3 are adjacent: lateral
    record("message.sent", j[1], [], days_ago=400)  # outside the window
    snapshot = services.snapshot_refresh(actor=SYSTEM, now=NOW)
    data = snapshot.data
    assert data["flow_mix"] == pytest.approx(
        {"lateral": 3 / 6, "vertical": 2 / 6, "within unit": 1 / 6, "diagonal": 0, "unknown": 0}
    )
    matrix = data["unit_matrix"]
    assert matrix["labels"] == ["Sales Jakarta", "=Sales Lagos"]  # Sales (1 person) and Tiny (2) are under the floor
    units_of_employees = Person.objects.filter(kind="employee").exclude(unit=None).values("unit").distinct().count()
    assert matrix["hidden_groups"] == units_of_employees - 2
    assert matrix["values"] == [[2.0, 2.0], [0.0, 0.0]]
    assert data["cross_unit_share"] == pytest.approx(4 / 6)
    assert snapshot.interactions == 6
    assert data["monthly"]["interactions"][-1] == 6
    # A step of the funnel with fewer than five people is never shown as a number.
    assert [s["people"] for s in data["funnel"][2:]] == [0, 0]
    assert data["funnel"][1]["people"] == 5  # the people who did something: j0, j1, the head, j2, t0


def test_lessons_travel_and_the_feedback_loop_is_timed(org):
    j, lg = org["jakarta"], org["lagos"]
    record("discussion.lesson_posted", j[0], [], days_ago=20, obj="1")
    record("discussion.lesson_endorsed", lg[0], [j[0]], days_ago=20, hours=30, obj="1")  # another unit, day 1
    record("discussion.lesson_adopted", j[1], [j[0]], days_ago=19, obj="1")  # own unit: not a new unit
    record("discussion.lesson_posted", lg[1], [], days_ago=5, obj="2")  # went nowhere
    record("feedback.routed", lg[0], [], days_ago=3, obj="7")
    record("feedback.acknowledged", lg[0], [], days_ago=3, hours=2, obj="7")
    record("feedback.closed", lg[0], [], days_ago=3, hours=26, obj="7")
    data = services.snapshot_refresh(actor=SYSTEM, now=NOW).data
    assert data["lessons"]["lessons"] == 2
    assert data["lessons"]["share_beyond_own_unit"] == 0.5
    assert data["lessons"]["median_hours_to_other_unit"] == 30
    assert data["lessons"]["reach_curve"][:3] == [0, 0.5, 0.5]
    assert [(s["from"], s["to"], s["items"], s["median_hours"]) for s in data["feedback_loop"]] == [
        ("routed", "acknowledged", 1, 2.0),
        ("acknowledged", "closed", 1, 24.0),
    ]


def test_an_empty_stream_gives_empty_figures_not_errors(world, client_as):
    snapshot = services.snapshot_refresh(actor=SYSTEM, now=NOW)
    assert snapshot.interactions == 0 and snapshot.data["flow_mix"] == {}
    page = client_as("leader").get("/insights/")
    assert page.status_code == 200
    assert "No lesson has been shared in this window yet." in page.content.decode()


def test_the_dashboard_before_any_refresh_says_what_to_do(world, client_as):
    page = client_as("program_owner").get("/insights/")
    assert "No insights yet" in page.content.decode()
    assert client_as("program_owner").get("/api/v1/insights/snapshot").status_code == 404


def test_a_refresh_from_the_page_runs_as_a_job(world, client_as):
    response = client_as("leader").post("/insights/refresh/")
    job = Job.objects.get(kind="insights.refresh")
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    job.refresh_from_db()
    assert job.status == "succeeded" and job.result["snapshot_id"] == Snapshot.objects.get().pk


def test_person_level_views_are_off_until_an_admin_turns_them_on_and_each_look_is_audited(org, world, client_as):
    j, lg = org["jakarta"], org["lagos"]
    for a, b in [(j[1], j[0]), (j[0], lg[0]), (lg[0], lg[1]), (j[2], j[0])]:
        record("message.sent", a, [b])
    services.snapshot_refresh(actor=SYSTEM, now=NOW)
    admin = client_as("admin")
    page = admin.get("/insights/people/").content.decode()
    assert j[0].name not in page and "Turn person-level views on" in page
    admin.post("/insights/people/toggle/", {"enabled": "on"})
    assert PersonViewGrant.objects.filter(user=world.admin.user).exists()
    assert AuditEntry.objects.filter(action="insights.person_views_on").count() == 1
    page = admin.get("/insights/people/").content.decode()
    assert j[0].name in page and lg[0].name in page
    assert AuditEntry.objects.filter(action="insights.person_view").count() == 1
    # Someone who left stays in the aggregates but drops out of the person-level view.
    j[0].active = False
    j[0].save()
    assert j[0].name not in admin.get("/insights/people/").content.decode()
    # Other admins have not turned it on; the leader never can.
    assert client_as("leader").get("/insights/people/").status_code == 404
    with pytest.raises(Exception, match="Only admins"):
        services.person_views_set(actor=actor_for_user(world.leader.user), enabled=True)


def test_csv_downloads_neutralize_formulas(org, client_as):
    record("message.sent", org["jakarta"][0], [org["lagos"][0]])
    services.snapshot_refresh(actor=SYSTEM, now=NOW)
    text = client_as("leader").get("/insights/charts/units.csv").content.decode()
    assert "'=Sales Lagos" in text and ",=Sales" not in text
    assert client_as("leader").get("/insights/charts/nothing.csv").status_code == 404


def test_api_gives_the_aggregates_only(org, client_as):
    record("message.sent", org["jakarta"][0], [org["lagos"][0]])
    services.snapshot_refresh(actor=SYSTEM, now=NOW)
    body = client_as("admin").get("/api/v1/insights/snapshot").json()
    assert body["interactions"] == 1
    assert body["metrics"]["unit_matrix"]["labels"] == ["Sales Jakarta", "=Sales Lagos"]
    assert "brokers" not in body and "brokers" not in body["metrics"]
