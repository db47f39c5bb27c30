"""Single-item API ingest against a bare Django view that inserts the same row.

Usage: .venv/bin/python bench/bench_feedback_api.py --db postgres|sqlite [--requests N] [--runs K]

Both go through the same WSGI handler and middleware in this process (Django's test
client, one request at a time), each request committed before it answers:

- api: ``POST /api/v1/feedback/items`` with a write token and an Idempotency-Key, one item
  (token and person read, schema validated, item stored by one INSERT that resolves its
  source and region and checks its key, receipt written, answer serialized);
- bare: a view (mounted by this script only) that parses the JSON and inserts the same
  row with ``FeedbackItem.objects.create``.

Processing (tagging and routing) is left to the background worker, as in production.
Prints requests per second (median of the runs) and the ratio.
"""

import argparse
import json
from pathlib import Path
import statistics
import sys
import time
import types

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _feedback_setup as setup


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("postgres", "sqlite"), default="sqlite")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    setup.database(args.db)
    from django.conf import settings
    from django.http import HttpRequest, JsonResponse
    from django.test import Client
    from django.urls import clear_url_caches, path
    from django.utils import timezone
    from django.views.decorators.csrf import csrf_exempt

    from peerloop import urls as peerloop_urls
    from peerloop.accounts.services import api_token_create, user_ensure
    from peerloop.core.roles import SYSTEM
    from peerloop.feedback.models import FeedbackItem
    from peerloop.feedback.services.sources import source_for_kind
    from peerloop.people.models import Person

    regions = setup.organization()
    source = source_for_kind(kind="api")

    @csrf_exempt
    def bare(request: HttpRequest) -> JsonResponse:
        body = json.loads(request.body)["items"][0]
        item = FeedbackItem.objects.create(
            source_id=source.pk, text=body["text"], score=body["score"], region_id=regions[body["region"]],
            idempotency_key=body["idempotency_key"], received_at=timezone.now(),
        )  # fmt: skip
        return JsonResponse({"id": item.pk, "state": item.state}, status=201)

    module = types.ModuleType("feedback_bench_urls")
    module.urlpatterns = [path("api/bare/", bare), *peerloop_urls.urlpatterns]  # type: ignore[attr-defined]
    sys.modules[module.__name__] = module
    settings.ROOT_URLCONF = module.__name__
    clear_url_caches()

    user = user_ensure(email="ingest@example.org", role="program_owner")
    Person.objects.create(email="ingest@example.org", name="Ingest", user=user)
    _, secret = api_token_create(actor=SYSTEM, user=user, name="bench", scope="write")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    rows = setup.records(args.requests * args.runs * 2, prefix="r")
    cursor = iter(rows)

    def body() -> dict:
        r = next(cursor)
        item = {"text": r["text"], "score": float(r["score"]), "region": r["region"],
                "idempotency_key": r["idempotency_key"]}  # fmt: skip
        return {"items": [item]}

    def run_api() -> float:
        started = time.perf_counter()
        for _ in range(args.requests):
            payload = body()
            r = client.post(
                "/api/v1/feedback/items", json.dumps(payload), content_type="application/json",
                HTTP_IDEMPOTENCY_KEY=payload["items"][0]["idempotency_key"],
            )  # fmt: skip
            assert r.status_code == 201, r.content[:300]
        return time.perf_counter() - started

    def run_bare() -> float:
        started = time.perf_counter()
        for _ in range(args.requests):
            r = client.post("/api/bare/", json.dumps(body()), content_type="application/json")
            assert r.status_code == 201, r.content[:300]
        return time.perf_counter() - started

    api_times, bare_times = [], []
    for _ in range(args.runs):
        bare_times.append(run_bare())
        api_times.append(run_api())
    api = args.requests / statistics.median(api_times)
    ref = args.requests / statistics.median(bare_times)
    print(f"{args.db}: {args.requests:,} requests per run, median of {args.runs} runs, one client in process")
    print(f"  API single-item ingest: {api:,.0f} requests/s ({', '.join(f'{t:.2f} s' for t in api_times)})")
    print(f"  bare view, same row:    {ref:,.0f} requests/s ({', '.join(f'{t:.2f} s' for t in bare_times)})")
    print(f"  API / bare: {api / ref:.2f}")
    print(f"  peak memory: {setup.peak_mib():.0f} MiB")


if __name__ == "__main__":
    main()
