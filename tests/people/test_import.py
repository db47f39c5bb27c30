"""The people import: formats, every error by line and column, atomic and idempotent apply."""

import itertools
import json

from hypothesis import given
from hypothesis import strategies as st
import pytest

from peerloop.accounts.models import User
from peerloop.core.models import AuditEntry
from peerloop.core.roles import SYSTEM
from peerloop.people.importing import COLUMNS, RowError, cell_for_export, cell_from_import
from peerloop.people.models import Person, Region, Unit
from peerloop.people.services import person_import, person_import_file
from tests.factories import PersonFactory, TopicFactory, UserFactory
from tests.people.conftest import csv_text, row

EXPECTED = ", ".join(COLUMNS)


@pytest.fixture
def topics(db):
    return {
        "pricing": TopicFactory(name="Pricing", slug="pricing"),
        "retention": TopicFactory(name="Customer retention", slug="customer-retention", synonyms=["Retention"]),
    }


def org_rows() -> list[dict[str, str]]:
    """A small organization, listed with a report before their manager."""
    return [
        row(
            "cy@example.org",
            "Cy Okafor",
            external_id="E3",
            title="Account executive",
            role_family="sales",
            level="4",
            unit="Sales EMEA",
            region="Africa",
            location="Lagos",
            timezone="Africa/Lagos",
            manager_email="bo@example.org",
            skills="negotiation",
        ),
        row(
            "Ana@Example.org",
            "Ana  Lima",
            external_id="E1",
            title="Chief executive",
            role_family="executive",
            level="12",
            unit="Board",
            region="EMEA",
            location="Lisbon",
            timezone="Europe/Lisbon",
            skills="strategy; hiring;;strategy",
            topics="Pricing",
        ),
        row(
            "bo@example.org",
            "Bo Chen",
            external_id="E2",
            title="Head of sales",
            role_family="sales",
            level="9",
            unit="Sales EMEA",
            unit_parent="Board",
            region="emea",
            location="Berlin",
            timezone="Europe/Berlin",
            manager_email="ana@example.org",
            topics="pricing;Retention",
        ),
    ]


def snapshot() -> list[tuple]:
    people = Person.objects.order_by("email").values_list(
        "email", "external_id", "name", "title", "role_family", "level", "unit__code", "region__code",
        "location", "timezone", "manager__email", "skills", "kind", "active", "updated_at",
    )  # fmt: skip
    links = Person.topics.through.objects.order_by("person__email", "topic__slug").values_list(
        "person__email", "topic__slug"
    )
    units = Unit.objects.order_by("code").values_list("code", "name", "parent__code", "updated_at")
    return [*people, *links, *units, *Region.objects.order_by("code").values_list("code", "name")]


# --- the happy path -----------------------------------------------------------------


def test_import_creates_people_units_regions_managers_and_topics(topics, write_file):
    path = write_file(csv_text(org_rows()))

    report = person_import_file(actor=SYSTEM, path=path, dry_run=False)

    assert report.errors == []
    assert (report.rows, report.created, report.updated, report.unchanged, report.deactivated) == (3, 3, 0, 0, 0)
    assert report.units_created == ["Board", "Sales EMEA"]
    assert report.regions_created == ["Africa", "EMEA"]
    ana = Person.objects.get(email="ana@example.org")
    bo = Person.objects.get(email="bo@example.org")
    cy = Person.objects.get(email="cy@example.org")
    assert (ana.name, ana.external_id, ana.title, ana.role_family, ana.level) == (
        "Ana Lima",
        "E1",
        "Chief executive",
        "executive",
        12,
    )
    assert (ana.location, ana.timezone, ana.skills, ana.kind, ana.active) == (
        "Lisbon",
        "Europe/Lisbon",
        ["strategy", "hiring"],
        "employee",
        True,
    )
    assert ana.manager is None and bo.manager == ana and cy.manager == bo
    assert [t.slug for t in ana.topics.order_by("slug")] == ["pricing"]
    assert [t.slug for t in bo.topics.order_by("slug")] == ["customer-retention", "pricing"]
    assert list(cy.topics.all()) == []
    assert {(u.code, u.name, u.parent.code if u.parent else None) for u in Unit.objects.all()} == {
        ("board", "Board", None),
        ("sales-emea", "Sales EMEA", "board"),
    }
    assert set(Region.objects.values_list("code", "name")) == {("africa", "Africa"), ("emea", "EMEA")}
    assert bo.region == ana.region  # "emea" and "EMEA" are one region
    assert cy.unit == bo.unit and cy.unit.parent == ana.unit
    audit = list(AuditEntry.objects.values_list("action", "object_repr", "changes"))
    assert len(audit) == 1
    assert audit[0][0] == "people.import" and audit[0][1] == "people.csv"
    assert audit[0][2]["created"] == 3


