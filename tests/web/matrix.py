"""Routes of the web shell: home, job pages, the admin hub and the audit log."""

from django.urls import reverse

from peerloop.core.services import audit_record, job_create
from tests.matrix import ADMIN, EVERYONE_LOGGED_IN, Case

AUDIT_MARKER = "Rotated the badge printer key"
JOB_LABEL = "Export of the admin's directory"


def admin_job(world) -> str:
    job = job_create(kind="people.export", label=JOB_LABEL, started_by_id=world.admin.user_id)
    return reverse("web:job", args=[job.pk])


def audit_url(world) -> str:
    audit_record(actor=None, action="key.rotate", object_repr=AUDIT_MARKER)
    return reverse("web:audit")


CASES = [
    Case(route="web:home", url=lambda world: reverse("web:home"), allowed=EVERYONE_LOGGED_IN, ok=(200,)),
    Case(route="web:job", url=admin_job, allowed=ADMIN, ok=(200,), extra={"secrets": (JOB_LABEL,)}),
    Case(route="web:admin", url=lambda world: reverse("web:admin"), allowed=ADMIN, ok=(200,)),
    Case(route="web:audit", url=audit_url, allowed=ADMIN, ok=(200,), extra={"secrets": (AUDIT_MARKER,)}),
]
