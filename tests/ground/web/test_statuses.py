"""Each route's statuses: derived by the layer, declared by the view, listed in /openapi.json,
and a status answered without being declared is reported (an error under the tests)."""

from __future__ import annotations

import pytest

from ground.web import UndeclaredStatus
from ground.web.statuses import route_statuses
from tests.ground.web.notes import AUTH, LIMIT, notes_app


def test_a_plain_read_answers_200_413_and_500() -> None:
    assert list(route_statuses({}, body=False, auth=False, restricted=False, max_body=10)) == [
        200,
        413,
        500,
    ]


def test_a_declared_success_replaces_200_and_a_body_brings_its_errors() -> None:
    statuses = route_statuses(
        {201: "kept", 409: "taken"}, body=True, auth=True, restricted=True, max_body=10
    )
    assert list(statuses) == [201, 400, 401, 403, 409, 413, 415, 422, 500]
    assert statuses[201] == "kept" and "10 bytes" in statuses[413]


def test_openapi_lists_every_status_with_its_schema() -> None:
    spec = notes_app().test_client().get("/openapi.json").get_json()
    post = spec["paths"]["/notes"]["post"]["responses"]
    assert sorted(post, key=int) == ["201", "400", "401", "403", "413", "415", "422", "500"]
    assert post["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Note"
    }
    envelope = {"$ref": "#/components/schemas/ErrorEnvelope"}
    assert all(
        post[s]["content"]["application/json"]["schema"] == envelope for s in post if s >= "4"
    )
    assert str(LIMIT) in post["413"]["description"]
    read = spec["paths"]["/notes/{n}"]["get"]["responses"]
    assert sorted(read, key=int) == ["200", "404", "413", "500"]
    assert {"/health", "/openapi.json"} <= set(spec["paths"])
    assert set(spec["components"]["schemas"]["ErrorEnvelope"]["properties"]) == {"error"}


def test_every_answer_of_the_notes_service_is_declared() -> None:
    client = notes_app().test_client()
    answers = [
        client.post("/notes", json={"text": "hi"}, headers=AUTH),
        client.post("/notes", json={"text": "hi"}),
        client.post("/notes", json={"text": "hi"}, headers={"Authorization": "Bearer view-secret"}),
        client.post("/notes", json={"text": ""}, headers=AUTH),
        client.get("/notes/0"),
        client.get("/notes/7"),
        client.get("/health"),
    ]
    assert [a.status_code for a in answers] == [201, 401, 403, 422, 200, 404, 200]


def test_an_undeclared_status_is_reported() -> None:
    client = notes_app().test_client()
    with pytest.warns(UndeclaredStatus, match=r"DELETE /notes answered 409, not among"):
        assert client.delete("/notes").status_code == 409