def test_json_list_and_json_lines_import_like_csv(topics, write_file):
    rows = org_rows()
    as_list = write_file(json.dumps(rows, indent=2), "people.json")
    report = person_import_file(actor=SYSTEM, path=as_list, dry_run=False)
    assert (report.errors, report.created) == ([], 3)
    first = snapshot()

    lines = write_file("\n".join(json.dumps(r) for r in rows) + "\n", "people.jsonl")
    again = person_import_file(actor=SYSTEM, path=lines, dry_run=False)
    assert (again.errors, again.created, again.updated, again.unchanged) == ([], 0, 0, 3)
    assert snapshot() == first


def test_json_values_may_be_numbers_booleans_and_lists(topics):
    report = person_import(
        actor=SYSTEM,
        rows=[{"email": "ana@example.org", "name": "Ana", "level": 7, "active": False, "skills": ["sql", "python"]}],
        dry_run=False,
    )
    assert report.errors == []
    ana = Person.objects.get()
    assert (ana.level, ana.active, ana.skills) == (7, False, ["sql", "python"])


def test_a_dry_run_writes_nothing(topics, write_file):
    report = person_import_file(actor=SYSTEM, path=write_file(csv_text(org_rows())), dry_run=True)
    assert (report.dry_run, report.created, report.errors) == (True, 3, [])
    assert report.units_created == ["Board", "Sales EMEA"]
    assert (Person.objects.count(), Unit.objects.count(), Region.objects.count(), AuditEntry.objects.count()) == (
        0,
        0,
        0,
        0,
    )


def test_progress_is_reported_up_to_the_total(topics, write_file):
    calls: list[tuple[int, int]] = []
    person_import_file(
        actor=SYSTEM, path=write_file(csv_text(org_rows())), dry_run=False, progress=lambda d, t: calls.append((d, t))
    )
    assert calls[0] == (0, 3)
    assert calls[-1] == (6, 6)  # three rows checked, three written
    assert all(a[0] <= b[0] for a, b in itertools.pairwise(calls))


# --- idempotence --------------------------------------------------------------------


def test_reimporting_the_same_file_creates_nothing_and_changes_nothing(topics, write_file):
    path = write_file(csv_text(org_rows()))
    person_import_file(actor=SYSTEM, path=path, dry_run=False)
    before = snapshot()

    again = person_import_file(actor=SYSTEM, path=path, dry_run=False)

    assert (again.created, again.updated, again.unchanged, again.deactivated) == (0, 0, 3, 0)
    assert again.units_created == [] and again.regions_created == []
    assert snapshot() == before
    assert Person.objects.count() == 3


def test_people_are_matched_by_external_id_first_then_email(topics):
    moved = PersonFactory(email="ana.old@example.org", external_id="E1", name="Ana", unit=None, region=None)
    by_email = PersonFactory(email="bo@example.org", external_id=None, name="Bo", unit=None, region=None)

    report = person_import(
        actor=SYSTEM,
        rows=[
            {"email": "ana@example.org", "external_id": "E1", "name": "Ana"},
            {"email": "BO@example.org", "external_id": "E2", "name": "Bo"},
        ],
        dry_run=False,
    )

    assert (report.errors, report.created, report.updated) == ([], 0, 2)
    assert Person.objects.get(pk=moved.pk).email == "ana@example.org"
    assert Person.objects.get(pk=by_email.pk).external_id == "E2"
    assert Person.objects.count() == 2


def test_columns_left_out_keep_their_values(db):
    person = PersonFactory(email="ana@example.org", name="Ana", title="Chief executive", level=12)
    report = person_import(actor=SYSTEM, rows=[{"email": "ana@example.org", "name": "Ana"}], dry_run=False)
    assert (report.updated, report.unchanged) == (0, 1)
    person.refresh_from_db()
    assert (person.title, person.level) == ("Chief executive", 12)


