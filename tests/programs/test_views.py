from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
import pytest

from peerloop.core.models import AuditEntry
from peerloop.core.roles import SYSTEM, SiteRole
from peerloop.programs import services
from peerloop.programs.models import Kpi, Metric, MetricValue, Program
from tests.conftest import login
from tests.factories import MetricFactory, ProgramFactory, account


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def form(world, **fields):
    data = {
        "name": "Peer pairs across regions",
        "objective": "Regional leads learn from each other",
        "expected_outcomes": "Faster onboarding",
        "mechanisms": ["matching", "discussions"],
        "owner": world.program_owner.email,
        "sponsor": world.leader.email,
        "audience_kind": "filter",
        "units": [str(world.unit.pk)],
        "levels": ["4", "5"],
        "role_families": "sales; support",
        "status": "draft",
        "starts_on": "2026-01-01",
        "ends_on": "2026-06-30",
    }
    return data | fields


def test_list_shows_cards_with_status_mechanisms_owner_and_kpi_bars(world, client_as):
    services.kpi_set(actor=SYSTEM, program_id=world.program.pk, metric_id=world.metric.pk, target=50, baseline=30)
    world.program.mechanisms = ["matching"]
    world.program.save()
    MetricValue.objects.create(
        metric=world.metric, unit=world.unit, period_start=date(2026, 1, 1), period_end=date(2026, 1, 31), value=40
    )
    html = client_as("member").get(reverse("programs:list")).content.decode()
    assert "Regional leaders learn" in html
    assert "badge-draft" in html and "Peer matching" in html and world.program_owner.name in html
    assert 'class="kpi-fill" x="0" y="0" width="50"' in html
    assert "New program" not in html  # members do not create
    assert "New program" in client_as("program_owner").get(reverse("programs:list")).content.decode()


def test_list_query_count_does_not_grow_with_programs(world, client_as, django_assert_max_num_queries):
    client = client_as("member")
    client.get(reverse("programs:list"))
    for n in range(15):
        program = ProgramFactory(
            owner=world.program_owner, audience_filter={"unit_ids": [world.unit.pk]} if n % 2 else {}
        )
        services.kpi_set(actor=SYSTEM, program_id=program.pk, metric_id=world.metric.pk, target=10)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("programs:list"))
    assert response.status_code == 200
    assert response.content.decode().count('class="card program-card"') == 16


def test_empty_list_invites_owners_to_create(db, world, client_as):
    Program.objects.all().delete()
    html = client_as("program_owner").get(reverse("programs:list")).content.decode()
    assert "No programs yet" in html and "Create the first program" in html
    assert (
        "Program owners and admins create programs."
        in client_as("member").get(reverse("programs:list")).content.decode()
    )


def test_detail_shows_objective_audience_size_and_kpis(world, client_as):
    services.kpi_set(actor=SYSTEM, program_id=world.program.pk, metric_id=world.metric.pk, target=50, baseline=30)
    Program.objects.filter(pk=world.program.pk).update(audience_filter={"levels": [4]}, objective="Learn <b>across</b>")
    response = client_as("member").get(reverse("programs:detail", args=[world.program.pk]))
    html = response.content.decode()
    assert "Learn &lt;b&gt;across&lt;/b&gt;" in html
    assert '<p class="audience-size"><strong>1</strong> person</p>' in html  # the member is the only level 4
    assert "Net promoter score" in html and "no data yet" in html
    assert reverse("programs:edit", args=[world.program.pk]) not in html
    owner_html = client_as("program_owner").get(reverse("programs:detail", args=[world.program.pk])).content.decode()
    assert reverse("programs:edit", args=[world.program.pk]) in owner_html
    assert "Activate" in owner_html and "Save KPI" in owner_html


