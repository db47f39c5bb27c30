"""Every API error is RFC 9457 problem details, whatever produced it."""

import io
import json

from django.test import Client
import pytest

from peerloop.api.middleware import MIB, CappedStream, RequestTooLarge
from peerloop.api.problems import PROBLEM_CONTENT_TYPE

pytestmark = pytest.mark.urls("tests.api.urls")


def problem_of(response) -> dict:
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    body = json.loads(response.content)
    assert body["type"] == "about:blank"
    assert body["status"] == response.status_code
    return body


@pytest.fixture
def admin_client(client_as) -> Client:
    return client_as("admin")


def test_unknown_api_path_is_a_404_problem(db):
    response = Client().get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert problem_of(response) == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "instance": "/api/v1/no-such-thing",
        "detail": "There is no API operation at this path.",
    }
    assert response["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"


def test_a_refused_host_header_is_a_400_problem_on_the_api_and_a_page_elsewhere(db):
    # Django refuses the Host in a middleware that runs before the API's own (schemathesis
    # sent one): the API still answers with problem details.
    response = Client().get("/api/v1/spaces", HTTP_HOST="`B0}t")
    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM_CONTENT_TYPE
    assert response.json()["status"] == 400 and "Host" in response.json()["detail"]
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"  # answered inside the chain: its headers stay
    page = Client().get("/people/", HTTP_HOST="`B0}t")
    assert page.status_code == 400 and page["Content-Type"].startswith("text/html")


def test_unknown_api_version_is_a_404_problem(db):
    response = Client().post("/api/v9/people", data="{}", content_type="application/json")
    assert response.status_code == 404
    assert problem_of(response)["instance"] == "/api/v9/people"


def test_wrong_method_is_a_405_problem_naming_the_allowed_ones(admin_client):
    response = admin_client.delete("/api/v1/audit")
    assert response.status_code == 405
    assert response["Allow"] == "GET"
    assert problem_of(response)["title"] == "Method Not Allowed"


def test_anonymous_gets_401_with_a_bearer_challenge(db):
    response = Client().get("/api/v1/audit")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="peerloop"'
    body = problem_of(response)
    assert body["title"] == "Unauthorized"
    assert "API token" in body["detail"]


def test_forbidden_is_a_403_problem(client_as):
    response = client_as("member").get("/api/v1/audit")
    assert response.status_code == 403
    assert problem_of(response)["detail"] == "You do not have permission to do this."


def test_hidden_object_is_a_404_problem(client_as):
    response = client_as("guest").get("/api/v1/interactions")
    assert response.status_code == 404
    assert problem_of(response)["title"] == "Not Found"


def test_invalid_query_is_a_422_problem_naming_the_parameter(admin_client):
    response = admin_client.get("/api/v1/interactions", {"since": "last tuesday", "actor": "0"})
    assert response.status_code == 422
    body = problem_of(response)
    assert body["title"] == "Unprocessable Content"
    assert sorted(tuple(error["loc"]) for error in body["errors"]) == [("query", "actor"), ("query", "since")]
    assert all(set(error) >= {"loc", "msg", "type"} for error in body["errors"])


def test_invalid_path_parameter_is_a_422_problem(admin_client):
    response = admin_client.get("/api/v1/jobs/not-a-uuid")
    assert response.status_code == 422
    assert problem_of(response)["errors"][0]["loc"] == ["path", "job_id"]


@pytest.mark.parametrize(
    "body",
    [
        b"{",
        b'{"name": "x", "count": }',
        b"\xff\xfe\x00garbage",
        b"[1, 2",
        b'{"name": "x", "count": NaN',
    ],
    ids=["open-brace", "missing-value", "not-utf8", "open-array", "nan"],
)
def test_malformed_json_is_a_400_problem(admin_client, body):
    response = admin_client.post("/api/test/echo", data=body, content_type="application/json")
    assert response.status_code == 400
    assert problem_of(response)["detail"] == "The request body is not valid JSON."


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"name": "x"}, ["body", "payload", "count"]),
        ({"name": "x", "count": "many"}, ["body", "payload", "count"]),
        ({"name": "x" * 51, "count": 1}, ["body", "payload", "name"]),
        ({"name": "x", "count": 10**30}, ["body", "payload", "count"]),
    ],
    ids=["missing", "wrong-type", "too-long", "huge-number"],
)
def test_well_formed_but_invalid_json_is_a_422_problem(admin_client, body, loc):
    response = admin_client.post("/api/test/echo", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 422
    assert [error["loc"] for error in problem_of(response)["errors"]] == [loc]


def test_json_array_instead_of_object_is_a_422_problem(admin_client):
    response = admin_client.post("/api/test/echo", data="[]", content_type="application/json")
    assert response.status_code == 422
    problem_of(response)


def test_valid_json_passes(admin_client):
    response = admin_client.post(
        "/api/test/echo", data=json.dumps({"name": "Ana", "count": 3}), content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json() == {"name": "Ana", "count": 3}


def test_service_validation_error_is_a_422_problem_naming_the_fields(admin_client):
    response = admin_client.post("/api/test/service-error")
    assert response.status_code == 422
    assert problem_of(response)["errors"] == [
        {"loc": ["body", "name"], "msg": "This name is taken.", "type": "invalid"},
        {"loc": ["body"], "msg": "Nothing was saved.", "type": "invalid"},
    ]


def test_integrity_error_is_a_409_problem(admin_client):
    response = admin_client.post("/api/test/conflict")
    assert response.status_code == 409
    assert "people_person" not in response.content.decode()
    problem_of(response)


def test_unexpected_error_is_a_500_problem_without_the_traceback(admin_client, caplog):
    response = admin_client.get("/api/test/boom")
    assert response.status_code == 500
    body = problem_of(response)
    assert body["detail"] == "The server failed to answer; the error was logged."
    assert "sk_live_123" not in response.content.decode()
    assert "Traceback" not in response.content.decode()
    assert any(record.exc_info and "sk_live_123" in str(record.exc_info[1]) for record in caplog.records)


def test_json_body_over_1_mib_is_a_413_problem(admin_client):
    body = json.dumps({"name": "x", "count": 1, "pad": "a" * MIB})
    response = admin_client.post("/api/test/echo", data=body, content_type="application/json")
    assert response.status_code == 413
    assert problem_of(response)["max_bytes"] == MIB


def test_json_body_just_under_1_mib_is_read(admin_client):
    body = json.dumps({"name": "x", "count": 1, "pad": "a" * (MIB - 100)})
    assert len(body) < MIB
    response = admin_client.post("/api/test/echo", data=body, content_type="application/json")
    assert response.status_code == 200


def test_413_needs_no_login(db):
    response = Client().post("/api/v1/people", data="x" * (MIB + 1), content_type="application/json")
    assert response.status_code == 413
    problem_of(response)


def upload(size: int) -> dict:
    data = io.BytesIO(b"a" * size)
    data.name = "big.csv"
    return {"file": data}


def test_upload_over_10_mib_is_a_413_problem(admin_client):
    response = admin_client.post("/api/test/upload", upload(10 * MIB + 1))
    assert response.status_code == 413
    assert problem_of(response)["max_bytes"] == 10 * MIB


def test_upload_under_10_mib_is_accepted(admin_client):
    response = admin_client.post("/api/test/upload", upload(2 * MIB))
    assert response.status_code == 200
    assert response.json() == {"size": 2 * MIB}


def test_import_paths_accept_larger_uploads(admin_client):
    response = admin_client.post("/api/test/people/import", upload(11 * MIB))
    assert response.status_code == 200
    assert response.json() == {"size": 11 * MIB}


def test_a_body_longer_than_announced_is_refused_while_streaming():
    stream = CappedStream(io.BytesIO(b"a" * (MIB + 10)), MIB)
    assert stream.read(MIB) == b"a" * MIB
    with pytest.raises(RequestTooLarge):
        stream.read(100)
    assert stream.exceeded


def test_reading_all_reads_at_most_one_byte_past_the_limit():
    source = io.BytesIO(b"a" * (5 * MIB))
    stream = CappedStream(source, MIB)
    with pytest.raises(RequestTooLarge):
        stream.read()
    assert source.tell() == MIB + 1


def test_api_responses_are_not_cached_and_have_a_strict_csp(admin_client):
    response = admin_client.get("/api/v1/audit")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"


def test_every_operation_documents_problem_responses(db):
    document = Client().get("/api/v1/openapi.json").json()
    assert document["components"]["schemas"]["Problem"]["required"] == ["type", "title", "status"]
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for status in ("401", "403", "404", "422"):
                content = operation["responses"][status]["content"]
                assert PROBLEM_CONTENT_TYPE in content, f"{method.upper()} {path} does not document {status}"


def test_docs_page_uses_the_bundled_assets_under_a_strict_csp(db):
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<script src="/static/ninja/swagger-ui-bundle.js">' in html
    assert "cdn" not in html.lower()
    assert "http://" not in html
    assert "https://" not in html
    csp = response["Content-Security-Policy"]
    assert "script-src 'self';" in csp
    assert "unsafe-inline" not in csp
    assert Client().get("/static/ninja/swagger-ui-bundle.js").status_code == 200


def test_web_upload_over_10_mib_is_a_413_page(client_as):
    response = client_as("member").post("/spaces/", upload(10 * MIB + 1))
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/html")
    assert "larger than 10 MiB" in response.content.decode()


def test_web_form_body_over_10_mib_is_a_413_page(client_as):
    response = client_as("member").post(
        "/spaces/", "a=" + "b" * (10 * MIB), content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 413
