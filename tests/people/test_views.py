"""Web pages of the directory: filters, search, profile, org chart, import preview and apply, export."""

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
import pytest

from peerloop.core.models import AuditEntry, Job
from peerloop.people.models import Person
from tests.factories import PersonFactory, RegionFactory, TopicFactory, UnitFactory
from tests.people.conftest import csv_text, row


@pytest.fixture
def org(world):
    """Besides the world: a sales unit with a team below it, two regions, a chain of managers."""
    sales = UnitFactory(name="Sales", code="sales")
    team = UnitFactory(name="Sales Jakarta", code="sales-jakarta", parent=sales)
    asia = RegionFactory(name="Asia", code="asia")
    americas = RegionFactory(name="Americas", code="americas")
    pricing = TopicFactory(name="Pricing", slug="pricing")
    head = PersonFactory(
        name="Hana Head",
        email="hana@example.org",
        title="Head of sales",
        role_family="executive",
        unit=sales,
        region=asia,
        level=9,
    )
    head.topics.add(pricing)
    leads = [
        PersonFactory(
            name=f"Lead {n:02d}",
            email=f"lead{n}@example.org",
            title="Sales lead",
            unit=team if n % 2 else sales,
            region=asia if n < 10 else americas,
            level=6,
            role_family="sales",
            manager=head,
        )
        for n in range(20)
    ]
    for lead in leads[:5]:
        lead.topics.add(pricing)
    PersonFactory(name="Rep Zero", email="rep0@example.org", title="Account executive", manager=leads[0], level=3)
    PersonFactory(name="Gone Person", email="gone@example.org", active=False, unit=sales)
    return {
        "sales": sales,
        "team": team,
        "asia": asia,
        "americas": americas,
        "pricing": pricing,
        "head": head,
        "leads": leads,
    }


def names(response) -> list[str]:
    return [person.name for person in response.context["page"].object_list]


# --- directory ------------------------------------------------------------------------


def test_directory_lists_active_people_with_counts(client_as, org):
    response = client_as("member").get(reverse("people:directory"))
    assert response.status_code == 200
    page = response.context["page"]
    assert page.paginator.count == Person.objects.filter(active=True).count() == 27
    assert "Gone Person" not in response.content.decode()
    assert response.context["nav"] == "people"
    facets = {f.label: f.count for f in response.context["facets"]["units"]}
    assert (facets["Sales"], facets["Sales Jakarta"]) == (11, 10)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("unit={sales}", 21),  # the unit and the team below it
        ("unit={team}", 10),
        ("region={americas}", 10),
        ("level=6", 21),  # the leads and the program owner
        ("level=9&region={asia}", 1),
        ("role_family=sales", 26),  # everyone but the head, an executive
        ("topic={pricing}", 6),
        ("q=LEAD1", 11),  # lead1@, lead10@ .. lead19@
        ("q=hana@EXAMPLE", 1),
        ("q=account executive", 1),
        ("q=nobody-by-this-name", 0),
    ],
)
def test_directory_filters(client_as, org, query, expected):
    ids = {key: org[key].pk for key in ("sales", "team", "asia", "americas", "pricing")}
    response = client_as("member").get(f"{reverse('people:directory')}?{query.format(**ids)}")
    assert response.status_code == 200
    assert response.context["page"].paginator.count == expected


def test_directory_search_matches_each_field(client_as, org):
    client = client_as("member")
    assert names(client.get(reverse("people:directory"), {"q": "hana head"})) == ["Hana Head"]
    assert names(client.get(reverse("people:directory"), {"q": "HEAD OF"})) == ["Hana Head"]
    assert names(client.get(reverse("people:directory"), {"q": "rep0@"})) == ["Rep Zero"]


def test_directory_bad_filter_values_are_ignored(client_as, org):
    response = client_as("member").get(reverse("people:directory"), {"unit": "x", "level": "99999999999999999999999"})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 27


def test_directory_pages(client_as, org):
    client = client_as("member")
    first = client.get(reverse("people:directory"))
    second = client.get(reverse("people:directory"), {"page": 2})
    assert len(first.context["page"].object_list) == 25
    assert len(second.context["page"].object_list) == 2
    assert set(names(first)).isdisjoint(names(second))
    assert 'href="?page=2"' in first.content.decode()


