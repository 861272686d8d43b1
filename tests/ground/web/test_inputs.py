"""What a request may bring, through the Flask test client: the size limit judged before the
body is read, JSON only (415 otherwise), and a clear 400 for an empty body."""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask.testing import FlaskClient

from ground.web.inputs import MAX_BODY, is_json
from tests.ground.web.notes import AUTH, LIMIT, notes_app


@pytest.fixture
def client() -> FlaskClient:
    return notes_app().test_client()


def error(response: Any) -> dict[str, Any]:
    envelope: dict[str, Any] = response.get_json()["error"]
    assert envelope["status"] == response.status_code
    return envelope


class Unread(io.BytesIO):
    """A body that fails the test if anything reads it."""

    def read(self, size: int | None = -1) -> bytes:
        raise AssertionError("the body was read")

    readinto = read1 = readline = read


@pytest.mark.parametrize(
    ("method", "path", "headers"),
    [("POST", "/notes", AUTH), ("POST", "/notes", {}), ("GET", "/notes/0", {})],
)
def test_a_declared_length_over_the_limit_is_413_unread_on_any_route(
    client: FlaskClient, method: str, path: str, headers: dict[str, str]
) -> None:
    response = client.open(
        path,
        method=method,
        headers=headers,
        input_stream=Unread(),
        content_type="application/json",
        environ_overrides={"CONTENT_LENGTH": str(20 * 2**20)},
    )
    assert response.status_code == 413, "before the token, the route, anything"
    assert error(response)["code"] == "too_large"
    assert f"{LIMIT}-byte limit" in error(response)["message"]


def test_a_body_at_the_limit_is_read() -> None:
    client = notes_app(limit=64).test_client()
    at = b'{"text": "' + b"x" * 52 + b'"}'
    assert len(at) == 64
    assert (
        client.post("/notes", data=at, content_type="application/json", headers=AUTH).status_code
        == 201
    )
    over = b'{"text": "' + b"x" * 53 + b'"}'
    answer = client.post("/notes", data=over, content_type="application/json", headers=AUTH)
    assert answer.status_code == 413


def test_the_default_limit_is_64_kib() -> None:
    assert MAX_BODY == 65536
    assert notes_app(MAX_BODY).config["MAX_CONTENT_LENGTH"] == MAX_BODY


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/json; charset=latin-1",
        "application/jsonp",
        "text/json+json",
        None,
    ],
)
def test_a_body_not_sent_as_json_is_415(client: FlaskClient, content_type: str | None) -> None:
    headers = dict(AUTH)
    if content_type is not None:
        headers["Content-Type"] = content_type
    response = client.post("/notes", data=b'{"text": "hi"}', headers=headers)
    assert response.status_code == 415
    refused = error(response)
    assert (refused["code"], refused["field"]) == ("unsupported_media_type", "<body>")
    assert "application/json" in refused["message"]


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json; charset=utf-8",
        "Application/JSON; charset=UTF-8",
        "application/vnd.marsy.note+json",
    ],
)
def test_json_types_are_taken(client: FlaskClient, content_type: str) -> None:
    response = client.post(
        "/notes", data=b'{"text": "hi"}', headers={**AUTH, "Content-Type": content_type}
    )
    assert response.status_code == 201, response.get_json()


@pytest.mark.parametrize("content_type", [None, "application/json", "text/plain"])
def test_an_empty_body_where_one_is_needed_is_400(
    client: FlaskClient, content_type: str | None
) -> None:
    headers = dict(AUTH)
    if content_type is not None:
        headers["Content-Type"] = content_type
    refused = error(client.post("/notes", headers=headers))
    assert (refused["status"], refused["code"], refused["field"]) == (400, "empty", "<body>")
    assert "JSON object" in refused["message"]


@pytest.mark.parametrize(
    ("sent", "status", "code"),
    [(b"{nope", 400, "malformed"), (b"[1]", 400, "malformed"), (b'{"text": ""}', 422, "invalid")],
)
def test_json_that_does_not_fit_keeps_its_errors(
    client: FlaskClient, sent: bytes, status: int, code: str
) -> None:
    response = client.post("/notes", data=sent, content_type="application/json", headers=AUTH)
    assert (response.status_code, error(response)["code"]) == (status, code)


@pytest.mark.parametrize(
    ("mimetype", "params", "taken"),
    [
        ("application/json", {}, True),
        ("application/json", {"charset": "utf8"}, True),
        ("application/problem+json", {}, True),
        ("application/json", {"charset": "utf-16"}, False),
        ("application/json-seq", {}, False),
        ("text/plain", {}, False),
        ("", {}, False),
    ],
)
def test_is_json(mimetype: str, params: dict[str, str], taken: bool) -> None:
    assert is_json(mimetype, params) is taken
