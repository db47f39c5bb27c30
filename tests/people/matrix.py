"""Routes of the directory: people, profiles, the org chart, import and export."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.matrix import ADMIN, INTERNAL, Case

GOOD_CSV = b"email,name,title\nnew.person@example.org,New Person,Analyst\n"


def upload(world) -> dict:
    return {"file": SimpleUploadedFile("people.csv", GOOD_CSV, content_type="text/csv")}


def apply_data(world) -> dict:
    # A token that names no preview: the admin is sent back to the upload form, others are refused.
    return {"token": "00000000000000000000000000000000"}


CASES = [
    Case(route="people:directory", url=lambda world: reverse("people:directory"), allowed=INTERNAL, ok=(200,)),
    Case(
        route="people:profile",
        url=lambda world: reverse("people:profile", args=[world.leader.pk]),
        allowed=INTERNAL,
        ok=(200,),
    ),
    Case(route="people:orgchart", url=lambda world: reverse("people:orgchart"), allowed=INTERNAL, ok=(200,)),
    Case(
        route="people:orgchart_reports",
        url=lambda world: reverse("people:orgchart_reports", args=[world.leader.pk]),
        allowed=INTERNAL,
        ok=(302,),
        note="without htmx the partial redirects to the chart rooted at the person",
    ),
    Case(route="people:import", url=lambda world: reverse("people:import"), allowed=ADMIN, ok=(200,)),
    Case(
        route="people:import",
        url=lambda world: reverse("people:import"),
        method="POST",
        data=upload,
        multipart=True,
        allowed=ADMIN,
        ok=(200,),
    ),
    Case(
        route="people:import_apply",
        url=lambda world: reverse("people:import_apply"),
        method="POST",
        data=apply_data,
        allowed=ADMIN,
        ok=(302,),
        note="no preview behind the token: the admin is sent back to upload again",
    ),
    Case(route="people:export", url=lambda world: reverse("people:export"), allowed=ADMIN, ok=(200,)),
    Case(route="GET /api/v1/people", url=lambda world: "/api/v1/people", allowed=INTERNAL, ok=(200,)),
    Case(
        route="GET /api/v1/people/{person_id}",
        url=lambda world: f"/api/v1/people/{world.leader.pk}",
        allowed=INTERNAL,
        ok=(200,),
    ),
    Case(route="GET /api/v1/units", url=lambda world: "/api/v1/units", allowed=INTERNAL, ok=(200,)),
    Case(
        route="GET /api/v1/units/{unit_id}",
        url=lambda world: f"/api/v1/units/{world.unit.pk}",
        allowed=INTERNAL,
        ok=(200,),
    ),
    Case(route="GET /api/v1/regions", url=lambda world: "/api/v1/regions", allowed=INTERNAL, ok=(200,)),
    Case(
        route="GET /api/v1/regions/{region_id}",
        url=lambda world: f"/api/v1/regions/{world.region.pk}",
        allowed=INTERNAL,
        ok=(200,),
    ),
    Case(
        route="POST /api/v1/people/import",
        url=lambda world: "/api/v1/people/import",
        method="POST",
        data=lambda world: {"rows": [{"email": "api.person@example.org", "name": "Api Person"}], "dry_run": True},
        allowed=ADMIN,
        ok=(200,),
    ),
]
