"""Without Chromium the journeys skip, except in CI (PEERLOOP_REQUIRE_BROWSER=1) where they fail."""

import pytest

from tests.browser.conftest import _unavailable


def test_a_missing_browser_skips_locally(monkeypatch):
    monkeypatch.delenv("PEERLOOP_REQUIRE_BROWSER", raising=False)
    with pytest.raises(pytest.skip.Exception, match="Chromium is not installed"):
        _unavailable("Debian's Chromium is not installed at /usr/bin/chromium")


def test_a_missing_browser_fails_when_required(monkeypatch):
    monkeypatch.setenv("PEERLOOP_REQUIRE_BROWSER", "1")
    with pytest.raises(pytest.fail.Exception, match="PEERLOOP_REQUIRE_BROWSER=1 but Debian's Chromium"):
        _unavailable("Debian's Chromium is not installed at /usr/bin/chromium")
