"""Routes of recognition: employees give kudos, react, read the feed, their statement,
leaderboards and the catalog, and redeem; admins decide redemptions of the manager and
admin tiers (world.member has no manager), run rules, the catalog, budgets, corrections
and flags; admins and leaders read the insight hook; guests reach nothing."""

from django.urls import reverse

from peerloop.core.roles import SYSTEM
from peerloop.recognition import services
from peerloop.recognition.models import Flag, Kudos, Redemption
from tests.factories import PersonFactory
from tests.matrix import ADMIN, INTERNAL, Case

LEADERS = frozenset({"leader", "admin"})
SECRET_MESSAGE = "Thanks for the private pricing sheet"


def stranger(world) -> int:
    return PersonFactory(name="Kudos Recipient").pk


def public_kudos(world) -> int:
    if getattr(world, "_rec_kudos", None) is None:
        from peerloop.people.queries import actor_for_user

        world._rec_kudos = services.kudos_give(
            actor=actor_for_user(world.leader.user),
            recipient_id=world.program_owner.pk,
            amount=5,
            message="Great pricing session",
        ).pk
    return world._rec_kudos


def redeemable(world) -> int:
    """A reward with no approval every internal person can afford, paid by budgets of their units."""
    for role in ("member", "leader", "program_owner", "admin"):
        person = world.person(role)
        services.correction_post(actor=SYSTEM, person_id=person.pk, account_kind="points", amount=100, reason="m")
        services.budget_fund(actor=SYSTEM, unit_id=person.unit_id, amount=100)
    return services.reward_save(actor=SYSTEM, name="Lunch with a peer", cost=20, approval="none").pk


def pending_redemption(world) -> int:
    from peerloop.people.queries import actor_for_user

    services.correction_post(actor=SYSTEM, person_id=world.member.pk, account_kind="points", amount=100, reason="m")
    services.budget_fund(actor=SYSTEM, unit_id=world.member.unit_id, amount=500)
    reward = services.reward_save(actor=SYSTEM, name="Conference ticket", cost=80, approval="admin")
    redemption = services.redemption_request(actor=actor_for_user(world.member.user), reward_id=reward.pk)
    assert redemption.status == Redemption.Status.PENDING
    return redemption.pk


def flag(world) -> int:
    from django.utils import timezone

    now = timezone.now()
    return Flag.objects.create(
        kind="ring", key="ring:test", people=[1, 2], evidence={"hops": []}, window_start=now, window_end=now
    ).pk


def private_kudos_secret(world) -> list[str]:
    from peerloop.people.queries import actor_for_user

    Kudos.objects.exists() or services.kudos_give(
        actor=actor_for_user(world.leader.user),
        recipient_id=world.admin.pk,
        amount=3,
        message=SECRET_MESSAGE,
        public=False,
    )
    return [SECRET_MESSAGE]


def give_form(world) -> dict:
    return {"recipient": str(stranger(world)), "amount": "5", "message": "Thanks for the help"}


def a_rule(world) -> int:
    return services.rule_save(
        actor=SYSTEM,
        name="Accepted answer",
        event_kind="discussion.answer_accepted",
        beneficiary="target",
        points=20,
        cap_per_period=5,
    ).pk


def rule_form(world) -> dict:
    return {
        "name": "Accepted answer",
        "event_kind": "discussion.answer_accepted",
        "beneficiary": "target",
        "points": "20",
        "cap_per_period": "5",
    }


