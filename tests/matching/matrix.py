"""Routes of peer matching: a program's owner (world.program_owner owns world.program) and
admins configure, preview and publish; employees see their own matches (world.member is
matched in a published round), preferences, peers and intros; guests reach nothing."""

from django.urls import reverse

from peerloop.core.roles import SYSTEM
from peerloop.matching import services
from peerloop.matching.models import IntroRequest, MatchMember
from tests.factories import PersonFactory, UnitFactory
from tests.matrix import INTERNAL, OWNERS, Case

MEMBER_ONLY = frozenset({"member"})


def published(world):
    """world.program with matching, and a published round pairing world.member (level 4)."""
    if getattr(world, "_matching_round", None) is None:
        program = world.program
        program.mechanisms = ["matching"]
        program.audience_filter = {"levels": [4]}
        program.save()
        PersonFactory(level=4, unit=UnitFactory(), name="Peer Elsewhere")
        setup = services.setup_save(actor=SYSTEM, program_id=program.pk)
        round_ = services.round_preview(actor=SYSTEM, setup_id=setup.pk)
        world._matching_round = services.round_publish(actor=SYSTEM, round_id=round_.pk)
    return world._matching_round


def setup_id(world) -> int:
    return published(world).setup_id


def member_match(world) -> int:
    published(world)
    return MatchMember.objects.get(person=world.member, round=world._matching_round).match_id


def preview_round(world) -> int:
    round_ = published(world)
    return services.round_preview(actor=SYSTEM, setup_id=round_.setup_id).pk


def intro_to_member(world) -> int:
    return IntroRequest.objects.create(from_person=world.leader, to_person=world.member, message="Hello").pk


def stranger(world) -> int:
    return PersonFactory(level=4, unit=UnitFactory()).pk


def setup_form(world) -> dict:
    published(world)
    return {
        "cadence": "weekly",
        "mode": "pairs",
        "group_size": "4",
        "different_unit": "required",
        "same_level": "3",
        "same_role_family": "2",
        "shared_topic": "1",
        "different_region_weight": "1",
        "overlap_weight": "0.5",
        "max_level_gap": "1",
        "no_repeat_rounds": "6",
    }


