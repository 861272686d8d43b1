"""A small service on the shared web layer, for tests of the layer itself: one open read, one
authenticated write with a body, one route restricted to a caller."""

from __future__ import annotations

from flask import Flask
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from ground.web import Api, ApiError, body

TOKENS = {"operator": "op-secret", "viewer": "view-secret"}
AUTH = {"Authorization": "Bearer op-secret"}
LIMIT = 1024
"""The notes service's body limit: small, so that tests over it stay small."""


class Note(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=200)


def notes_app(limit: int = LIMIT) -> Flask:
    app = Flask("notes")
    api = Api("notes", {name: SecretStr(t) for name, t in TOKENS.items()}, max_body=limit)
    kept: list[Note] = []

    @api.route(app, "/notes/<int:n>", answer=Note, statuses={404: "no such note"})
    def read(n: int) -> Note:
        """One note."""
        if not 0 <= n < len(kept):
            raise ApiError(404, "not_found", f"no note {n}")
        return kept[n]

    @api.route(
        app,
        "/notes",
        method="POST",
        body=Note,
        answer=Note,
        auth=True,
        callers=["operator"],
        statuses={201: "kept"},
    )
    def keep() -> tuple[Note, int]:
        """Keep a note."""
        note = body(Note)
        kept.append(note)
        return note, 201

    @api.route(app, "/notes", method="DELETE")
    def forget() -> tuple[dict[str, int], int]:
        """Declares nothing beyond 200, and answers 409 all the same: a wrong contract."""
        return {"kept": len(kept)}, 409

    api.install(app, lambda: {"notes": len(kept)})
    return app
