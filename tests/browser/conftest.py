"""Real-browser journeys: Playwright (sync API) driving Debian's Chromium against
pytest-django's live server, on the demo organization.

Without /usr/bin/chromium the journeys are skipped, unless PEERLOOP_REQUIRE_BROWSER=1
(CI sets it), where a missing browser fails them. Screenshots of each step go to
PEERLOOP_SCREENSHOT_DIR, or to a temporary directory printed at the end of the run.
"""

from collections.abc import Callable, Iterator
import os
from pathlib import Path
import re

from django.urls import reverse
import pytest

from peerloop.demo.generator import DEMO_PASSWORD
from peerloop.demo.load import LoadReport, demo_load

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def _unavailable(reason: str) -> None:
    if os.environ.get("PEERLOOP_REQUIRE_BROWSER") == "1":
        pytest.fail(f"PEERLOOP_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    """One Chromium for the whole run."""
    if not CHROMIUM.exists():
        _unavailable(f"Debian's Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is a dev dependency
        _unavailable("the playwright package is not installed")
    # The sync API runs an event loop in this thread; the tests' own ORM calls are
    # still synchronous, so Django's async-safety guard must not refuse them.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def expect(chromium):  # type: ignore[no-untyped-def]
    """Playwright's ``expect`` (imported only once the browser is known to be there)."""
    from playwright.sync_api import expect

    return expect


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    configured = os.environ.get("PEERLOOP_SCREENSHOT_DIR")
    if configured:
        path = Path(configured)
        path.mkdir(parents=True, exist_ok=True)
        return path
    return tmp_path_factory.mktemp("browser-screenshots")


@pytest.fixture
def demo(transactional_db) -> LoadReport:
    """A small demo organization (same shape as the default one), loaded through the services."""
    return demo_load(seed=7, people=300)


class Journey:
    """A page in a browser context, with helpers to log in and keep a screenshot of each step."""

    def __init__(self, page, base_url: str, shots: Path, name: str) -> None:  # type: ignore[no-untyped-def]
        self.page = page
        self.base_url = base_url
        self.shots = shots
        self.name = name
        self.step = 0

    def url(self, name: str, *args: object, **kwargs: object) -> str:
        return self.base_url + reverse(name, args=args or None, kwargs=kwargs or None)

    def goto(self, name: str, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        return self.page.goto(self.url(name, *args, **kwargs))

    def shot(self, label: str) -> Path:
        self.step += 1
        path = self.shots / f"{self.name}-{self.step:02d}-{label}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def log_in(self, email: str, password: str = DEMO_PASSWORD) -> None:
        from playwright.sync_api import expect

        self.goto("accounts:login")
        self.page.get_by_label("Email").fill(email)
        self.page.get_by_label("Password").fill(password)
        self.shot("login")
        self.page.get_by_role("button", name="Log in").click()
        expect(self.page).not_to_have_url(re.compile(r"/accounts/login/"))


@pytest.fixture
def journey(chromium, live_server, screenshot_dir, request) -> Iterator[Callable[..., Journey]]:
    """``journey(viewport=PHONE)`` opens a fresh browser context (its own cookies)."""
    contexts = []

    def _open(viewport: dict | None = None) -> Journey:
        context = chromium.new_context(viewport=viewport or DESKTOP)  # type: ignore[attr-defined]
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return Journey(page, live_server.url, screenshot_dir, request.node.name)

    yield _open
    for context in contexts:
        context.close()


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # type: ignore[no-untyped-def]
    factory = getattr(config, "_tmp_path_factory", None)
    shots = sorted(Path(factory.getbasetemp()).glob("browser-screenshots*")) if factory else []
    where = os.environ.get("PEERLOOP_SCREENSHOT_DIR") or (str(shots[-1]) if shots else "")
    if where and any(Path(where).glob("*.png")):
        terminalreporter.write_line(f"browser screenshots: {where}")
