"""The webcaster's HTTP side: the live page, its event stream, the state and the transcripts.

- ``GET /``: the page; ``GET /stream``: its server-sent events (needs a threaded server: each
  open page holds a request thread for as long as it watches);
- ``GET /live``: the same snapshot a page starts from, as JSON;
- ``GET /missions/<mission_id>/transcript``: the astronaut interview stored with the mission.

Everything here is read-only, so nothing needs a token.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask, Response

from ground.web import Api, ApiError
from ground.webcaster.page import PAGE
from ground.webcaster.store import Transcript, TranscriptStore
from ground.webcaster.stream import Hub
from marsy.settings import GroundSettings


def create_app(
    settings: GroundSettings,
    hub: Hub,
    store: TranscriptStore,
    health: Callable[[], Mapping[str, Any]],
) -> Flask:
    app = Flask("marsy.webcaster")
    api = Api("MarsY webcaster", settings.api_tokens)

    @api.route(app, "/")
    def page() -> Response:
        """The live webcast page."""
        return Response(PAGE, mimetype="text/html")

    @api.route(app, "/stream")
    def stream() -> Response:
        """Server-sent events: snapshot, line, mission, figures, alerts, event."""
        return Response(
            hub.stream(),
            mimetype="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    @api.route(app, "/live")
    def live() -> dict[str, Any]:
        """What the page shows now: mission, phase, commentary, figures, alerts, events."""
        return hub.snapshot()

    @api.route(
        app,
        "/missions/<mission_id>/transcript",
        answer=Transcript,
        statuses={404: "no interview for this mission"},
    )
    def transcript(mission_id: str) -> Transcript:
        """The astronaut interview of a mission, as far as it has gone."""
        found = store.transcript(mission_id)
        if found is None:
            raise ApiError(404, "not_found", f"no interview for mission {mission_id!r}")
        return found

    api.install(app, health)
    return app