def test_changes_are_written_and_counted(topics, write_file):
    person_import_file(actor=SYSTEM, path=write_file(csv_text(org_rows())), dry_run=False)
    rows = org_rows()
    rows[0].update(title="Senior account executive", manager_email="ana@example.org", topics="Pricing")
    rows[2].update(level="10", unit="Board", unit_parent="")

    report = person_import_file(actor=SYSTEM, path=write_file(csv_text(rows), "v2.csv"), dry_run=False)

    assert (report.errors, report.created, report.updated, report.unchanged) == ([], 0, 2, 1)
    cy = Person.objects.get(email="cy@example.org")
    bo = Person.objects.get(email="bo@example.org")
    assert (cy.title, cy.manager.email) == ("Senior account executive", "ana@example.org")
    assert [t.slug for t in cy.topics.all()] == ["pricing"]
    assert (bo.level, bo.unit.code) == (10, "board")
    assert [t.slug for t in bo.topics.order_by("slug")] == ["customer-retention", "pricing"]


# --- deactivation -------------------------------------------------------------------


def test_people_missing_from_the_file_are_deactivated_only_when_asked(topics, write_file):
    login = UserFactory(email="gone@example.org")
    gone = PersonFactory(email="gone@example.org", user=login, name="Gone")
    guest = PersonFactory(email="guest@customer.example", kind=Person.Kind.GUEST, name="Guest")
    path = write_file(csv_text(org_rows()))

    kept = person_import_file(actor=SYSTEM, path=path, dry_run=False)
    assert kept.deactivated == 0
    assert Person.objects.get(pk=gone.pk).active is True

    report = person_import_file(actor=SYSTEM, path=path, dry_run=False, deactivate_missing=True)

    assert (report.created, report.updated, report.unchanged, report.deactivated) == (0, 0, 3, 1)
    assert Person.objects.get(pk=gone.pk).active is False
    assert User.objects.get(pk=login.pk).is_active is False
    assert Person.objects.get(pk=guest.pk).active is True
    assert list(AuditEntry.objects.filter(action="user.deactivate").values_list("object_repr", flat=True)) == [
        "gone@example.org"
    ]


def test_a_row_marked_inactive_deactivates_the_login(db):
    login = UserFactory(email="ana@example.org")
    PersonFactory(email="ana@example.org", user=login, name="Ana")
    report = person_import(
        actor=SYSTEM, rows=[{"email": "ana@example.org", "name": "Ana", "active": "false"}], dry_run=False
    )
    assert report.updated == 1
    assert Person.objects.get().active is False
    assert User.objects.get(pk=login.pk).is_active is False


# --- every error, by line and column --------------------------------------------------


def test_a_preview_lists_every_error_by_line_and_column(topics, write_file):
    path = write_file(
        "email,name,level,timezone,manager_email,topics\n"
        "ana@example.org,Ana,12,Europe/Paris,,\n"
        "not-an-email,Bad,3,,,\n"
        "ana@example.org,Ana again,5,,,\n"
        "cy@example.org,Cy,13,,,\n"
        "dee@example.org,Dee,abc,Mars/Base,,\n"
        "eve@example.org,Eve,4,,ghost@example.org,\n"
        "fay@example.org,Fay,4,,gus@example.org,\n"
        "gus@example.org,Gus,4,,fay@example.org,\n"
        "hal@example.org,Hal,4,,,Pricing;Astrology\n"
        "ivy@example.org,,2.5,,,\n"
    )

    report = person_import_file(actor=SYSTEM, path=path, dry_run=True)

    assert report.errors == [
        RowError(3, "email", "not an email address: 'not-an-email'"),
        RowError(4, "email", "duplicate email ana@example.org (also on line 2)"),
        RowError(5, "level", "not an integer from 1 to 12: '13'"),
        RowError(6, "level", "not an integer from 1 to 12: 'abc'"),
        RowError(6, "timezone", "unknown timezone: 'Mars/Base' (use an IANA name such as Europe/Paris)"),
        RowError(7, "manager_email", "unknown manager: ghost@example.org is neither in the file nor in the directory"),
        RowError(
            8,
            "manager_email",
            "manager cycle: Fay (fay@example.org) → Gus (gus@example.org) → Fay (fay@example.org) (lines 8, 9)",
        ),
        RowError(10, "topics", "unknown topic: 'Astrology'"),
        RowError(11, "name", "required"),
        RowError(11, "level", "not an integer from 1 to 12: '2.5'"),
    ]
    assert report.created == 1  # only Ana's row is free of errors
    assert Person.objects.count() == 0


