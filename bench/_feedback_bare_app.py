"""Peerloop's WSGI application with the bare reference view of bench_feedback_api.py
mounted beside its own URLs (``POST /api/bare/``): the in-process client uses it, and
granian serves it in ``--served`` runs. Nothing else of Peerloop is changed."""

import json
import os
from pathlib import Path
import sys
import types
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerloop.settings")


def mount() -> None:
    """Serve ``/api/bare/`` beside Peerloop's URLs (Django set up already)."""
    from django.conf import settings
    from django.http import HttpRequest, JsonResponse
    from django.urls import clear_url_caches, path
    from django.utils import timezone
    from django.views.decorators.csrf import csrf_exempt

    from peerloop import urls as peerloop_urls
    from peerloop.feedback.models import FeedbackItem
    from peerloop.feedback.services.sources import source_for_kind
    from peerloop.people.models import Region

    known: dict[str, Any] = {}

    @csrf_exempt
    def bare(request: HttpRequest) -> JsonResponse:
        """Parse the JSON and insert the same row, in autocommit: the floor of the API."""
        if not known:  # read once (both before either is set: threads share this)
            source, regions = source_for_kind(kind="api").pk, dict(Region.objects.values_list("code", "id"))
            known.update(source=source, regions=regions)
        body = json.loads(request.body)["items"][0]
        item = FeedbackItem.objects.create(
            source_id=known["source"], text=body["text"], score=body["score"],
            region_id=known["regions"][body["region"]], idempotency_key=body["idempotency_key"],
            received_at=timezone.now(),
        )  # fmt: skip
        return JsonResponse({"id": item.pk, "state": item.state}, status=201)

    module = types.ModuleType("feedback_bench_urls")
    module.urlpatterns = [path("api/bare/", bare), *peerloop_urls.urlpatterns]  # type: ignore[attr-defined]
    sys.modules[module.__name__] = module
    settings.ROOT_URLCONF = module.__name__
    clear_url_caches()


def __getattr__(name: str) -> Any:
    """``application``, built on first use, so importing this module sets nothing up."""
    if name != "application":
        raise AttributeError(name)
    from django.core.wsgi import get_wsgi_application

    app = get_wsgi_application()
    mount()
    globals()["application"] = app
    return app
