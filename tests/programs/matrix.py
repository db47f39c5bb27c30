"""Routes of programs and metrics: employees read; program owners and admins create;
a program's owner (world.program_owner owns world.program) or an admin changes it."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from peerloop.programs.models import Kpi
from tests.matrix import INTERNAL, OWNERS, Case


def program_form(world) -> dict:
    return {
        "name": "Peer pairs across regions",
        "objective": "Regional leads learn from each other",
        "mechanisms": ["matching", "discussions"],
        "owner": world.program_owner.email,
        "sponsor": world.leader.email,
        "audience_kind": "filter",
        "levels": ["4", "5"],
        "status": "draft",
    }


def kpi_metric(world) -> int:
    Kpi.objects.get_or_create(program=world.program, metric=world.metric, defaults={"target": 50})
    return world.metric.pk


def values_file(world) -> dict:
    content = f"metric,unit,period_start,period_end,value\nnps,{world.unit.code},2026-01-01,2026-01-31,42\n".encode()
    return {"action": "preview", "file": SimpleUploadedFile("values.csv", content, content_type="text/csv")}


CASES = [
    Case(route="programs:list", url=lambda w: reverse("programs:list"), allowed=INTERNAL, ok=(200,)),
    Case(
        route="programs:detail",
        url=lambda w: reverse("programs:detail", args=[w.program.pk]),
        allowed=INTERNAL,
        ok=(200,),
    ),
    Case(route="programs:create", url=lambda w: reverse("programs:create"), allowed=OWNERS, ok=(200,)),
    Case(route="programs:templates", url=lambda w: reverse("programs:templates"), allowed=OWNERS, ok=(200,)),
    Case(route="GET /api/v1/programs/templates", url=lambda w: "/api/v1/programs/templates", allowed=OWNERS, ok=(200,)),
    Case(
        route="programs:create",
        method="POST",
        url=lambda w: reverse("programs:create"),
        data=program_form,
        allowed=OWNERS,
        ok=(302,),
    ),
    Case(route="programs:edit", url=lambda w: reverse("programs:edit", args=[w.program.pk]), allowed=OWNERS, ok=(200,)),
    Case(
        route="programs:edit",
        method="POST",
        url=lambda w: reverse("programs:edit", args=[w.program.pk]),
        data=program_form,
        allowed=OWNERS,
        ok=(302,),
    ),
    Case(
        route="programs:status",
        method="POST",
        url=lambda w: reverse("programs:status", args=[w.program.pk]),
        data=lambda w: {"status": "active"},
        allowed=OWNERS,
        ok=(302,),
    ),
    Case(
        route="programs:kpi_set",
        method="POST",
        url=lambda w: reverse("programs:kpi_set", args=[w.program.pk]),
        data=lambda w: {"metric": w.metric.pk, "baseline": "30", "target": "50"},
        allowed=OWNERS,
        ok=(302,),
    ),
    Case(
        route="programs:kpi_remove",
        method="POST",
        url=lambda w: reverse("programs:kpi_remove", args=[w.program.pk, kpi_metric(w)]),
        allowed=OWNERS,
        ok=(302,),
    ),
    Case(route="programs:metrics", url=lambda w: reverse("programs:metrics"), allowed=INTERNAL, ok=(200,)),
    Case(route="programs:metric_create", url=lambda w: reverse("programs:metric_create"), allowed=OWNERS, ok=(200,)),
    Case(
        route="programs:metric_create",
        method="POST",
        url=lambda w: reverse("programs:metric_create"),
        data=lambda w: {"code": "time-to-close", "name": "Time to close", "direction": "lower", "unit_label": "days"},
        allowed=OWNERS,
        ok=(302,),
    ),
    Case(
        route="programs:metric_edit",
        url=lambda w: reverse("programs:metric_edit", args=[w.metric.pk]),
        allowed=OWNERS,
        ok=(200,),
    ),
    Case(
        route="programs:metric_edit",
        method="POST",
        url=lambda w: reverse("programs:metric_edit", args=[w.metric.pk]),
        data=lambda w: {"name": "NPS", "direction": "higher", "unit_label": "", "description": ""},
        allowed=OWNERS,
        ok=(302,),
    ),
    Case(route="programs:metric_import", url=lambda w: reverse("programs:metric_import"), allowed=OWNERS, ok=(200,)),
    Case(
        route="programs:metric_import",
        method="POST",
        url=lambda w: reverse("programs:metric_import"),
        data=values_file,
        multipart=True,
        allowed=OWNERS,
        ok=(200,),
    ),
    Case(route="GET /api/v1/programs", url=lambda w: "/api/v1/programs", allowed=INTERNAL, ok=(200,)),
    Case(
        route="POST /api/v1/programs",
        method="POST",
        url=lambda w: "/api/v1/programs",
        data=lambda w: {
            "name": "Peer pairs",
            "objective": "Learn across regions",
            "owner_id": w.program_owner.pk,
            "mechanisms": ["matching"],
            "audience_filter": {"levels": [4, 5]},
        },
        allowed=OWNERS,
        ok=(201,),
    ),
    Case(
        route="GET /api/v1/programs/{program_id}",
        url=lambda w: f"/api/v1/programs/{w.program.pk}",
        allowed=INTERNAL,
        ok=(200,),
    ),
    Case(
        route="PATCH /api/v1/programs/{program_id}",
        method="PATCH",
        url=lambda w: f"/api/v1/programs/{w.program.pk}",
        data=lambda w: {"expected_outcomes": "Shorter time to close", "status": "active"},
        allowed=OWNERS,
        ok=(200,),
    ),
    Case(
        route="GET /api/v1/programs/{program_id}/kpis",
        url=lambda w: f"/api/v1/programs/{w.program.pk}/kpis",
        allowed=INTERNAL,
        ok=(200,),
    ),
    Case(
        route="PUT /api/v1/programs/{program_id}/kpis",
        method="PUT",
        url=lambda w: f"/api/v1/programs/{w.program.pk}/kpis",
        data=lambda w: {"kpis": [{"metric_id": w.metric.pk, "target": 50, "baseline": 30}]},
        allowed=OWNERS,
        ok=(200,),
    ),
    Case(route="GET /api/v1/metrics", url=lambda w: "/api/v1/metrics", allowed=INTERNAL, ok=(200,)),
    Case(
        route="POST /api/v1/metrics",
        method="POST",
        url=lambda w: "/api/v1/metrics",
        data=lambda w: {"code": "time-to-close", "name": "Time to close", "direction": "lower"},
        allowed=OWNERS,
        ok=(201,),
    ),
    Case(
        route="GET /api/v1/metrics/{metric_id}/values",
        url=lambda w: f"/api/v1/metrics/{w.metric.pk}/values",
        allowed=INTERNAL,
        ok=(200,),
    ),
    Case(
        route="POST /api/v1/metric-values/import",
        method="POST",
        url=lambda w: "/api/v1/metric-values/import",
        data=lambda w: {
            "rows": [
                {
                    "metric": "nps",
                    "unit": w.unit.code,
                    "period_start": "2026-01-01",
                    "period_end": "2026-01-31",
                    "value": 42,
                }
            ],
            "dry_run": False,
        },
        allowed=OWNERS,
        ok=(200,),
    ),
]
