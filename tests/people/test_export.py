"""Export to CSV, the round trip through the import, and the command line."""

import csv
import io

from django.core.management import call_command
from django.core.management.base import CommandError
import pytest

from peerloop.core.roles import SYSTEM
from peerloop.people.exporting import write_csv
from peerloop.people.importing import COLUMNS
from peerloop.people.models import Person
from peerloop.people.services import person_import_file
from tests.factories import PersonFactory, RegionFactory, TopicFactory, UnitFactory
from tests.people.conftest import csv_text, row
from tests.people.test_import import snapshot


@pytest.fixture
def varied(db):
    """People with every kind of value the export must carry back to the import."""
    group = UnitFactory(name="Group", code="group")
    sales = UnitFactory(name="Sales; EMEA", code="sales-emea", parent=group)
    region = RegionFactory(name="Europe", code="europe")
    odd_topic = TopicFactory(name="Pricing; discounts", slug="pricing-discounts")
    topic = TopicFactory(name="Retention", slug="retention")
    boss = PersonFactory(
        name='=HYPERLINK("http://evil.example","Boss")',
        email="boss@example.org",
        external_id="E-1",
        title="+1 the boss",
        unit=group,
        region=region,
        level=12,
        skills=["-dash", "@at", "'=quoted"],
        timezone="Europe/Madrid",
    )
    boss.topics.add(odd_topic, topic)
    PersonFactory(
        name='Zoé "Z" O\'Brien, Jr.',
        email="zoe@example.org",
        title="",
        role_family="",
        level=None,
        unit=sales,
        region=None,
        location="São Paulo",
        manager=boss,
    )
    PersonFactory(name="Gone", email="gone@example.org", active=False, unit=None, region=None)
    PersonFactory(name="Guest", email="guest@customer.example", kind=Person.Kind.GUEST, unit=None, region=None)


def export_text() -> str:
    buffer = io.StringIO()
    write_csv(buffer)
    return buffer.getvalue()


def test_export_neutralizes_formula_cells(varied):
    rows = {r["email"]: r for r in csv.DictReader(io.StringIO(export_text()))}
    boss = rows["boss@example.org"]
    assert boss["name"] == '\'=HYPERLINK("http://evil.example","Boss")'
    assert boss["title"] == "'+1 the boss"
    assert boss["skills"] == "'-dash;@at;'=quoted"  # one cell: it starts with "-", so it is quoted as a whole
    assert boss["topics"] == "pricing-discounts;Retention"
    assert rows["zoe@example.org"]["unit_parent"] == "group"
    assert list(rows["gone@example.org"].keys()) == list(COLUMNS)
    assert rows["gone@example.org"]["active"] == "false"
    assert rows["guest@customer.example"]["kind"] == "guest"


def test_export_then_import_changes_nothing(varied, write_file):
    before = snapshot()
    report = person_import_file(actor=SYSTEM, path=write_file(export_text()), dry_run=False)
    assert report.errors == []
    assert (report.created, report.updated, report.unchanged, report.deactivated) == (0, 0, 4, 0)
    assert snapshot() == before


def test_export_into_an_empty_directory_recreates_it(varied, write_file):
    text = export_text()
    values = {
        p.email: (
            p.name,
            p.title,
            p.skills,
            p.level,
            p.timezone,
            p.active,
            p.kind,
            sorted(t.slug for t in p.topics.all()),
        )
        for p in Person.objects.all()
    }
    Person.objects.all().delete()
    report = person_import_file(actor=SYSTEM, path=write_file(text), dry_run=False)
    assert (report.errors, report.created) == ([], 4)
    again = {
        p.email: (
            p.name,
            p.title,
            p.skills,
            p.level,
            p.timezone,
            p.active,
            p.kind,
            sorted(t.slug for t in p.topics.all()),
        )
        for p in Person.objects.all()
    }
    assert again == values
    assert Person.objects.get(email="zoe@example.org").manager.email == "boss@example.org"


# --- the command line ---------------------------------------------------------------


def test_import_people_command(db, write_file, capsys):
    path = write_file(
        csv_text([row("ana@example.org", "Ana"), row("bo@example.org", "Bo", manager_email="ana@example.org")])
    )
    call_command("import_people", str(path), "--dry-run", "--no-progress")
    assert capsys.readouterr().out.strip() == (
        "2 row(s): 2 created, 0 updated, 0 unchanged, 0 deactivated (preview: nothing written)"
    )
    assert Person.objects.count() == 0

    call_command("import_people", str(path), "--no-progress")
    assert capsys.readouterr().out.strip() == "2 row(s): 2 created, 0 updated, 0 unchanged, 0 deactivated"
    assert Person.objects.get(email="bo@example.org").manager.email == "ana@example.org"


def test_import_people_command_lists_errors_and_fails(db, write_file, capsys):
    path = write_file("email,name,level\nana@example.org,Ana,99\nbad,Bo,2\n")
    with pytest.raises(CommandError) as caught:
        call_command("import_people", str(path), "--no-progress")
    assert caught.value.returncode == 1
    assert str(caught.value) == "2 error(s) in 2 row(s): nothing was written."
    assert capsys.readouterr().err.splitlines() == [
        "people.csv: line 2, column level: not an integer from 1 to 12: '99'",
        "people.csv: line 3, column email: not an email address: 'bad'",
    ]
    assert Person.objects.count() == 0


def test_export_people_command(varied, tmp_path, capsys):
    target = tmp_path / "out.csv"
    call_command("export_people", str(target))
    assert target.read_bytes().decode() == export_text()
    assert "Wrote 4 people" in capsys.readouterr().err
    call_command("export_people", "-")
    assert capsys.readouterr().out.replace("\r\n", "\n") == export_text().replace("\r\n", "\n")
