"""The round lifecycle: setup, preview, publish, on SQLite (PostgreSQL for concurrency)."""

import datetime

from django.core import mail
from django.core.exceptions import ValidationError
import icalendar
import pytest

from peerloop.core.models import AuditEntry, Interaction
from peerloop.core.permissions import NotFound, PermissionDenied
from peerloop.matching import services
from peerloop.matching.models import Match, MatchMember, MatchPreference, MatchRound, Unmatched
from peerloop.notifications.models import Notification, OutgoingEmail
from peerloop.people.queries import actor_for_user
from tests.factories import ProgramFactory, UnitFactory
from tests.matching.helpers import LEVEL, matching_program, owner_actor, people


def pairs_of(round_):
    out = []
    for match in Match.objects.filter(round=round_).order_by("id"):
        out.append(sorted(MatchMember.objects.filter(match=match, dropped=False).values_list("person_id", flat=True)))
    return out


def test_setup_needs_the_matching_mechanism(world):
    with pytest.raises(ValidationError) as err:
        services.setup_save(actor=owner_actor(world), program_id=world.program.pk)
    assert "mechanisms" in str(err.value)


def test_only_owner_or_admin_configures(world):
    world.program.mechanisms = ["matching"]
    world.program.save()
    with pytest.raises(PermissionDenied):
        services.setup_save(actor=actor_for_user(world.member.user), program_id=world.program.pk)
    with pytest.raises(NotFound):
        services.setup_save(actor=actor_for_user(world.guest.user), program_id=world.program.pk)
    setup = services.setup_save(actor=actor_for_user(world.admin.user), program_id=world.program.pk, cadence="weekly")
    assert setup.cadence == "weekly"
    assert AuditEntry.objects.filter(action="matching.setup_create", object_id=str(setup.pk)).count() == 1


def test_bad_criteria_are_refused(world):
    with pytest.raises(ValidationError) as err:
        matching_program(world, criteria={"different_unit": "sometimes"})
    assert "different_unit" in str(err.value)
    with pytest.raises(ValidationError):
        matching_program(world, criteria={"nonsense": 1})


def test_preview_pairs_across_units_with_reasons_and_stats(world):
    setup = matching_program(world)
    folks = people(6)
    round_ = services.round_preview(actor=owner_actor(world), setup_id=setup.pk)
    assert round_.status == "preview" and round_.number == 1
    pairs = pairs_of(round_)
    assert len(pairs) == 3
    assert sorted(p for pair in pairs for p in pair) == sorted(p.pk for p in folks)
    member = MatchMember.objects.filter(round=round_).first()
    assert any("level 5" in reason for reason in member.reasons)
    assert round_.stats["cross_unit_share"] == 1.0
    assert round_.stats["matched"] == 6 and round_.stats["unmatched"] == 0
    assert Match.objects.filter(round=round_).first().agenda.startswith("1. Introductions")


def test_empty_audience_gives_a_clear_error(world):
    setup = matching_program(world)
    with pytest.raises(ValidationError) as err:
        services.round_preview(actor=owner_actor(world), setup_id=setup.pk)
    assert "audience is empty" in str(err.value)
    assert MatchRound.objects.count() == 0


def test_everyone_opted_out(world):
    setup = matching_program(world)
    for person in people(4):
        MatchPreference.objects.create(person=person, opted_out_programs=[world.program.pk])
    with pytest.raises(ValidationError) as err:
        services.round_preview(actor=owner_actor(world), setup_id=setup.pk)
    assert "opted out" in str(err.value)


def test_opted_out_and_paused_people_sit_out(world):
    import datetime

    setup = matching_program(world)
    folks = people(6)
    MatchPreference.objects.create(person=folks[0], opted_out_programs=[world.program.pk])
    MatchPreference.objects.create(person=folks[1], paused_until=datetime.date.today() + datetime.timedelta(days=3))
    round_ = services.round_preview(actor=owner_actor(world), setup_id=setup.pk)
    matched = {p for pair in pairs_of(round_) for p in pair}
    assert matched == {p.pk for p in folks[2:]}
    assert round_.stats["excluded"] == {"opted out": 1, "paused": 1}


def test_everyone_in_one_unit_says_so_and_relaxes_only_when_allowed(world):
    setup = matching_program(world)
    unit = UnitFactory(name="Sales Jakarta")
    people(4, units=[unit])
    round_ = services.round_preview(actor=owner_actor(world), setup_id=setup.pk)
    assert pairs_of(round_) == []
    assert "no cross-unit pair exists" in round_.stats["message"]
    assert Unmatched.objects.filter(round=round_).count() == 4
    assert "Sales Jakarta" in Unmatched.objects.filter(round=round_).first().reason

    setup = matching_program(world, allow_relax_cross_unit=True)
    round_ = services.round_preview(actor=owner_actor(world), setup_id=setup.pk)
    assert len(pairs_of(round_)) == 2
    assert MatchRound.objects.count() == 1  # the earlier preview was replaced
    assert any("same unit" in r for r in MatchMember.objects.filter(round=round_).first().reasons)


def test_unbalanced_units_match_the_small_unit_out(world):
    setup = matching_program(world)
    big, small = UnitFactory(), UnitFactory()
    people(18, units=[big])
    few = people(2, units=[small])
    round_ = services.round_preview(actor=owner_actor(world), setup_id=setup.pk)
    pairs = pairs_of(round_)
    assert len(pairs) == 2
    assert {p for pair in pairs for p in pair} >= {p.pk for p in few}
    assert Unmatched.objects.filter(round=round_).count() == 16


