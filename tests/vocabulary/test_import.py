import json

from django.core.management import call_command
from django.core.management.base import CommandError
import pytest

from peerloop.core.models import AuditEntry
from peerloop.core.roles import SYSTEM
from peerloop.core.tabular import RowError
from peerloop.vocabulary import queries, services
from peerloop.vocabulary.models import CompanyValue, Segment, Topic

pytestmark = pytest.mark.django_db

GOOD = (
    "kind,name,slug,parent,synonyms,description\n"
    "topic,Onboarding,,Customer experience,first week; activation,The first days\n"
    "topic,Customer experience,cx,,CX experience,\n"
    "segment,Small business,,,,Fewer than 50 staff\n"
    "value,Customer first,,,,\n"
)


def run(content: str | bytes, *, dry_run: bool = False, name: str = "vocabulary.csv"):
    data = content.encode() if isinstance(content, str) else content
    return services.vocabulary_import_file(actor=SYSTEM, data=data, name=name, dry_run=dry_run)


def state() -> list:
    topics = [
        (t.slug, t.name, t.parent.slug if t.parent else None, t.synonyms, t.description)
        for t in Topic.objects.order_by("slug")
    ]
    return [
        topics,
        list(Segment.objects.values_list("slug", "name")),
        list(CompanyValue.objects.values_list("slug", "name")),
    ]


def test_import_creates_topics_with_parents_given_later_in_the_file():
    report = run(GOOD)
    assert report.errors == []
    assert (report.created, report.updated, report.unchanged) == (4, 0, 0)
    assert state() == [
        [
            ("cx", "Customer experience", None, ["CX experience"], ""),
            ("onboarding", "Onboarding", "cx", ["first week", "activation"], "The first days"),
        ],
        [("small-business", "Small business")],
        [("customer-first", "Customer first")],
    ]
    assert AuditEntry.objects.filter(action="vocabulary.import").count() == 1


def test_import_is_idempotent_by_slug():
    run(GOOD)
    before = state()
    report = run(GOOD)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 4)
    assert state() == before
    assert AuditEntry.objects.filter(action="vocabulary.import").count() == 1


def test_reimport_updates_what_changed_and_keeps_absent_columns():
    run(GOOD)
    report = run("kind,name,slug\ntopic,Onboarding journey,onboarding\nsegment,Small business,\n")
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    onboarding = Topic.objects.get(slug="onboarding")
    # Only name given: the parent, synonyms and description stay.
    assert (onboarding.name, onboarding.parent.slug, onboarding.synonyms) == (
        "Onboarding journey",
        "cx",
        ["first week", "activation"],
    )
    report = run("kind,name,slug,parent,synonyms\ntopic,Onboarding journey,onboarding,,\n")
    assert report.updated == 1
    onboarding.refresh_from_db()
    assert (onboarding.parent_id, onboarding.synonyms) == (None, [])


def test_dry_run_reports_and_writes_nothing():
    report = run(GOOD, dry_run=True)
    assert (report.created, report.errors) == (4, [])
    assert state() == [[], [], []]
    assert not AuditEntry.objects.exists()


def test_every_error_is_named_by_line_and_column_and_nothing_is_written():
    services.topic_create(actor=SYSTEM, name="Pricing", synonyms=["price"])
    content = (
        "kind,name,slug,parent,synonyms,description\n"
        "topic,Onboarding,,Nowhere,,\n"  # 2: unknown parent
        "planet,Mars,,,,\n"  # 3: unknown kind
        "topic,,,,,\n"  # 4: no name
        "topic,Discounts,,,Price;rebates,\n"  # 5: synonym of Pricing
        "segment,Enterprise,,Pricing,,\n"  # 6: a segment with a parent
        "topic,Onboarding,,,,\n"  # 7: duplicate slug
        "topic,=cmd(),,,,\n"  # 8: formula
        "topic,Rebates,,,,\n"  # 9: Discounts' synonym
        "value,Fair play,,,,@SUM(1)\n"  # 10: formula in description
    )
    report = run(content)
    assert report.errors == [
        RowError(2, "parent", "No topic 'Nowhere' in the file or the vocabulary (give a slug or a name)."),
        RowError(3, "kind", "Unknown kind 'planet'; use topic, segment or value."),
        RowError(4, "name", "The name is required."),
        RowError(5, "synonyms", "'Price' is already a synonym of the topic 'Pricing' (the vocabulary)."),
        RowError(5, "synonyms", "'rebates' is already the name of the topic 'Rebates' (line 9)."),
        RowError(6, "parent", "Only topics have a parent."),
        RowError(7, "name", "The topic 'onboarding' already appears on line 2."),
        RowError(8, "name", "The name starts with =, +, - or @ (a spreadsheet formula)."),
        RowError(9, "name", "'Rebates' is already a synonym of the topic 'Discounts' (line 5)."),
        RowError(10, "description", "The description starts with =, + or @ (a spreadsheet formula)."),
    ]
    assert [t.name for t in Topic.objects.all()] == ["Pricing"]
    assert not Segment.objects.exists()


