"""Kudos: from the monthly allowance, refused with clear messages, granted and expired per month."""

from datetime import UTC, datetime

from django.core.exceptions import ValidationError
import pytest

from peerloop.core.models import Interaction
from peerloop.notifications.models import Notification
from peerloop.recognition import queries, services
from peerloop.recognition.models import AllowancePolicy, JournalEntry, Kudos
from tests.recognition.helpers import actor_of, assert_ledger_balanced, value

pytestmark = pytest.mark.django_db


def give(world, giver, recipient, amount=10, **kw):  # type: ignore[no-untyped-def]
    return services.kudos_give(
        actor=actor_of(giver), recipient_id=recipient.pk, amount=amount, message=kw.pop("message", "Thanks!"), **kw
    )


def test_kudos_moves_points_from_allowance_to_received_and_records_the_event(world):
    v = value()
    kudos = give(world, world.member, world.leader, 15, value_id=v.pk, topic_ids=[world.topic.pk], message="Great deck")
    assert queries.balances_for(person_id=world.member.pk).allowance == 85  # default allowance 100
    assert queries.balances_for(person_id=world.leader.pk).points == 15
    assert kudos.period == services.period_of()
    assert [t.slug for t in kudos.topics.all()] == ["pricing"]
    event = Interaction.objects.get(kind="kudos.given")
    assert (event.actor_id, event.target_id, event.object_type, event.object_id) == (
        world.member.pk,
        world.leader.pk,
        "kudos",
        str(kudos.pk),
    )
    assert Notification.objects.filter(recipient=world.leader, kind="kudos.received").count() == 1
    kinds = list(JournalEntry.objects.order_by("id").values_list("kind", flat=True))
    assert kinds == ["grant", "kudos"]
    assert_ledger_balanced()


@pytest.mark.parametrize(
    ("amount", "to", "message", "field", "text"),
    [
        (0, "leader", "Thanks", "amount", "Give at least 1 point (0 is not a positive amount)."),
        (-5, "leader", "Thanks", "amount", "Give at least 1 point (-5 is not a positive amount)."),
        (5, "member", "Thanks", "recipient_id", "You cannot give kudos to yourself."),
        (5, "guest", "Thanks", "recipient_id", "is a guest; kudos go to colleagues."),
        (5, "leader", "   ", "message", "Say what you are thanking them for."),
    ],
)
def test_bad_kudos_are_refused_with_a_clear_message_and_nothing_written(world, amount, to, message, field, text):
    with pytest.raises(ValidationError) as exc:
        give(world, world.member, world.person(to), amount, message=message)
    assert text in exc.value.message_dict[field][0]
    assert Kudos.objects.count() == 0
    assert JournalEntry.objects.filter(kind="kudos").count() == 0


def test_kudos_to_a_deactivated_person_is_refused(world):
    world.leader.active = False
    world.leader.save()
    with pytest.raises(ValidationError) as exc:
        give(world, world.member, world.leader, 5)
    assert exc.value.message_dict["recipient_id"] == [f"{world.leader.name} is deactivated and cannot receive kudos."]


def test_more_than_the_allowance_is_refused(world):
    AllowancePolicy.objects.create(scope="everyone", amount=30, per_recipient_cap=30)
    give(world, world.member, world.leader, 25)
    with pytest.raises(ValidationError) as exc:
        give(world, world.member, world.program_owner, 6)
    assert exc.value.message_dict["amount"] == ["You have 5 points left to give this month; 6 is more than that."]
    give(world, world.member, world.program_owner, 5)
    assert queries.balances_for(person_id=world.member.pk).allowance == 0
    assert_ledger_balanced()


def test_per_recipient_cap_per_month(world):
    AllowancePolicy.objects.create(scope="everyone", amount=200, per_recipient_cap=20)
    give(world, world.member, world.leader, 15)
    with pytest.raises(ValidationError) as exc:
        give(world, world.member, world.leader, 10)
    assert exc.value.message_dict["amount"] == [
        f"You can give {world.leader.name} at most 20 points a month; you have given 15 this month."
    ]
    give(world, world.member, world.leader, 5)
    give(world, world.member, world.program_owner, 20)