def test_publish_notifies_with_ics_and_records_interactions(world, django_capture_on_commit_callbacks):
    setup = matching_program(world)
    people(4)
    actor = owner_actor(world)
    round_ = services.round_preview(actor=actor, setup_id=setup.pk)
    with django_capture_on_commit_callbacks(execute=True):
        published = services.round_publish(actor=actor, round_id=round_.pk)
    assert published.status == "published" and published.published_by_id == world.program_owner.user_id
    assert Notification.objects.filter(kind="match.paired").count() == 4
    emails = OutgoingEmail.objects.all()
    assert emails.count() == 4
    attachment = emails.first().attachments[0]
    assert attachment["content_type"].startswith("text/calendar")
    event = icalendar.Calendar.from_ical(attachment["content"]).walk("VEVENT")[0]
    assert len(event.get("ATTENDEE")) == 2
    assert event.decoded("DTEND") - event.decoded("DTSTART") == datetime.timedelta(minutes=30)
    assert Interaction.objects.filter(kind="match.paired").count() == 2  # one row per target
    assert Match.objects.filter(round=round_, meeting_suggested_at__isnull=True).count() == 0
    # Publishing twice is a no-op.
    services.round_publish(actor=actor, round_id=round_.pk)
    assert Notification.objects.filter(kind="match.paired").count() == 4
    assert Interaction.objects.filter(kind="match.paired").count() == 2
    assert AuditEntry.objects.filter(action="matching.round_publish").count() == 1
    assert len(mail.outbox) == 4


def test_person_deactivated_between_preview_and_publish(world):
    setup = matching_program(world)
    folks = people(4)
    actor = owner_actor(world)
    round_ = services.round_preview(actor=actor, setup_id=setup.pk)
    pairs = pairs_of(round_)
    gone, partner = pairs[0]
    other_pair = pairs[1]
    type(folks[0]).objects.filter(pk=gone).update(active=False)
    services.round_publish(actor=actor, round_id=round_.pk)
    assert MatchMember.objects.get(round=round_, person_id=gone).dropped is True
    # The partner left alone had nobody else free: told why.
    assert Unmatched.objects.get(round=round_, person_id=partner).reason.startswith("your partner is no longer active")
    assert Notification.objects.filter(recipient_id=partner, kind="match.unmatched").count() == 1
    assert not Notification.objects.filter(recipient_id=gone).exists()
    assert Notification.objects.filter(recipient_id__in=other_pair, kind="match.paired").count() == 2


def test_two_deactivated_leave_two_partners_paired_together(world):
    setup = matching_program(world)
    people(8)
    actor = owner_actor(world)
    round_ = services.round_preview(actor=actor, setup_id=setup.pk)
    pairs = pairs_of(round_)
    from peerloop.people.models import Person

    Person.objects.filter(pk__in=[pairs[0][0], pairs[1][0]]).update(active=False)
    services.round_publish(actor=actor, round_id=round_.pk)
    together = MatchMember.objects.filter(round=round_, person_id=pairs[0][1]).get().match
    assert sorted(
        MatchMember.objects.filter(match=together, dropped=False).values_list("person_id", flat=True)
    ) == sorted([pairs[0][1], pairs[1][1]])
    assert round_.__class__.objects.get(pk=round_.pk).stats["dropped"] == 2


def test_no_repeat_within_rounds(world):
    setup = matching_program(world, criteria={"no_repeat_rounds": 2})
    people(4)
    actor = owner_actor(world)
    first = services.round_publish(actor=actor, round_id=services.round_preview(actor=actor, setup_id=setup.pk).pk)
    second = services.round_preview(actor=actor, setup_id=setup.pk)
    assert second.number == 2
    before = {tuple(p) for p in pairs_of(first)}
    after = {tuple(p) for p in pairs_of(second)}
    assert before.isdisjoint(after)
    assert len(after) == 2


def test_pairs_of_another_programs_recent_round_are_not_repeated(world):
    setup = matching_program(world)
    people(4)
    other = ProgramFactory(name="Peers everywhere", owner=world.program_owner, mechanisms=["matching"])
    other.audience_filter = {"levels": [LEVEL]}
    other.save()
    actor = owner_actor(world)
    other_setup = services.setup_save(actor=actor, program_id=other.pk)
    first = services.round_publish(actor=actor, round_id=services.round_preview(actor=actor, setup_id=setup.pk).pk)
    elsewhere = services.round_preview(actor=actor, setup_id=other_setup.pk)
    assert elsewhere.number == 1
    assert {tuple(p) for p in pairs_of(first)}.isdisjoint({tuple(p) for p in pairs_of(elsewhere)})
    assert len(pairs_of(elsewhere)) == 2


def test_circles(world):
    setup = matching_program(world, mode="circles", group_size=3)
    people(9)
    round_ = services.round_preview(actor=owner_actor(world), setup_id=setup.pk)
    sizes = sorted(len(p) for p in pairs_of(round_))
    assert sum(sizes) + Unmatched.objects.filter(round=round_).count() == 9
    assert all(size >= 3 for size in sizes)
    assert set(Match.objects.filter(round=round_).values_list("kind", flat=True)) == {"circle"}


def test_run_due_round_twice_is_idempotent(world):
    import datetime

    from django.utils import timezone

    now = timezone.now()
    setup = matching_program(world, cadence="weekly", next_run_at=now - datetime.timedelta(minutes=1))
    people(4)
    assert services.setups_due(now=now) == [setup.pk]
    first = services.round_run_due(setup_id=setup.pk, now=now)
    assert first is not None and first.status == "published"
    assert services.round_run_due(setup_id=setup.pk, now=now) is None
    assert MatchRound.objects.count() == 1
    setup.refresh_from_db()
    assert setup.next_run_at == now - datetime.timedelta(minutes=1) + datetime.timedelta(days=7)
