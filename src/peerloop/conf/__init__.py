"""Settings for each integration, read from the environment (12-factor).

Each module returns plain values; `peerloop.settings` assembles them. A production
profile fails fast when a variable it needs is missing, instead of falling back to
an unsafe default.
"""

import os
from pathlib import Path


class ConfigurationError(RuntimeError):
    """A required setting is missing or malformed."""


PROFILES = ("dev", "test", "production")


def profile() -> str:
    value = os.environ.get("PEERLOOP_PROFILE", "dev")
    if value not in PROFILES:
        raise ConfigurationError(f"PEERLOOP_PROFILE must be one of {', '.join(PROFILES)}, not {value!r}")
    return value


def env(name: str, default: str | None = None, *, required_in_production: bool = False) -> str | None:
    value = os.environ.get(name)
    if value:
        return value
    if required_in_production and profile() == "production":
        raise ConfigurationError(f"{name} must be set in the production profile")
    return default


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ConfigurationError(f"{name} must be true or false, not {value!r}")


def data_dir() -> Path:
    """Where the embedded database, queue and uploaded files live by default."""
    path = Path(env("PEERLOOP_DATA_DIR", str(Path.cwd() / "var")) or "var").resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path