def test_policy_per_unit_beats_a_smaller_one_for_everyone(world):
    AllowancePolicy.objects.create(scope="everyone", amount=40, per_recipient_cap=40)
    AllowancePolicy.objects.create(scope="unit", unit=world.member.unit, amount=70, per_recipient_cap=40)
    AllowancePolicy.objects.create(scope="role", role="leader", amount=90, per_recipient_cap=40)
    services.allowance_grant(person_ids=[world.member.pk, world.leader.pk, world.program_owner.pk])
    assert queries.balances_for(person_id=world.member.pk).allowance == 70
    assert queries.balances_for(person_id=world.leader.pk).allowance == 90
    assert queries.balances_for(person_id=world.program_owner.pk).allowance == 40


def test_grant_is_idempotent_and_next_month_expires_what_is_left(world):
    assert services.allowance_grant(period="2026-01") == 4  # the four employees of the world
    assert services.allowance_grant(period="2026-01") == 0
    assert queries.balances_for(person_id=world.member.pk).allowance == 100
    services.correction_post(
        actor=actor_of(world.admin), person_id=world.member.pk, account_kind="allowance", amount=-40, reason="spent"
    )
    services.allowance_grant(period="2026-02")
    assert queries.balances_for(person_id=world.member.pk).allowance == 100
    expiry = JournalEntry.objects.get(key=f"expire:{world.member.pk}:2026-02")
    assert [p.amount for p in expiry.postings.order_by("amount")] == [-60, 60]
    # received points never expire
    give(world, world.leader, world.member, 10)
    services.allowance_grant(period="2026-03")
    assert queries.balances_for(person_id=world.member.pk).points == 10
    assert_ledger_balanced()


def test_period_bounds():
    assert services.period_bounds("2026-12") == (datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    with pytest.raises(ValidationError):
        services.period_bounds("December")


def test_reactions_toggle_and_private_kudos_are_hidden_from_others(world):
    public = give(world, world.member, world.leader, 5)
    private = give(world, world.member, world.program_owner, 5, public=False)
    assert services.reaction_toggle(actor=actor_of(world.admin), kudos_id=public.pk, emoji="clap") is True
    assert services.reaction_toggle(actor=actor_of(world.admin), kudos_id=public.pk, emoji="clap") is False
    assert services.reaction_toggle(actor=actor_of(world.leader), kudos_id=public.pk, emoji="heart") is True
    from peerloop.core.permissions import NotFound

    with pytest.raises(NotFound):
        services.reaction_toggle(actor=actor_of(world.leader), kudos_id=private.pk, emoji="clap")
    assert [k.pk for k in queries.feed(viewer_id=world.leader.pk)] == [public.pk]
    assert {k.pk for k in queries.feed(viewer_id=world.program_owner.pk)} == {public.pk, private.pk}


def test_insight_hook_counts_values_and_topics_per_unit_and_month(world):
    v = value("ownership")
    give(world, world.member, world.leader, 5, value_id=v.pk, topic_ids=[world.topic.pk])
    give(world, world.admin, world.leader, 5, value_id=v.pk)
    rows = queries.recognition_by_unit()
    month = services.period_of()
    unit = world.leader.unit
    assert [(r.unit_id, r.month, r.kind, r.tag, r.kudos, r.points) for r in rows] == [
        (unit.pk, month, "value", "Ownership", 2, 10),
        (unit.pk, month, "topic", "Pricing", 1, 5),
    ]


def test_the_same_idempotency_key_gives_kudos_once(world):
    first = give(world, world.member, world.leader, 5, idempotency_key="k1")
    again = give(world, world.member, world.leader, 5, idempotency_key="k1")
    assert again.pk == first.pk
    assert Kudos.objects.count() == 1
    with pytest.raises(ValidationError) as exc:
        give(world, world.member, world.leader, 6, idempotency_key="k1")
    assert exc.value.message_dict == {"idempotency_key": ["This key was already used for other kudos."]}
    other_giver = give(world, world.leader, world.member, 5, idempotency_key="k1")  # keys are per giver
    assert other_giver.pk != first.pk
    assert queries.balances_for(person_id=world.member.pk).allowance == 95


def test_insight_texts_are_public_messages_only(world):
    give(world, world.member, world.leader, 5, message="Your pricing lesson travelled", value_id=value().pk)
    give(world, world.member, world.program_owner, 5, message="Private thanks", public=False)
    rows = queries.recognition_texts()
    assert [(r.unit_id, r.value, r.message) for r in rows] == [
        (world.leader.unit_id, "Customer first", "Your pricing lesson travelled")
    ]
