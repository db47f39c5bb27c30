"""Security settings: secrets, hosts, cookies and headers."""

from typing import Any

from peerloop.conf import ConfigurationError, env, env_bool, profile


def security() -> dict[str, Any]:
    production = profile() == "production"
    secret = env("PEERLOOP_SECRET_KEY", required_in_production=True)
    if not secret:
        # Dev and test only: a fixed key is fine where nothing is private.
        secret = "dev-only-insecure-key-never-used-in-production-" + "x" * 20
    if production and len(secret) < 50:
        raise ConfigurationError("PEERLOOP_SECRET_KEY must be at least 50 characters in production")
    hosts = env("PEERLOOP_ALLOWED_HOSTS", required_in_production=True) or "127.0.0.1,localhost,testserver"
    secure = production and env_bool("PEERLOOP_HTTPS", True)
    settings: dict[str, Any] = {
        "SECRET_KEY": secret,
        "DEBUG": profile() == "dev" and env_bool("PEERLOOP_DEBUG", True),
        "ALLOWED_HOSTS": [h.strip() for h in hosts.split(",") if h.strip()],
        "CSRF_TRUSTED_ORIGINS": [
            o.strip() for o in (env("PEERLOOP_CSRF_TRUSTED_ORIGINS", "") or "").split(",") if o.strip()
        ],
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "CSRF_COOKIE_SAMESITE": "Lax",
        "CSRF_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SECURE": secure,
        "CSRF_COOKIE_SECURE": secure,
        "SECURE_SSL_REDIRECT": secure and env_bool("PEERLOOP_SSL_REDIRECT", True),
        "SECURE_HSTS_SECONDS": 31536000 if secure else 0,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": secure,
        "SECURE_HSTS_PRELOAD": secure,
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "SECURE_REFERRER_POLICY": "same-origin",
        "SECURE_CROSS_ORIGIN_OPENER_POLICY": "same-origin",
        "X_FRAME_OPTIONS": "DENY",
        "SESSION_COOKIE_AGE": 14 * 24 * 3600,
        "PASSWORD_RESET_TIMEOUT": 3600,
    }
    if secure and env_bool("PEERLOOP_BEHIND_PROXY", False):
        settings["SECURE_PROXY_SSL_HEADER"] = ("HTTP_X_FORWARDED_PROTO", "https")
    return settings