def test_a_cycle_in_the_file_is_named():
    content = "kind,name,parent\ntopic,A,C\ntopic,B,A\ntopic,C,B\ntopic,D,\n"
    report = run(content)
    assert report.errors == [RowError(2, "parent", "The parents make a cycle: A → C → B → A.")]
    assert not Topic.objects.exists()


def test_a_cycle_through_stored_topics_is_named():
    a = services.topic_create(actor=SYSTEM, name="A")
    services.topic_create(actor=SYSTEM, name="B", parent_id=a.pk)
    report = run("kind,name,parent\ntopic,A,b\n")
    assert report.errors == [RowError(2, "parent", "The parents make a cycle: A → B → A.")]


def test_header_problems_are_reported_on_line_one():
    report = run("kind,nmae\ntopic,Pricing\n")
    assert report.errors == [
        RowError(1, "nmae", "Unknown column 'nmae'; the columns are: kind, name, slug, parent, synonyms, description."),
        RowError(1, "name", "The column 'name' is missing."),
    ]


def test_unreadable_files_are_named():
    assert run(b"kind,name\ntopic,Caf\xe9\n").errors == [
        RowError(2, "", "Line 2 is not valid UTF-8 (byte 0xe9). Save the file as UTF-8 (CSV UTF-8 in spreadsheets).")
    ]
    assert run('kind,name\ntopic,"unclosed\n').errors[0].line == 2
    assert run("kind,name\ntopic,A,extra\n").errors == [
        RowError(2, "", "Line 2 has 3 values but the header has 2 columns (a separator inside a value must be quoted).")
    ]
    assert run('[{"kind": "topic", "name": "A"},\n {"kind": "topic" "name": "B"}]', name="v.json").errors[0].line == 2
    assert not Topic.objects.exists()


def test_semicolon_csv_with_bom_and_json_are_read_alike():
    run("\ufeffkind;name;synonyms\ntopic;Pricing;price\n".encode())
    assert Topic.objects.get().synonyms == ["price"]
    rows = [
        {"kind": "topic", "name": "Pricing", "synonyms": ["price", "list price"]},
        {"kind": "segment", "name": "SMB"},
    ]
    report = run(json.dumps(rows, indent=2), name="v.json")
    assert (report.created, report.updated) == (1, 1)
    assert Topic.objects.get().synonyms == ["price", "list price"]
    report = run("\n".join(json.dumps(r) for r in rows), name="v.jsonl")
    assert (report.created, report.updated, report.unchanged) == (0, 0, 2)


def test_import_invalidates_the_match_index():
    assert queries.topic_match_text(text="the first week") == []
    run(GOOD)
    assert [t.slug for t, _ in queries.topic_match_text(text="the first week")] == ["onboarding"]


def test_import_rows_from_mappings_are_numbered_from_first_line():
    report = services.vocabulary_import(
        actor=SYSTEM, rows=[{"kind": "topic", "name": "A"}, {"kind": "topic", "name": ""}], dry_run=True, first_line=1
    )
    assert report.errors == [RowError(2, "name", "The name is required.")]


def test_management_command(tmp_path, capsys):
    path = tmp_path / "vocabulary.csv"
    path.write_text(GOOD)
    call_command("import_vocabulary", str(path), "--dry-run")
    assert (
        "4 rows: 4 would be created, 0 would be updated, 0 unchanged. (dry run: nothing changed)"
        in capsys.readouterr().out
    )
    assert not Topic.objects.exists()
    call_command("import_vocabulary", str(path))
    assert Topic.objects.count() == 2
    bad = tmp_path / "bad.csv"
    bad.write_text("kind,name\nplanet,Mars\n")
    with pytest.raises(CommandError, match="1 problem"):
        call_command("import_vocabulary", str(bad))
    assert "bad.csv: line 2, column kind: Unknown kind 'planet'" in capsys.readouterr().err
