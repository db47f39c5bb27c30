"""Deployment checks and the security headers of RELIABILITY.md."""

import os
from pathlib import Path
import secrets
import string
import subprocess
import sys

from django.urls import reverse
import pytest

from tests.accounts.helpers import post_login

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_check_deploy_is_clean_in_the_production_profile(tmp_path):
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PEERLOOP_", "DATABASE_URL", "REDIS_URL", "EMAIL_", "DJANGO_"))
    }
    env.update(
        PEERLOOP_PROFILE="production",
        PEERLOOP_SECRET_KEY="".join(secrets.choice(alphabet) for _ in range(60)),
        PEERLOOP_ALLOWED_HOSTS="peerloop.example.org",
        PEERLOOP_DATA_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="peerloop.settings",
    )
    script = (
        "import django; django.setup(); "
        "from django.core.management import call_command; "
        "call_command('check', '--deploy', '--fail-level', 'WARNING')"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_profile_refuses_to_start_without_a_secret(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PEERLOOP_")}
    env.update(PEERLOOP_PROFILE="production", PEERLOOP_ALLOWED_HOSTS="x.example", PEERLOOP_DATA_DIR=str(tmp_path))
    script = "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='peerloop.settings'; django.setup()"
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode != 0
    assert "PEERLOOP_SECRET_KEY must be set in the production profile" in result.stderr


def test_security_headers_on_a_page(client, world):
    response = client.get(reverse("accounts:login"))
    csp = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_pages_carry_no_inline_script_or_style(client_as, world):
    client = client_as("member")
    for url in (
        reverse("web:home"),
        reverse("spaces:list"),
        reverse("spaces:detail", args=["customer-council"]),
        reverse("accounts:tokens"),
    ):
        html = client.get(url).content.decode()
        assert "<script>" not in html and " style=" not in html and "onclick=" not in html, url
        for tag in html.split("<script")[1:]:
            assert " src=" in tag.split(">", 1)[0], url


def test_cookies_are_httponly_and_samesite(client, world):
    page = client.get(reverse("accounts:login"))
    csrf = page.cookies["csrftoken"]
    assert csrf["httponly"] is True and csrf["samesite"] == "Lax"
    post_login(client, "member@example.org")
    session = client.cookies["sessionid"]
    assert session["httponly"] is True and session["samesite"] == "Lax"


def test_forms_need_csrf(world):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("accounts:login"), {"email": "member@example.org", "password": "x"})
    assert response.status_code == 403
