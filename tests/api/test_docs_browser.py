"""The API docs page works in a real Chromium with no network beyond Peerloop itself,
under Peerloop's Content-Security-Policy, and can call the API with the session."""

from collections.abc import Iterator
import os
from pathlib import Path

from django.conf import settings
from django.test import Client
import pytest

from peerloop.core.services import audit_record

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        reason = f"Debian's Chromium is not installed at {CHROMIUM}"
        if os.environ.get("PEERLOOP_REQUIRE_BROWSER") == "1":
            pytest.fail(f"PEERLOOP_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def test_docs_load_offline_under_the_csp_and_call_the_api(browser, live_server, world):
    audit_record(actor=None, action="docs.check", object_repr="seen through the docs")
    client = Client()
    client.force_login(world.admin.user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value

    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    host = live_server.url.split("//", 1)[1].split(":")[0]
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "domain": host, "path": "/"}])
    page = context.new_page()
    problems: list[str] = []
    outside: list[str] = []
    page.on("console", lambda message: message.type in ("error", "warning") and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))

    def only_peerloop(route):
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_peerloop)
    response = page.goto(f"{live_server.url}/api/v1/docs")
    assert response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector(".opblock")
    assert page.locator(".opblock").count() >= 3

    operation = page.locator("#operations-core-peerloop_core_api_audit")
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    page.wait_for_selector("#operations-core-peerloop_core_api_audit .live-responses-table .response-col_status")
    status = operation.locator(".live-responses-table tbody .response-col_status").first.inner_text()
    body = operation.locator(".live-responses-table .microlight").first.inner_text()
    context.close()

    assert status.strip() == "200"
    assert "seen through the docs" in body
    assert outside == []
    assert problems == []