def test_one_bad_row_among_ten_thousand_is_named_and_nothing_is_written(db, write_file):
    rows = [
        row(f"person{n}@example.org", f"Person {n}", unit=f"Team {n % 40}", region=f"Region {n % 7}", level="3")
        for n in range(10_000)
    ]
    rows[6_789]["email"] = "person6789(at)example.org"

    report = person_import_file(actor=SYSTEM, path=write_file(csv_text(rows)), dry_run=False)

    assert report.errors == [RowError(6_791, "email", "not an email address: 'person6789(at)example.org'")]
    assert report.rows == 10_000
    assert (Person.objects.count(), Unit.objects.count(), Region.objects.count()) == (0, 0, 0)
    assert AuditEntry.objects.count() == 0


def test_a_manager_cycle_through_the_directory_is_named(db):
    ana = PersonFactory(email="ana@example.org", name="Ana")
    PersonFactory(email="bo@example.org", name="Bo", manager=ana)
    report = person_import(
        actor=SYSTEM,
        rows=[{"email": "ana@example.org", "name": "Ana", "manager_email": "bo@example.org"}],
        dry_run=False,
    )
    assert report.errors == [
        RowError(
            1, "manager_email", "manager cycle: Ana (ana@example.org) → Bo (bo@example.org) → Ana (ana@example.org)"
        )
    ]
    assert Person.objects.get(email="ana@example.org").manager is None


def test_someone_managing_themselves_is_a_cycle(db):
    report = person_import(
        actor=SYSTEM,
        rows=[{"email": "ana@example.org", "name": "Ana", "manager_email": "ana@example.org"}],
        dry_run=True,
    )
    assert report.errors == [
        RowError(1, "manager_email", "manager cycle: Ana (ana@example.org) → Ana (ana@example.org)")
    ]


def test_unit_parents_may_not_loop_or_disagree(db, write_file):
    path = write_file(
        "email,name,unit,unit_parent\n"
        "ana@example.org,Ana,Alpha,Beta\n"
        "bo@example.org,Bo,Beta,Alpha\n"
        "cy@example.org,Cy,Gamma,Alpha\n"
        "dee@example.org,Dee,Gamma,Beta\n"
    )
    report = person_import_file(actor=SYSTEM, path=path, dry_run=True)
    assert report.errors == [
        RowError(2, "unit_parent", "unit cycle: Alpha → Beta → Alpha (lines 2, 3)"),
        RowError(5, "unit_parent", "unit Gamma is given the parent Beta here but another parent on line 4"),
    ]


def test_an_email_that_belongs_to_someone_else_is_refused(db):
    PersonFactory(email="ana@example.org", external_id="E1", name="Ana")
    PersonFactory(email="bo@example.org", external_id="E2", name="Bo")
    report = person_import(
        actor=SYSTEM, rows=[{"email": "bo@example.org", "external_id": "E1", "name": "Ana"}], dry_run=False
    )
    assert report.errors == [
        RowError(1, "email", "bo@example.org belongs to another person (Bo); external_id E1 is Ana <ana@example.org>")
    ]


def test_a_file_that_is_not_utf8_is_named_with_its_byte_and_line(db, write_file):
    path = write_file("email,name\nana@example.org,Ana\nzoe@example.org,Zoé\n".encode("latin-1"))
    report = person_import_file(actor=SYSTEM, path=path, dry_run=False)
    assert report.errors == [RowError(3, "", "not UTF-8: byte 0xe9 at line 3; save the file as UTF-8")]
    assert Person.objects.count() == 0


def test_a_utf8_file_with_a_byte_order_mark_is_read(db, write_file):
    path = write_file("\ufeffemail,name\nzoe@example.org,Zoé\n".encode())
    report = person_import_file(actor=SYSTEM, path=path, dry_run=False)
    assert (report.errors, report.created) == ([], 1)
    assert Person.objects.get().name == "Zoé"