def test_create_form_defaults_the_owner_to_me_and_creates(world, client_as):
    client = client_as("program_owner")
    page = client.get(reverse("programs:create"))
    assert page.context["form"].initial["owner"] == world.program_owner.email
    response = client.post(reverse("programs:create"), form(world))
    program = Program.objects.get(name="Peer pairs across regions")
    assert response.status_code == 302 and response["Location"] == reverse("programs:detail", args=[program.pk])
    assert program.owner == world.program_owner and program.sponsor == world.leader
    assert program.mechanisms == ["matching", "discussions"]
    assert program.audience_filter == {
        "unit_ids": [world.unit.pk],
        "levels": [4, 5],
        "role_families": ["sales", "support"],
    }
    assert (program.starts_on, program.ends_on) == (date(2026, 1, 1), date(2026, 6, 30))


def test_create_form_errors(world, client_as):
    client = client_as("program_owner")
    response = client.post(reverse("programs:create"), form(world, owner="nobody@example.org", ends_on="2025-01-01"))
    assert response.status_code == 400
    assert "No one in the directory has this email." in response.content.decode()
    response = client.post(reverse("programs:create"), form(world, audience_kind="space", space=""))
    assert "Choose the space whose members the program is for." in response.content.decode()
    response = client.post(reverse("programs:create"), form(world, ends_on="2025-01-01"))
    assert response.status_code == 400
    assert "The program cannot end before it starts." in response.content.decode()
    response = client.post(reverse("programs:create"), form(world, sponsor=world.guest.email))
    assert "is a guest; choose an employee." in response.content.decode()
    assert Program.objects.count() == 1


def test_create_with_a_space_audience(world, client_as):
    response = client_as("admin").post(
        reverse("programs:create"), form(world, audience_kind="space", space=str(world.guest_space.pk))
    )
    assert response.status_code == 302
    program = Program.objects.get(name="Peer pairs across regions")
    assert (program.audience_space_id, program.audience_filter) == (world.guest_space.pk, {})


def test_only_the_owner_or_an_admin_edits(world, client_as):
    other_owner = account(SiteRole.PROGRAM_OWNER, email="other-owner@example.org")
    client = login(client_as("member").__class__(), other_owner)
    assert client.get(reverse("programs:edit", args=[world.program.pk])).status_code == 403
    assert client.post(reverse("programs:status", args=[world.program.pk]), {"status": "active"}).status_code == 403
    world.program.refresh_from_db()
    assert world.program.status == "draft"
    response = client_as("program_owner").post(
        reverse("programs:edit", args=[world.program.pk]), form(world, name="Renamed")
    )
    assert response.status_code == 302
    world.program.refresh_from_db()
    assert world.program.name == "Renamed"


def test_status_buttons_follow_the_transitions(world, client_as):
    client = client_as("program_owner")
    url = reverse("programs:status", args=[world.program.pk])
    client.post(url, {"status": "active"})
    client.post(url, {"status": "paused"})
    response = client.post(url, {"status": "draft"}, follow=True)
    assert "A paused program cannot become draft" in response.content.decode()
    world.program.refresh_from_db()
    assert world.program.status == "paused"
    assert "Resume" in response.content.decode()


def test_kpi_set_and_remove(world, client_as):
    client = client_as("program_owner")
    url = reverse("programs:kpi_set", args=[world.program.pk])
    response = client.post(url, {"metric": world.metric.pk, "baseline": "30", "target": "30"})
    assert response.status_code == 400
    assert "The target must differ from the baseline." in response.content.decode()
    client.post(url, {"metric": world.metric.pk, "baseline": "30", "target": "50", "target_date": "2026-12-31"})
    kpi = Kpi.objects.get()
    assert (kpi.baseline, kpi.target, kpi.target_date) == (30, 50, date(2026, 12, 31))
    client.post(reverse("programs:kpi_remove", args=[world.program.pk, world.metric.pk]))
    assert not Kpi.objects.exists()


