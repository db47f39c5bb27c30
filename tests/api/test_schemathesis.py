"""schemathesis over the whole OpenAPI document, in-process through the WSGI app, as a
member, a guest and an admin (each with a write token of their own).

Every generated request (valid and invalid) must get an answer that is not a server
error, whose status code and content type the document declares, and whose body
matches the declared schema. ``PEERLOOP_SCHEMATHESIS_EXAMPLES`` sets the examples
per operation and role (25 by default; RELIABILITY.md asks 100, which CI may set).
"""

import os

from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from peerloop.accounts.services import api_token_create
from peerloop.core.roles import SYSTEM
from peerloop.wsgi import application

EXAMPLES = int(os.environ.get("PEERLOOP_SCHEMATHESIS_EXAMPLES", "25"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Calling the WSGI app in-process fires request_started/finished, whose
    close_old_connections would close the test transaction's connection (PostgreSQL);
    Django's own test client disconnects it the same way."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(world, role) -> dict[str, str]:
    """Headers of a write token of the role's account, made once per operation."""
    _, secret = api_token_create(actor=SYSTEM, user=world.person(role).user, name="schemathesis", scope="write")
    return {"Authorization": f"Bearer {secret}"}


@pytest.mark.parametrize("role", ["member", "guest", "admin"])
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    print_blob=True,
)
def test_api_answers_every_request_without_a_server_error(case, role, bearer):
    case.call_and_validate(headers=bearer, checks=CHECKS)
