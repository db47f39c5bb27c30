"""A test-only API mounted at /api/test/ beside Peerloop's own URLs: it shares the
authentication and error handling of /api/v1 and fails on purpose."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import HttpRequest
from django.urls import path
from ninja import Field, File, Router, Schema
from ninja.files import UploadedFile

from peerloop.api.setup import new_api
from peerloop.core.permissions import require_write
from peerloop.urls import handler400
from peerloop.urls import urlpatterns as peerloop_urlpatterns

router = Router()


class EchoIn(Schema):
    name: str = Field(max_length=50)
    count: int = Field(ge=0, le=1000)


@router.post("/echo", response=EchoIn)
def echo(request: HttpRequest, payload: EchoIn):
    require_write(request.actor)  # type: ignore[attr-defined]
    return payload


@router.post("/service-error")
def service_error(request: HttpRequest):
    raise ValidationError({"name": "This name is taken.", "__all__": "Nothing was saved."})


@router.post("/conflict")
def conflict(request: HttpRequest):
    raise IntegrityError("UNIQUE constraint failed: people_person.email")


@router.get("/boom")
def boom(request: HttpRequest):
    raise RuntimeError("a bug with a secret: sk_live_123")


@router.post("/upload")
def upload(request: HttpRequest, file: UploadedFile = File(...)):  # noqa: B008
    return {"size": file.size}


@router.post("/people/import")
def import_upload(request: HttpRequest, file: UploadedFile = File(...)):  # noqa: B008
    return {"size": file.size}


test_api = new_api(namespace="api-test")
test_api.add_router("/", router)

urlpatterns = [path("api/test/", test_api.urls), *peerloop_urlpatterns]
__all__ = ["handler400", "urlpatterns"]