def test_metrics_page_and_create(world, client_as):
    MetricValue.objects.create(
        metric=world.metric, unit=world.unit, period_start=date(2026, 1, 1), period_end=date(2026, 1, 31), value=1
    )
    html = client_as("member").get(reverse("programs:metrics")).content.decode()
    assert "Net promoter score" in html and "1 Jan 2026" in html
    assert reverse("programs:metric_create") not in html
    client = client_as("program_owner")
    response = client.post(reverse("programs:metric_create"), {"code": "nps", "name": "Again", "direction": "higher"})
    assert response.status_code == 400 and "The code &#x27;nps&#x27; is already used." in response.content.decode()
    client.post(
        reverse("programs:metric_create"), {"code": "cost", "name": "Cost", "direction": "lower", "unit_label": "€"}
    )
    assert Metric.objects.get(code="cost").unit_label == "€"


def test_metric_edit_keeps_the_code(world, client_as):
    response = client_as("admin").post(
        reverse("programs:metric_edit", args=[world.metric.pk]),
        {"code": "hacked", "name": "NPS", "direction": "higher", "unit_label": "", "description": ""},
    )
    assert response.status_code == 302
    world.metric.refresh_from_db()
    assert (world.metric.code, world.metric.name) == ("nps", "NPS")


def test_metric_import_preview_then_apply(world, client_as):
    client = client_as("program_owner")
    content = f"metric,unit,period_start,period_end,value\nnps,{world.unit.code},2026-01-01,2026-01-31,42\n"
    upload = SimpleUploadedFile("values.csv", content.encode())
    response = client.post(reverse("programs:metric_import"), {"action": "preview", "file": upload})
    assert "Ready to import values.csv" in response.content.decode()
    assert not MetricValue.objects.exists()
    response = client.post(reverse("programs:metric_import"), {"action": "apply", "token": response.context["token"]})
    assert response.status_code == 302
    assert MetricValue.objects.get().value == 42
    assert AuditEntry.objects.filter(action="metric_values.import").count() == 1


def test_metric_import_preview_lists_errors(world, client_as):
    upload = SimpleUploadedFile(
        "values.csv", b"metric,unit,period_start,period_end,value\nnpx,x,2026-01-01,2026-01-31,1\n"
    )
    response = client_as("admin").post(reverse("programs:metric_import"), {"action": "preview", "file": upload})
    html = response.content.decode()
    assert response.status_code == 400
    assert "<td>2</td><td>metric</td><td>No metric with the code &#x27;npx&#x27;.</td>" in html
    assert "<td>2</td><td>unit</td><td>No unit with the code &#x27;x&#x27;.</td>" in html


def test_detail_with_many_kpis_keeps_queries_flat(world, client_as, django_assert_max_num_queries):
    client = client_as("program_owner")
    for n in range(8):
        metric = MetricFactory(code=f"m{n}", name=f"Metric {n}")
        services.kpi_set(actor=SYSTEM, program_id=world.program.pk, metric_id=metric.pk, target=10)
    with django_assert_max_num_queries(16):
        assert client.get(reverse("programs:detail", args=[world.program.pk])).status_code == 200


def test_a_large_metric_import_runs_as_a_job(world, client_as, monkeypatch):
    from peerloop.core.models import Job
    from peerloop.programs import views

    monkeypatch.setattr(views, "BACKGROUND_BYTES", 10)
    client = client_as("program_owner")
    content = f"metric,unit,period_start,period_end,value\nnps,{world.unit.code},2026-01-01,2026-01-31,42\n"
    upload = SimpleUploadedFile("values.csv", content.encode())
    token = client.post(reverse("programs:metric_import"), {"action": "preview", "file": upload}).context["token"]
    response = client.post(reverse("programs:metric_import"), {"action": "apply", "token": token})
    job = Job.objects.get(kind="programs.metric_import")
    assert response["Location"] == reverse("web:job", args=[job.pk])
    # Tests run the queue in the calling thread: the job is done.
    assert (job.status, job.result["created"], job.result["next_url"]) == ("succeeded", 1, reverse("programs:metrics"))
    assert MetricValue.objects.get().value == 42