CASES = [
    Case(route="matching:mine", url=lambda w: (published(w), reverse("matching:mine"))[1], allowed=INTERNAL, ok=(200,)),
    Case(route="matching:history", url=lambda w: reverse("matching:history"), allowed=INTERNAL, ok=(200,)),
    Case(
        route="matching:followup",
        method="POST",
        url=lambda w: reverse("matching:followup", args=[member_match(w)]),
        data=lambda w: {"met": "yes", "rating": "4", "note": "Good talk"},
        allowed=MEMBER_ONLY,
        ok=(302,),
        note="Other employees are redirected with an error or get 404; only members of the match record",
    ),
    Case(
        route="matching:preferences",
        method="POST",
        url=lambda w: reverse("matching:preferences"),
        data=lambda w: {"action": "pause"},
        allowed=INTERNAL,
        ok=(302,),
    ),
    Case(
        route="matching:peers",
        url=lambda w: reverse("matching:peers") + f"?topic={w.topic.pk}",
        allowed=INTERNAL,
        ok=(200,),
    ),
    Case(route="matching:intros", url=lambda w: reverse("matching:intros"), allowed=INTERNAL, ok=(200,)),
    Case(
        route="matching:intros",
        method="POST",
        url=lambda w: reverse("matching:intros"),
        data=lambda w: {"to_person": stranger(w), "message": "Shall we talk pricing?"},
        allowed=INTERNAL,
        ok=(302,),
    ),
    Case(
        route="matching:intro_answer",
        method="POST",
        url=lambda w: reverse("matching:intro_answer", args=[intro_to_member(w)]),
        data=lambda w: {"answer": "accept"},
        allowed=MEMBER_ONLY,
        ok=(302,),
    ),
    Case(route="matching:programs", url=lambda w: reverse("matching:programs"), allowed=OWNERS, ok=(200,)),
    Case(
        route="matching:setup",
        url=lambda w: (published(w), reverse("matching:setup", args=[w.program.pk]))[1],
        allowed=OWNERS,
        ok=(200,),
    ),
    Case(
        route="matching:setup",
        method="POST",
        url=lambda w: reverse("matching:setup", args=[w.program.pk]),
        data=setup_form,
        allowed=OWNERS,
        ok=(302,),
    ),
    Case(
        route="matching:preview",
        method="POST",
        url=lambda w: (published(w), reverse("matching:preview", args=[w.program.pk]))[1],
        allowed=OWNERS,
        ok=(302,),
    ),
    Case(
        route="matching:health",
        url=lambda w: (published(w), reverse("matching:health", args=[w.program.pk]))[1],
        allowed=OWNERS,
        ok=(200,),
    ),
    Case(
        route="matching:round",
        url=lambda w: reverse("matching:round", args=[published(w).pk]),
        allowed=OWNERS,
        ok=(200,),
    ),
    Case(
        route="matching:publish",
        method="POST",
        url=lambda w: reverse("matching:publish", args=[preview_round(w)]),
        allowed=OWNERS,
        ok=(302,),
    ),
    # --- API ---
    Case(route="GET /api/v1/matching/setups", url=lambda w: "/api/v1/matching/setups", allowed=INTERNAL, ok=(200,)),
    Case(
        route="POST /api/v1/matching/setups",
        method="POST",
        url=lambda w: (published(w), "/api/v1/matching/setups")[1],
        data=lambda w: {"program_id": w.program.pk, "cadence": "weekly", "criteria": {"no_repeat_rounds": 4}},
        allowed=OWNERS,
        ok=(200,),
    ),
    Case(
        route="GET /api/v1/matching/rounds",
        url=lambda w: f"/api/v1/matching/rounds?setup_id={setup_id(w)}",
        allowed=OWNERS,
        ok=(200,),
    ),
    Case(
        route="POST /api/v1/matching/rounds",
        method="POST",
        url=lambda w: "/api/v1/matching/rounds",
        data=lambda w: {"setup_id": setup_id(w)},
        allowed=OWNERS,
        ok=(201,),
    ),
    Case(
        route="GET /api/v1/matching/rounds/{round_id}",
        url=lambda w: f"/api/v1/matching/rounds/{published(w).pk}",
        allowed=OWNERS,
        ok=(200,),
        extra={"secrets": lambda w: ["Peer Elsewhere"]},
    ),
    Case(
        route="POST /api/v1/matching/rounds/{round_id}/publish",
        method="POST",
        url=lambda w: f"/api/v1/matching/rounds/{preview_round(w)}/publish",
        allowed=OWNERS,
        ok=(200,),
    ),
    Case(
        route="GET /api/v1/matching/matches/mine",
        url=lambda w: (published(w), "/api/v1/matching/matches/mine")[1],
        allowed=INTERNAL,
        ok=(200,),
    ),
    Case(
        route="POST /api/v1/matching/followups",
        method="POST",
        url=lambda w: "/api/v1/matching/followups",
        data=lambda w: {"match_id": member_match(w), "met": True, "rating": 5},
        allowed=MEMBER_ONLY,
        ok=(200,),
    ),
    Case(
        route="GET /api/v1/matching/preferences",
        url=lambda w: "/api/v1/matching/preferences",
        allowed=INTERNAL,
        ok=(200,),
    ),
    Case(
        route="PUT /api/v1/matching/preferences",
        method="PUT",
        url=lambda w: "/api/v1/matching/preferences",
        data=lambda w: {"program_id": w.program.pk, "opted_out": True},
        allowed=INTERNAL,
        ok=(200,),
    ),
    Case(
        route="GET /api/v1/matching/peers",
        url=lambda w: f"/api/v1/matching/peers?topic_id={w.topic.pk}",
        allowed=INTERNAL,
        ok=(200,),
    ),
    Case(route="GET /api/v1/matching/intros", url=lambda w: "/api/v1/matching/intros", allowed=INTERNAL, ok=(200,)),
    Case(
        route="POST /api/v1/matching/intros",
        method="POST",
        url=lambda w: "/api/v1/matching/intros",
        data=lambda w: {"to_person_id": stranger(w), "message": "Hello"},
        allowed=INTERNAL,
        ok=(201,),
    ),
    Case(
        route="POST /api/v1/matching/intros/{intro_id}/answer",
        method="POST",
        url=lambda w: f"/api/v1/matching/intros/{intro_to_member(w)}/answer",
        data=lambda w: {"accept": True},
        allowed=MEMBER_ONLY,
        ok=(200,),
    ),
]
