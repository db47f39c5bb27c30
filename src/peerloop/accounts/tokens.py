"""API token secrets: generated once, stored as a SHA-256 digest, compared by digest lookup."""

import hashlib
import secrets

TOKEN_PREFIX = "pl_"


def token_generate() -> tuple[str, str, str]:
    """Return (secret shown once, lookup prefix, digest to store)."""
    body = secrets.token_urlsafe(32)
    secret = f"{TOKEN_PREFIX}{body}"
    return secret, body[:8], token_digest(secret)


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
