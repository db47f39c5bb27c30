"""Earning rules over the interaction stream: points, badges, caps, replay-safety."""

from django.core.exceptions import ValidationError
import pytest

from peerloop.core.models import AuditEntry
from peerloop.core.roles import SYSTEM
from peerloop.core.services import interaction_record
from peerloop.recognition import queries, services
from peerloop.recognition.models import BadgeAward, JournalEntry, RuleAward, StreamCursor
from tests.factories import PersonFactory, UnitFactory
from tests.recognition.helpers import assert_ledger_balanced

pytestmark = pytest.mark.django_db


def rule(**kw):  # type: ignore[no-untyped-def]
    fields = {
        "name": "Accepted answer",
        "event_kind": "discussion.answer_accepted",
        "beneficiary": "target",
        "points": 20,
        "cap_per_period": 3,
    }
    return services.rule_save(actor=SYSTEM, **(fields | kw))


def test_accepted_answers_and_loops_closed_award_the_right_person(world):
    rule(badge_name="Helpful answerer")
    rule(name="Loop closed in time", event_kind="feedback.closed_within_sla", beneficiary="actor", points=15)
    interaction_record(
        kind="discussion.answer_accepted",
        actor_id=world.leader.pk,
        target_ids=[world.member.pk],
        object_type="post",
        object_id=1,
    )
    interaction_record(
        kind="feedback.closed", actor_id=world.program_owner.pk, object_type="feedback_item", object_id=9
    )
    interaction_record(
        kind="feedback.closed_within_sla", actor_id=world.program_owner.pk, object_type="feedback_item", object_id=9
    )
    report = services.rules_apply()
    assert (report.awarded, report.points, report.capped) == (2, 35, 0)
    assert queries.balances_for(person_id=world.member.pk).points == 20
    assert queries.balances_for(person_id=world.program_owner.pk).points == 15
    assert queries.balances_for(person_id=world.leader.pk).points == 0
    assert list(BadgeAward.objects.values_list("person_id", "badge__name")) == [(world.member.pk, "Helpful answerer")]
    assert_ledger_balanced()


def test_replaying_the_stream_awards_nothing_twice(world):
    rule()
    for i in range(2):
        interaction_record(
            kind="discussion.answer_accepted",
            actor_id=world.leader.pk,
            target_ids=[world.member.pk],
            object_type="post",
            object_id=i,
        )
    assert services.rules_apply().awarded == 2
    assert services.rules_apply().awarded == 0
    replay = services.rules_apply(from_start=True)
    assert (replay.read, replay.awarded) == (2, 0)
    StreamCursor.objects.update(last_id=0)
    assert services.rules_apply().awarded == 0
    assert JournalEntry.objects.filter(kind="award").count() == 2
    assert queries.balances_for(person_id=world.member.pk).points == 40


def test_cap_per_person_and_month(world):
    rule(cap_per_period=2)
    for i in range(5):
        interaction_record(
            kind="discussion.answer_accepted",
            actor_id=world.leader.pk,
            target_ids=[world.member.pk],
            object_type="post",
            object_id=i,
        )
    report = services.rules_apply()
    assert (report.awarded, report.capped) == (2, 3)
    assert queries.balances_for(person_id=world.member.pk).points == 40
    assert RuleAward.objects.filter(capped=True).count() == 3
    assert services.rules_apply(from_start=True).awarded == 0


def test_an_event_with_several_targets_awards_its_actor_once(world):
    rule(name="Lesson shared", event_kind="feedback.lesson_shared", beneficiary="actor", points=10)
    interaction_record(
        kind="feedback.lesson_shared",
        actor_id=world.member.pk,
        target_ids=[world.leader.pk, world.admin.pk, world.program_owner.pk],
        object_type="lesson",
    )
    assert services.rules_apply().awarded == 1
    assert queries.balances_for(person_id=world.member.pk).points == 10


def test_lesson_adopted_by_another_unit_only(world):
    rule(name="Adopted elsewhere", event_kind="discussion.lesson_adopted", points=30, cross_unit_only=True)
    same_unit = PersonFactory(unit=world.member.unit)
    other_unit = PersonFactory(unit=UnitFactory())
    interaction_record(kind="discussion.lesson_adopted", actor_id=same_unit.pk, target_ids=[world.member.pk])
    interaction_record(kind="discussion.lesson_adopted", actor_id=other_unit.pk, target_ids=[world.member.pk])
    assert services.rules_apply().awarded == 1
    assert queries.balances_for(person_id=world.member.pk).points == 30


def test_program_rule_awards_only_its_audience(world):
    program = world.program
    program.audience_filter = {"levels": [4]}
    program.save()
    rule(name="Pair met", event_kind="match.rated", beneficiary="actor", points=5, program_id=program.pk)
    interaction_record(kind="match.rated", actor_id=world.member.pk, target_ids=[world.leader.pk])  # level 4
    interaction_record(kind="match.rated", actor_id=world.leader.pk, target_ids=[world.member.pk])  # level 7
    assert services.rules_apply().awarded == 1
    assert queries.balances_for(person_id=world.member.pk).points == 5


def test_session_attended_and_bad_rules_refused(world):
    rule(name="Attended", event_kind="discussion.session_attended", beneficiary="actor", points=2)
    interaction_record(kind="discussion.session_attended", actor_id=world.member.pk, object_type="session")
    assert services.rules_apply().points == 2
    with pytest.raises(ValidationError) as exc:
        services.rule_save(
            actor=SYSTEM, name="", event_kind="kudos.given", beneficiary="both", points=0, cap_per_period=0
        )
    assert set(exc.value.message_dict) == {"name", "event_kind", "beneficiary", "points", "cap_per_period"}
    assert "'kudos.given' is not an event a rule can reward." in exc.value.message_dict["event_kind"]


def test_a_rule_turned_off_awards_nothing_for_later_events(world):
    r = rule()
    services.rule_set_active(actor=SYSTEM, rule_id=r.pk, active=False)
    interaction_record(kind="discussion.answer_accepted", actor_id=world.leader.pk, target_ids=[world.member.pk])
    assert services.rules_apply().awarded == 0
    assert AuditEntry.objects.filter(action="recognition.rule_active").count() == 1
