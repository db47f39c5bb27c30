"""A program's report: who took part, its leaders, and the difference in differences of its KPI
between the units that took part and those that did not, from the database."""

from datetime import date, timedelta
import io

from pypdf import PdfReader
import pytest

from peerloop.core.roles import SYSTEM
from peerloop.core.services import interaction_record
from peerloop.insights import reports
from peerloop.insights.services import snapshot_refresh
from peerloop.people.queries import actor_for_user
from peerloop.programs.models import Kpi, MetricValue
from tests.factories import PersonFactory, UnitFactory

START = date(2026, 6, 1)


def month(k: int) -> date:
    """The first day of the k-th month from January 2026."""
    return date(2026 + (k // 12), k % 12 + 1, 1)


@pytest.fixture
def program(world):
    """The world's program for level-6 sales heads, started in June, measured on NPS in six units
    of six people: the heads of the first three units meet peers, the other three do not."""
    program = world.program
    program.audience_filter = {"levels": [6], "role_families": ["sales"]}
    program.starts_on = START
    program.save()
    Kpi.objects.create(program=program, metric=world.metric, target=60, baseline=40)
    units = [UnitFactory(name=f"Sales {city}") for city in ("Jakarta", "Lagos", "Lima", "Oslo", "Pune", "Rome")]
    heads = []
    for i, unit in enumerate(units):
        heads.append(PersonFactory(unit=unit, level=6, role_family="sales"))
        for _ in range(5):
            PersonFactory(unit=unit, level=3, role_family="sales")
        for k in range(12):  # Jan..Dec 2026; +10 points from June for the units that take part
            value = 40 + i + (10 if i < 3 and month(k) >= START else 0) + (k % 2)
            MetricValue.objects.create(
                metric=world.metric,
                unit=unit,
                period_start=month(k),
                period_end=month(k) + timedelta(days=27),
                value=value,
            )
    for a, b in ((0, 1), (1, 2), (2, 0)):
        interaction_record(kind="match.met", actor_id=heads[a].pk, target_ids=[heads[b].pk])
    return program, units, heads


def test_the_units_that_took_part_improved_against_those_that_did_not(program, world):
    program, _, _ = program
    report = reports.program_report(actor=actor_for_user(world.leader.user), program_id=program.pk)
    assert report.audience == 7 and report.leaders == 7  # the six heads and the world's program owner
    assert report.taking_part is None  # three people: under the privacy floor
    # The world's program owner's unit is in the audience too, without a value of the metric.
    assert (report.units_taking_part, report.units_not_taking_part) == (3, 4)
    [kpi] = report.kpis
    result = kpi.result
    assert (result.treated_units, result.comparison_units) == (3, 3)
    # Before: Jan-May, after: Jun-Dec. The +10 and the alternating +1 give exactly 10 - 0 here,
    # except for the parity of the months on each side, the same for both groups.
    assert result.effect == pytest.approx(10.0)
    assert result.low <= 10 <= result.high and result.improved  # every unit moved alike: a narrow interval
    assert "improved more than the comparison units" in result.message
    assert kpi.months[kpi.start_index] == "Jun 26"
    assert kpi.treated_mean[-1] > kpi.comparison_mean[-1]


def test_when_every_unit_took_part_there_is_no_comparison_group(program, world):
    program, _, heads = program
    for a, b in ((3, 4), (4, 5), (5, 3)):
        interaction_record(kind="match.met", actor_id=heads[a].pk, target_ids=[heads[b].pk])
    report = reports.program_report(actor=actor_for_user(world.admin.user), program_id=program.pk)
    [kpi] = report.kpis
    assert report.taking_part == 6 and report.units_not_taking_part == 1  # the owner's unit, not measured
    assert kpi.result.effect is None and "No comparison group" in kpi.result.message


def test_the_report_page_and_its_export(program, client_as):
    program, _, heads = program
    page = client_as("program_owner").get(f"/insights/programs/{program.pk}/")
    text = page.content.decode()
    assert page.status_code == 200 and "improved more than the comparison units" in text and "95% interval" in text
    export = client_as("leader").get(f"/insights/programs/{program.pk}/report.html")
    assert export["Content-Disposition"] == f'attachment; filename="peerloop-report-{program.slug}.html"'
    body = export.content.decode()
    assert "<style>" in body and "<script" not in body and "improved more than the comparison units" in body
    assert client_as("member").get(f"/insights/programs/{program.pk}/").status_code == 404
    assert "This program's audience" not in text  # no refresh yet
    interaction_record(kind="message.sent", actor_id=heads[0].pk + 1, target_ids=[heads[0].pk + 2])  # not the audience
    snapshot = snapshot_refresh(actor=SYSTEM)
    audience = snapshot.data["programs"][str(program.pk)]
    assert audience["audience"] == 7 and audience["interactions"] == 3  # the heads' three meetings only
    assert audience["flow_mix"]["lateral"] == 1.0 and snapshot.data["flow_mix"]["lateral"] == 0.75
    assert audience["unit_map"] == {"nodes": [], "edges": []}  # no unit has five people of the audience
    text = client_as("program_owner").get(f"/insights/programs/{program.pk}/").content.decode()
    assert "This program's audience" in text and "3 interactions had someone of the audience at either end" in text
    assert "audience&#x27;s lateral and vertical flows by month" in text


def test_the_report_as_pdf_opens_with_its_figures_and_charts(program, client_as):
    program, _, heads = program
    interaction_record(kind="message.sent", actor_id=heads[0].pk, target_ids=[heads[1].pk])
    snapshot_refresh(actor=SYSTEM)
    response = client_as("leader").get(f"/insights/programs/{program.pk}/report.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="peerloop-report-{program.slug}.pdf"'
    document = PdfReader(io.BytesIO(response.content))
    text = " ".join(page.extract_text() for page in document.pages)
    words = " ".join(text.split())
    assert f'Did "{program.name}" pay off?' in words
    assert "Audience 7" in words and "Taking part fewer than 5" in words
    assert "improved more than the comparison units" in words and "Effect +10.00" in words
    assert "4 interactions had someone of the audience at either end" in words
    # The charts are drawn, not pictures of text: their axis labels are text in the PDF.
    assert "program starts" in words and "Jan 26" in words and "lateral" in words
    assert document.metadata.title == f'Did "{program.name}" pay off?'
    assert client_as("member").get(f"/insights/programs/{program.pk}/report.pdf").status_code == 404


def test_the_api_gives_the_report(program, client_as):
    program, _, _ = program
    body = client_as("admin").get(f"/api/v1/insights/programs/{program.pk}/report").json()
    assert body["taking_part"] is None and body["units_taking_part"] == 3
    [kpi] = body["kpis"]
    assert kpi["metric_code"] == "nps" and kpi["effect"] == pytest.approx(10.0)
    assert kpi["months"][0] == "Jan 26" and len(kpi["treated_mean"]) == 12
    assert client_as("admin").get("/api/v1/insights/programs/999999/report").status_code == 404


def test_each_mechanism_of_the_program_shows_its_health_scoped_to_the_audience(program, world, client_as):
    program, _, heads = program
    program.mechanisms = ["matching", "feedback_loop", "discussions", "recognition", "peer_army"]
    program.save()
    outsider = PersonFactory(level=3)
    # Matching: four pairs proposed to the audience, three met; one pair of outsiders.
    # Each pair is its match (object); both of a pair report the meeting, which counts once.
    for match, (a, b) in enumerate(((0, 1), (1, 2), (2, 0), (3, 4))):
        interaction_record(kind="match.paired", actor_id=heads[a].pk, target_ids=[heads[b].pk], object_id=match)
        if match < 3:
            interaction_record(kind="match.met", actor_id=heads[a].pk, target_ids=[heads[b].pk], object_id=match)
            interaction_record(kind="match.met", actor_id=heads[b].pk, target_ids=[heads[a].pk], object_id=match)
    interaction_record(kind="match.paired", actor_id=outsider.pk, target_ids=[PersonFactory().pk], object_id=9)
    # Feedback: four items routed to heads, one closed.
    for head in heads[:4]:
        interaction_record(kind="feedback.routed", actor_id=head.pk)
    interaction_record(kind="feedback.closed", actor_id=heads[0].pk)
    # Discussions: two questions and three answers, one to a question of an outsider (still touches the audience).
    interaction_record(kind="discussion.asked", actor_id=heads[0].pk)
    interaction_record(kind="discussion.asked", actor_id=heads[1].pk)
    for a, b in ((2, 0), (3, 1), (4, 0)):
        interaction_record(kind="discussion.answered", actor_id=heads[a].pk, target_ids=[heads[b].pk])
    interaction_record(kind="discussion.asked", actor_id=outsider.pk)  # not the audience: not counted
    # Recognition: two givers, under the privacy floor.
    interaction_record(kind="kudos.given", actor_id=heads[0].pk, target_ids=[heads[1].pk, heads[2].pk])
    interaction_record(kind="kudos.given", actor_id=heads[1].pk, target_ids=[heads[0].pk])

    report = reports.program_report(actor=actor_for_user(world.leader.user), program_id=program.pk)
    health = {m.code: m for m in report.mechanisms}
    assert [m.code for m in report.mechanisms] == program.mechanisms
    assert health["matching"].state == "healthy" and dict(health["matching"].figures)["met"] == "75%"
    assert health["feedback_loop"].state == "needs attention"
    assert dict(health["feedback_loop"].figures)["closed"] == "1 (25%)"
    assert dict(health["discussions"].figures)["questions"] == "2"
    assert dict(health["discussions"].figures)["answers per question"] == "1.5"
    assert health["discussions"].state == "healthy"
    recognition = dict(health["recognition"].figures)
    assert recognition["kudos given"] == "2" and recognition["people who gave"] == "fewer than 5"
    assert health["recognition"].state == "needs attention"
    assert health["peer_army"].state == "not measured" and health["peer_army"].label == "Peer army"

    page = client_as("program_owner").get(f"/insights/programs/{program.pk}/").content.decode()
    assert "Health of each mechanism" in page and "Active feedback loop" in page and "needs attention" in page
    api = client_as("program_owner").get(f"/api/v1/insights/programs/{program.pk}/report").json()
    assert [m["state"] for m in api["mechanisms"]][:2] == ["healthy", "needs attention"]


def test_a_program_with_no_activity_says_so_for_each_mechanism(program, world):
    program, _, _ = program
    program.mechanisms = ["feedback_loop", "recognition"]
    program.save()
    report = reports.program_report(actor=actor_for_user(world.leader.user), program_id=program.pk)
    assert [m.state for m in report.mechanisms] == ["no activity yet", "no activity yet"]