CASES = [
    Case(
        route="recognition:feed",
        url=lambda w: reverse("recognition:feed"),
        allowed=INTERNAL,
        ok=(200,),
        extra={"secrets": private_kudos_secret},
    ),
    Case(route="recognition:give", url=lambda w: reverse("recognition:give"), allowed=INTERNAL, ok=(200,)),
    Case(
        route="recognition:give",
        method="POST",
        url=lambda w: reverse("recognition:give"),
        data=give_form,
        allowed=INTERNAL,
        ok=(302,),
    ),
    Case(
        route="recognition:react",
        method="POST",
        url=lambda w: reverse("recognition:react", args=[public_kudos(w)]),
        data=lambda w: {"emoji": "clap"},
        allowed=INTERNAL,
        ok=(302,),
    ),
    Case(route="recognition:statement", url=lambda w: reverse("recognition:statement"), allowed=INTERNAL, ok=(200,)),
    Case(
        route="recognition:leaderboard", url=lambda w: reverse("recognition:leaderboard"), allowed=INTERNAL, ok=(200,)
    ),
    Case(
        route="recognition:leaderboard_opt",
        method="POST",
        url=lambda w: reverse("recognition:leaderboard_opt"),
        data=lambda w: {"action": "out"},
        allowed=INTERNAL,
        ok=(302,),
    ),
    Case(route="recognition:rewards", url=lambda w: reverse("recognition:rewards"), allowed=INTERNAL, ok=(200,)),
    Case(
        route="recognition:redeem",
        method="POST",
        url=lambda w: reverse("recognition:redeem", args=[redeemable(w)]),
        allowed=INTERNAL,
        ok=(302,),
    ),
    Case(route="recognition:approvals", url=lambda w: reverse("recognition:approvals"), allowed=INTERNAL, ok=(200,)),
    Case(
        route="recognition:decide",
        method="POST",
        url=lambda w: reverse("recognition:decide", args=[pending_redemption(w)]),
        data=lambda w: {"decision": "approve"},
        allowed=ADMIN,
        ok=(302,),
        note="Only the requester's manager (manager tier) or an admin; others get 404, the requester 403",
    ),
    Case(route="recognition:manage", url=lambda w: reverse("recognition:manage"), allowed=ADMIN, ok=(200,)),
    Case(
        route="recognition:rule_save",
        method="POST",
        url=lambda w: reverse("recognition:rule_save"),
        data=rule_form,
        allowed=ADMIN,
        ok=(302,),
    ),
    Case(
        route="recognition:rule_active",
        method="POST",
        url=lambda w: reverse("recognition:rule_active", args=[a_rule(w)]),
        data=lambda w: {"active": "off"},
        allowed=ADMIN,
        ok=(302,),
    ),
    Case(
        route="recognition:rules_apply",
        method="POST",
        url=lambda w: reverse("recognition:rules_apply"),
        allowed=ADMIN,
        ok=(302,),
    ),
    Case(
        route="recognition:reward_save",
        method="POST",
        url=lambda w: reverse("recognition:reward_save"),
        data=lambda w: {"name": "Book", "cost": "40"},
        allowed=ADMIN,
        ok=(302,),
    ),
    Case(
        route="recognition:budget_fund",
        method="POST",
        url=lambda w: reverse("recognition:budget_fund"),
        data=lambda w: {"unit": str(w.unit.pk), "amount": "100"},
        allowed=ADMIN,
        ok=(302,),
    ),
    Case(
        route="recognition:policy_save",
        method="POST",
        url=lambda w: reverse("recognition:policy_save"),
        data=lambda w: {"scope": "everyone", "amount": "80", "per_recipient_cap": "30"},
        allowed=ADMIN,
        ok=(302,),
    ),
    Case(
        route="recognition:correction",
        method="POST",
        url=lambda w: reverse("recognition:correction"),
        data=lambda w: {"person": str(w.member.pk), "account_kind": "points", "amount": "5", "reason": "Missed"},
        allowed=ADMIN,
        ok=(302,),
    ),
    Case(route="recognition:flags", url=lambda w: reverse("recognition:flags"), allowed=ADMIN, ok=(200,)),
    Case(
        route="recognition:flags_detect",
        method="POST",
        url=lambda w: reverse("recognition:flags_detect"),
        allowed=ADMIN,
        ok=(302,),
    ),
    Case(
        route="recognition:flag_dismiss",
        method="POST",
        url=lambda w: reverse("recognition:flag_dismiss", args=[flag(w)]),
        allowed=ADMIN,
        ok=(302,),
    ),
    # --- API
    Case(
        route="GET /api/v1/recognition/kudos",
        url=lambda w: "/api/v1/recognition/kudos",
        allowed=INTERNAL,
        ok=(200,),
        extra={"secrets": private_kudos_secret},
    ),
    Case(
        route="POST /api/v1/recognition/kudos",
        method="POST",
        url=lambda w: "/api/v1/recognition/kudos",
        data=lambda w: {"recipient_id": stranger(w), "amount": 5, "message": "Thanks"},
        allowed=INTERNAL,
        ok=(201,),
    ),
    Case(
        route="POST /api/v1/recognition/kudos/{kudos_id}/reactions",
        method="POST",
        url=lambda w: f"/api/v1/recognition/kudos/{public_kudos(w)}/reactions",
        data=lambda w: {"emoji": "bulb"},
        allowed=INTERNAL,
        ok=(200,),
    ),
    Case(
        route="GET /api/v1/recognition/balances",
        url=lambda w: "/api/v1/recognition/balances",
        allowed=INTERNAL,
        ok=(200,),
    ),
    Case(
        route="GET /api/v1/recognition/statement",
        url=lambda w: "/api/v1/recognition/statement",
        allowed=INTERNAL,
        ok=(200,),
    ),
    Case(
        route="GET /api/v1/recognition/leaderboard",
        url=lambda w: "/api/v1/recognition/leaderboard",
        allowed=INTERNAL,
        ok=(200,),
    ),
    Case(
        route="PUT /api/v1/recognition/leaderboard/opt-out",
        method="PUT",
        url=lambda w: "/api/v1/recognition/leaderboard/opt-out",
        data=lambda w: {"opt_out": True},
        allowed=INTERNAL,
        ok=(200,),
    ),
    Case(
        route="GET /api/v1/recognition/rewards",
        url=lambda w: "/api/v1/recognition/rewards",
        allowed=INTERNAL,
        ok=(200,),
    ),
    Case(
        route="POST /api/v1/recognition/rewards",
        method="POST",
        url=lambda w: "/api/v1/recognition/rewards",
        data=lambda w: {"name": "Book", "cost": 40},
        allowed=ADMIN,
        ok=(201,),
    ),
    Case(
        route="POST /api/v1/recognition/redemptions",
        method="POST",
        url=lambda w: "/api/v1/recognition/redemptions",
        data=lambda w: {"reward_id": redeemable(w)},
        allowed=INTERNAL,
        ok=(201,),
    ),
    Case(
        route="GET /api/v1/recognition/redemptions",
        url=lambda w: "/api/v1/recognition/redemptions",
        allowed=INTERNAL,
        ok=(200,),
    ),
    Case(
        route="GET /api/v1/recognition/approvals",
        url=lambda w: "/api/v1/recognition/approvals",
        allowed=INTERNAL,
        ok=(200,),
    ),
    Case(
        route="POST /api/v1/recognition/redemptions/{redemption_id}/decision",
        method="POST",
        url=lambda w: f"/api/v1/recognition/redemptions/{pending_redemption(w)}/decision",
        data=lambda w: {"approve": True},
        allowed=ADMIN,
        ok=(200,),
    ),
    Case(route="GET /api/v1/recognition/rules", url=lambda w: "/api/v1/recognition/rules", allowed=ADMIN, ok=(200,)),
    Case(
        route="POST /api/v1/recognition/rules",
        method="POST",
        url=lambda w: "/api/v1/recognition/rules",
        data=lambda w: {
            "name": "Loop closed",
            "event_kind": "feedback.closed_within_sla",
            "beneficiary": "actor",
            "points": 15,
        },
        allowed=ADMIN,
        ok=(201,),
    ),
    Case(
        route="POST /api/v1/recognition/rules/apply",
        method="POST",
        url=lambda w: "/api/v1/recognition/rules/apply",
        allowed=ADMIN,
        ok=(200,),
    ),
    Case(
        route="POST /api/v1/recognition/corrections",
        method="POST",
        url=lambda w: "/api/v1/recognition/corrections",
        data=lambda w: {"person_id": w.member.pk, "amount": 5, "reason": "Missed award"},
        allowed=ADMIN,
        ok=(201,),
    ),
    Case(route="GET /api/v1/recognition/flags", url=lambda w: "/api/v1/recognition/flags", allowed=ADMIN, ok=(200,)),
    Case(
        route="GET /api/v1/recognition/insights/tags",
        url=lambda w: "/api/v1/recognition/insights/tags",
        allowed=LEADERS,
        ok=(200,),
    ),
]