def test_the_wrong_delimiter_is_named_with_the_expected_headers(db, write_file):
    path = write_file("email;name;title\nana@example.org;Ana;CEO\n")
    report = person_import_file(actor=SYSTEM, path=path, dry_run=True)
    assert report.errors == [
        RowError(
            1,
            "",
            "wrong delimiter: the header is separated by semicolons; Peerloop reads comma-separated values "
            f"with the headers {EXPECTED}",
        )
    ]


def test_missing_and_unknown_headers_are_named(db, write_file):
    path = write_file("Email,Title,Manager,Manager Email\nana@example.org,CEO,x,\n")
    report = person_import_file(actor=SYSTEM, path=path, dry_run=True)
    assert report.errors == [
        RowError(1, "", f"unknown headers: manager; missing required headers: name (expected headers: {EXPECTED})")
    ]


def test_an_unbalanced_quote_is_named_where_it_opens(db, write_file):
    path = write_file('email,name,title\nana@example.org,Ana,"Head of sales\nbo@example.org,Bo,Analyst\n')
    report = person_import_file(actor=SYSTEM, path=path, dry_run=False)
    assert report.errors == [
        RowError(2, "title", "unbalanced quotes: a quoted value opened on line 2 runs to the end of the file")
    ]
    assert Person.objects.count() == 0


def test_a_row_with_too_many_values_is_named(db, write_file):
    path = write_file('email,name,title\nana@example.org,Ana,Head,of sales\nbo@example.org,Bo,"Lead, sales"\n')
    report = person_import_file(actor=SYSTEM, path=path, dry_run=True)
    assert report.errors == [
        RowError(2, "", "expected 3 values, found 4 (a value holding a comma must be in double quotes)")
    ]


def test_quoted_commas_quotes_and_line_numbers_after_them(db, write_file):
    path = write_file('email,name,title\nana@example.org,"Lima, Ana","The ""boss"""\nbo@example.org,Bo,13x\n')
    report = person_import_file(actor=SYSTEM, path=path, dry_run=False)
    assert report.errors == []
    assert Person.objects.get(email="ana@example.org").name == "Lima, Ana"
    assert Person.objects.get(email="ana@example.org").title == 'The "boss"'


def test_invalid_json_is_named_with_its_line(db, write_file):
    listing = write_file(
        '[\n  {"email": "ana@example.org", "name": "Ana"},\n  {"email": "bo@example.org" "name": "Bo"}\n]'
    )
    report = person_import_file(actor=SYSTEM, path=listing, dry_run=True)
    assert report.errors == [RowError(3, "", "invalid JSON: Expecting ',' delimiter (column 30)")]

    lines = write_file(
        '{"email": "ana@example.org", "name": "Ana", "level": 20}\n{"email": "bo@example.org"}\n', "p.jsonl"
    )
    report = person_import_file(actor=SYSTEM, path=lines, dry_run=True)
    assert report.errors == [
        RowError(1, "level", "not an integer from 1 to 12: '20'"),
        RowError(2, "name", "required"),
    ]


# --- formulas -----------------------------------------------------------------------


def test_formula_looking_cells_are_stored_as_text(db, write_file):
    path = write_file(
        "email,name,title,location\n"
        'ana@example.org,"=HYPERLINK(""http://evil.example"",""Ana"")",+44 20 7946 0000,-Lisbon\n'
        "bo@example.org,'=SUM(A1),'@lead,Berlin\n"
    )
    report = person_import_file(actor=SYSTEM, path=path, dry_run=False)
    assert report.errors == []
    ana = Person.objects.get(email="ana@example.org")
    assert (ana.name, ana.title, ana.location) == (
        '=HYPERLINK("http://evil.example","Ana")',
        "+44 20 7946 0000",
        "-Lisbon",
    )
    bo = Person.objects.get(email="bo@example.org")
    # A leading quote before a formula character is the spreadsheet's "this is text" mark.
    assert (bo.name, bo.title) == ("=SUM(A1)", "@lead")


@given(st.text(max_size=30))
def test_export_then_import_of_a_cell_is_lossless(value):
    exported = cell_for_export(value)
    assert not exported.startswith(("=", "+", "-", "@"))
    assert cell_from_import(exported) == value.strip()
