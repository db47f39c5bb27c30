"""Routes of the shared kernel: the interaction stream, jobs, the audit log, the API docs."""

from django.urls import reverse

from peerloop.core.services import audit_record, interaction_record, job_create
from tests.matrix import ADMIN, PUBLIC, Case

JOB_LABEL = "Import of the Jakarta sales ledger"
AUDIT_MARKER = "Rotated the payroll export key"


def member_job(world) -> str:
    """A job the member started (another person's job is a 404)."""
    return str(job_create(kind="people.import", label=JOB_LABEL, started_by_id=world.member.user_id).pk)


def interactions_url(world) -> str:
    interaction_record(kind="space.post", actor_id=world.member.pk, target_ids=[world.leader.pk])
    return "/api/v1/interactions"


def audit_url(world) -> str:
    audit_record(actor=None, action="export.key_rotate", object_repr=AUDIT_MARKER)
    return "/api/v1/audit"


CASES = [
    Case(
        route="GET /api/v1/interactions",
        url=interactions_url,
        allowed=frozenset({"leader", "admin"}),
        ok=(200,),
    ),
    Case(
        route="GET /api/v1/jobs/{job_id}",
        url=lambda world: f"/api/v1/jobs/{member_job(world)}",
        allowed=frozenset({"member", "admin"}),
        ok=(200,),
        extra={"secrets": (JOB_LABEL,)},
    ),
    Case(
        route="GET /api/v1/audit",
        url=audit_url,
        allowed=ADMIN,
        ok=(200,),
        extra={"secrets": (AUDIT_MARKER,)},
    ),
    Case(
        route="web:job",
        url=lambda world: reverse("web:job", args=[member_job(world)]),
        allowed=frozenset({"member", "admin"}),
        ok=(200,),
        extra={"secrets": (JOB_LABEL,)},
    ),
    Case(route="api-1:openapi-json", url=lambda world: reverse("api-1:openapi-json"), allowed=PUBLIC, ok=(200,)),
    Case(route="api-1:openapi-view", url=lambda world: reverse("api-1:openapi-view"), allowed=PUBLIC, ok=(200,)),
]
