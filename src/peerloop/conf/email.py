"""Email settings: the console by default, SMTP when EMAIL_HOST is set."""

from typing import Any

from peerloop.conf import env, env_bool


def email() -> dict[str, Any]:
    host = env("EMAIL_HOST")
    settings: dict[str, Any] = {
        "DEFAULT_FROM_EMAIL": env("DEFAULT_FROM_EMAIL", "Peerloop <peerloop@localhost>"),
    }
    if not host:
        settings["EMAIL_BACKEND"] = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
        return settings
    settings.update(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST=host,
        EMAIL_PORT=int(env("EMAIL_PORT", "25") or 25),
        EMAIL_HOST_USER=env("EMAIL_HOST_USER", "") or "",
        EMAIL_HOST_PASSWORD=env("EMAIL_HOST_PASSWORD", "") or "",
        EMAIL_USE_TLS=env_bool("EMAIL_USE_TLS", False),
        EMAIL_TIMEOUT=10,
    )
    return settings