def test_directory_htmx_answers_the_results_only(client_as, org):
    response = client_as("member").get(
        reverse("people:directory"), {"q": "hana"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="directory-results"
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body and "Hana Head" in body and "Lead 01" not in body
    assert next(t.name for t in response.templates) == "people/_directory_results.html"


def test_directory_empty_states(client_as, world):
    client = client_as("admin")
    body = client.get(reverse("people:directory"), {"q": "zzz"}).content.decode()
    assert "No one matches" in body
    Person.objects.exclude(user__isnull=False).delete()
    Person.objects.update(active=False)
    body = client.get(reverse("people:directory")).content.decode()
    assert "The directory is empty" in body and reverse("people:import") in body


def test_directory_query_count_does_not_grow_with_people(client_as, org, django_assert_max_num_queries):
    client = client_as("member")
    client.get(reverse("people:directory"))  # warm the session
    with django_assert_max_num_queries(14):
        response = client.get(reverse("people:directory"), {"topic": org["pricing"].pk, "unit": org["sales"].pk})
    assert response.status_code == 200
    for n in range(30):
        PersonFactory(name=f"More {n}", unit=org["sales"])
    with django_assert_max_num_queries(14):
        response = client.get(reverse("people:directory"))
    assert len(response.context["page"].object_list) == 25


# --- profile --------------------------------------------------------------------------


def test_profile_shows_chain_reports_topics_and_skills(client_as, org):
    lead = org["leads"][0]
    lead.skills = ["negotiation", "coaching"]
    lead.save()
    response = client_as("member").get(reverse("people:profile", args=[lead.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert [p.name for p in response.context["profile"].chain] == ["Hana Head"]
    assert [p.name for p in response.context["profile"].reports] == ["Rep Zero"]
    assert ">L0<" in body  # the avatar's initials
    for text in (
        "Sales Jakarta" if lead.unit == org["team"] else "Sales",
        "Asia",
        "Pricing",
        "negotiation",
        "coaching",
    ):
        assert text in body


def test_profile_of_an_inactive_person_is_for_admins(client_as, org):
    gone = Person.objects.get(email="gone@example.org")
    assert client_as("member").get(reverse("people:profile", args=[gone.pk])).status_code == 404
    response = client_as("admin").get(reverse("people:profile", args=[gone.pk]))
    assert response.status_code == 200 and "Inactive" in response.content.decode()


def test_guests_get_404_everywhere(client_as, org):
    client = client_as("guest")
    for url in (
        reverse("people:directory"),
        reverse("people:profile", args=[org["head"].pk]),
        reverse("people:orgchart"),
        reverse("people:orgchart_reports", args=[org["head"].pk]),
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "hana@example.org" not in response.content.decode()


# --- org chart ------------------------------------------------------------------------


def test_orgchart_shows_the_tops_with_report_counts(client_as, org, django_assert_max_num_queries):
    client = client_as("member")
    client.get(reverse("people:orgchart"))
    with django_assert_max_num_queries(6):
        response = client.get(reverse("people:orgchart"))
    tops = {p.name: p.report_count for p in response.context["tops"]}
    assert tops["Hana Head"] == 20
    assert "Rep Zero" not in tops and "Lead 00" not in tops
    body = response.content.decode()
    assert f'hx-get="{reverse("people:orgchart_reports", args=[org["head"].pk])}"' in body


def test_orgchart_reports_are_loaded_lazily(client_as, org, django_assert_max_num_queries):
    client = client_as("member")
    url = reverse("people:orgchart_reports", args=[org["head"].pk])
    client.get(url, HTTP_HX_REQUEST="true")
    with django_assert_max_num_queries(5):
        response = client.get(url, HTTP_HX_REQUEST="true")
    nodes = response.context["nodes"]
    assert [n.name for n in nodes] == [f"Lead {n:02d}" for n in range(20)]
    assert {n.name: n.report_count for n in nodes}["Lead 00"] == 1
    assert "<html" not in response.content.decode()
    plain = client.get(url)
    assert plain.status_code == 302 and plain["Location"] == f"{reverse('people:orgchart')}?root={org['head'].pk}"


def test_orgchart_rooted_at_a_person_shows_their_chain(client_as, org):
    lead = org["leads"][0]
    response = client_as("member").get(reverse("people:orgchart"), {"root": lead.pk})
    assert [p.name for p in response.context["chain"]] == ["Hana Head"]
    assert [p.name for p in response.context["reports"]] == ["Rep Zero"]


# --- import ---------------------------------------------------------------------------


def upload(content: bytes, name: str = "people.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_import_preview_lists_every_error_and_writes_nothing(client_as, world, media_root):
    content = (
        b"email,name,level,timezone\n"
        b"ok@example.org,Okay,3,UTC\n"
        b"bad-email,Bad,3,UTC\n"
        b"lvl@example.org,Level,15,Mars/Base\n"
    )
    response = client_as("admin").post(reverse("people:import"), {"file": upload(content)})
    assert response.status_code == 422
    body = response.content.decode()
    assert [tuple(e) for e in response.context["report"].errors] == [
        (3, "email", "not an email address: 'bad-email'"),
        (4, "level", "not an integer from 1 to 12: '15'"),
        (4, "timezone", "unknown timezone: 'Mars/Base' (use an IANA name such as Europe/Paris)"),
    ]
    assert "3 errors:" in body and "nothing will be imported" in body
    assert "<td>3</td><td><code>email</code></td>" in body
    assert "Apply the import" not in body
    assert not Person.objects.filter(email="ok@example.org").exists()
    assert [p for p in (media_root / "imports").rglob("*") if p.is_file()] == []


def test_import_preview_then_apply(client_as, world, media_root):
    client = client_as("admin")
    content = csv_text(
        [
            row("new@example.org", "New Person", unit="Field Ops", region="LATAM"),
            row(world.member.email, "Member Renamed"),
        ]
    ).encode()
    preview = client.post(reverse("people:import"), {"file": upload(content)})
    assert preview.status_code == 200
    report = preview.context["report"]
    assert (report.created, report.updated, report.errors) == (1, 1, [])
    token = preview.context["token"]
    assert "Apply the import" in preview.content.decode()
    assert not Person.objects.filter(email="new@example.org").exists()

    applied = client.post(reverse("people:import_apply"), {"token": token, "file_name": "people.csv"})
    assert applied.status_code == 302 and applied["Location"] == reverse("people:directory")
    assert Person.objects.get(email="new@example.org").unit.name == "Field Ops"
    assert Person.objects.get(pk=world.member.pk).name == "Member Renamed"
    assert [p for p in (media_root / "imports").rglob("*") if p.is_file()] == []
    assert AuditEntry.objects.filter(action="people.import").count() == 1

    again = client.post(reverse("people:import_apply"), {"token": token})
    assert again.status_code == 302 and again["Location"] == reverse("people:import")


def test_a_large_import_runs_as_a_job(client_as, world, media_root):
    rows = [
        row(f"bulk{n}@example.org", f"Bulk Person {n}", title="Store associate " * 5, unit="Stores")
        for n in range(2500)
    ]
    client = client_as("admin")
    preview = client.post(reverse("people:import"), {"file": upload(csv_text(rows).encode())})
    assert preview.context["background"] is True

    response = client.post(reverse("people:import_apply"), {"token": preview.context["token"], "file_name": "big.csv"})

    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("web:job", args=[job.pk])
    # Tasks run at once in tests (Huey immediate mode).
    assert (job.kind, job.status, job.started_by_id, job.done, job.total) == (
        "people.import",
        "succeeded",
        world.admin.user_id,
        5000,
        5000,
    )
    assert job.result["created"] == 2500 and job.result["next_url"] == reverse("people:directory")
    assert Person.objects.filter(email__startswith="bulk").count() == 2500
    entry = AuditEntry.objects.get(action="people.import")
    assert entry.actor_id == world.admin.user_id


def test_import_refuses_a_missing_or_oversized_file(client_as, world, settings):
    client = client_as("admin")
    assert client.post(reverse("people:import"), {}).status_code == 400
    settings.PEERLOOP_IMPORT_MAX_BYTES = 10
    assert client.post(reverse("people:import"), {"file": upload(b"email,name\na@b.org,A\n")}).status_code == 413


# --- export ---------------------------------------------------------------------------


def test_export_is_csv_in_the_import_columns(client_as, org):
    response = client_as("admin").get(reverse("people:export"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="peerloop-people-')
    text = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == Person.objects.count()
    lead = next(r for r in rows if r["email"] == "lead1@example.org")
    assert (lead["unit"], lead["unit_parent"], lead["region"], lead["manager_email"], lead["level"]) == (
        "sales-jakarta",
        "sales",
        "asia",
        "hana@example.org",
        "6",
    )
    assert lead["topics"] == "Pricing"
    assert AuditEntry.objects.filter(action="people.export").count() == 1
