"""Routes of the vocabulary: employees read, admins edit and import."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import CompanyValueFactory, SegmentFactory
from tests.matrix import ADMIN, INTERNAL, Case


def segment_id(world) -> int:
    return SegmentFactory(name="Small business", slug="small-business").pk


def value_id(world) -> int:
    return CompanyValueFactory(name="Customer first", slug="customer-first").pk


def vocabulary_file(world) -> dict:
    content = b"kind,name,parent,synonyms\ntopic,Onboarding,pricing,first week\nsegment,Enterprise,,\n"
    return {"action": "preview", "file": SimpleUploadedFile("vocabulary.csv", content, content_type="text/csv")}


CASES = [
    Case(route="vocabulary:index", url=lambda w: reverse("vocabulary:index"), allowed=INTERNAL, ok=(200,)),
    Case(route="vocabulary:topic_create", url=lambda w: reverse("vocabulary:topic_create"), allowed=ADMIN, ok=(200,)),
    Case(
        route="vocabulary:topic_create",
        method="POST",
        url=lambda w: reverse("vocabulary:topic_create"),
        data=lambda w: {"name": "Onboarding", "synonyms": "first week; activation", "parent": w.topic.pk},
        allowed=ADMIN,
        ok=(302,),
    ),
    Case(
        route="vocabulary:topic_edit",
        url=lambda w: reverse("vocabulary:topic_edit", args=[w.topic.pk]),
        allowed=ADMIN,
        ok=(200,),
    ),
    Case(
        route="vocabulary:topic_edit",
        method="POST",
        url=lambda w: reverse("vocabulary:topic_edit", args=[w.topic.pk]),
        data=lambda w: {"name": "Pricing", "slug": "pricing", "synonyms": "price; discounts"},
        allowed=ADMIN,
        ok=(302,),
    ),
    Case(
        route="vocabulary:topic_delete",
        method="POST",
        url=lambda w: reverse("vocabulary:topic_delete", args=[w.topic.pk]),
        allowed=ADMIN,
        ok=(302,),
    ),
    Case(
        route="vocabulary:segment_create", url=lambda w: reverse("vocabulary:segment_create"), allowed=ADMIN, ok=(200,)
    ),
    Case(
        route="vocabulary:segment_create",
        method="POST",
        url=lambda w: reverse("vocabulary:segment_create"),
        data=lambda w: {"name": "Enterprise"},
        allowed=ADMIN,
        ok=(302,),
    ),
    Case(
        route="vocabulary:segment_edit",
        url=lambda w: reverse("vocabulary:segment_edit", args=[segment_id(w)]),
        allowed=ADMIN,
        ok=(200,),
    ),
    Case(
        route="vocabulary:segment_edit",
        method="POST",
        url=lambda w: reverse("vocabulary:segment_edit", args=[segment_id(w)]),
        data=lambda w: {"name": "Small and medium business", "slug": "small-business"},
        allowed=ADMIN,
        ok=(302,),
    ),
    Case(
        route="vocabulary:segment_delete",
        method="POST",
        url=lambda w: reverse("vocabulary:segment_delete", args=[segment_id(w)]),
        allowed=ADMIN,
        ok=(302,),
    ),
    Case(route="vocabulary:value_create", url=lambda w: reverse("vocabulary:value_create"), allowed=ADMIN, ok=(200,)),
    Case(
        route="vocabulary:value_create",
        method="POST",
        url=lambda w: reverse("vocabulary:value_create"),
        data=lambda w: {"name": "Learn from peers"},
        allowed=ADMIN,
        ok=(302,),
    ),
    Case(
        route="vocabulary:value_edit",
        url=lambda w: reverse("vocabulary:value_edit", args=[value_id(w)]),
        allowed=ADMIN,
        ok=(200,),
    ),
    Case(
        route="vocabulary:value_edit",
        method="POST",
        url=lambda w: reverse("vocabulary:value_edit", args=[value_id(w)]),
        data=lambda w: {"name": "Customers first", "slug": "customer-first"},
        allowed=ADMIN,
        ok=(302,),
    ),
    Case(
        route="vocabulary:value_delete",
        method="POST",
        url=lambda w: reverse("vocabulary:value_delete", args=[value_id(w)]),
        allowed=ADMIN,
        ok=(302,),
    ),
    Case(route="vocabulary:import", url=lambda w: reverse("vocabulary:import"), allowed=ADMIN, ok=(200,)),
    Case(
        route="vocabulary:import",
        method="POST",
        url=lambda w: reverse("vocabulary:import"),
        data=vocabulary_file,
        multipart=True,
        allowed=ADMIN,
        ok=(200,),
    ),
    Case(route="GET /api/v1/topics", url=lambda w: "/api/v1/topics", allowed=INTERNAL, ok=(200,)),
    Case(
        route="GET /api/v1/topics/{topic_id}",
        url=lambda w: f"/api/v1/topics/{w.topic.pk}",
        allowed=INTERNAL,
        ok=(200,),
    ),
    Case(
        route="POST /api/v1/topics",
        method="POST",
        url=lambda w: "/api/v1/topics",
        data=lambda w: {"name": "Churn", "synonyms": ["attrition"], "parent_id": w.topic.pk},
        allowed=ADMIN,
        ok=(201,),
    ),
    Case(
        route="PATCH /api/v1/topics/{topic_id}",
        method="PATCH",
        url=lambda w: f"/api/v1/topics/{w.topic.pk}",
        data=lambda w: {"synonyms": ["price", "discounts"]},
        allowed=ADMIN,
        ok=(200,),
    ),
    Case(route="GET /api/v1/segments", url=lambda w: "/api/v1/segments", allowed=INTERNAL, ok=(200,)),
    Case(route="GET /api/v1/values", url=lambda w: "/api/v1/values", allowed=INTERNAL, ok=(200,)),
]
