"""Command's HTTP API: start a mission (authenticated), and read missions, timelines, phase."""

from __future__ import annotations

from typing import Any

from flask import Flask
from pydantic import BaseModel, ConfigDict, Field

from ground.command.director import Director, Refused
from ground.command.picture import Kind
from ground.command.store import Entry, Mission, MissionStore
from ground.web import Api, ApiError, body
from marsy.settings import GroundSettings


class StartMission(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scenario: str = Field(default="nominal", pattern=r"^[a-z0-9_-]{1,40}$")


class MissionView(BaseModel):
    mission_id: str
    scenario: str
    state: str
    phase: str
    started: float
    ended: float | None
    detail: str

    @classmethod
    def of(cls, mission: Mission) -> MissionView:
        return cls(
            mission_id=mission.mission_id,
            scenario=mission.scenario,
            state=mission.state,
            phase=mission.phase,
            started=mission.started,
            ended=mission.ended,
            detail=mission.detail,
        )


class MissionList(BaseModel):
    missions: list[MissionView]


class EntryView(BaseModel):
    ts: float
    kind: str
    source: str
    text: str
    data: dict[str, Any]


class Timeline(BaseModel):
    mission_id: str
    entries: list[EntryView]


def _entries(mission_id: str, entries: list[Entry]) -> Timeline:
    return Timeline(
        mission_id=mission_id,
        entries=[
            EntryView(ts=e.ts, kind=e.kind, source=e.source, text=e.text, data=e.data)
            for e in entries
        ],
    )


NO_SUCH_MISSION = {404: "no such mission"}


def create_app(settings: GroundSettings, director: Director, store: MissionStore) -> Flask:
    app = Flask("command")
    api = Api("MarsY command", tokens=settings.api_tokens)

    def mission_or_404(mission_id: str) -> Mission:
        mission = store.get(mission_id)
        if mission is None:
            raise ApiError(404, "not_found", f"no mission {mission_id}")
        return mission

    @api.route(
        app,
        "/missions",
        method="POST",
        body=StartMission,
        answer=MissionView,
        auth=True,
        statuses={
            201: "the mission, launched, held for the weather or scrubbed by the go/no-go "
            "poll (its state says)",
            409: "another mission is flying",
        },
    )
    def start() -> tuple[MissionView, int]:
        """Start a mission: go/no-go poll, then the launch or a hold (409 while another one
        is under way)."""
        request = body(StartMission)
        try:
            mission = director.start(request.scenario)
        except Refused as exc:
            raise ApiError(409, "mission_flying", str(exc)) from None
        return MissionView.of(mission), 201

    @api.route(app, "/missions", answer=MissionList)
    def missions() -> MissionList:
        """Every mission, oldest first."""
        return MissionList(missions=[MissionView.of(m) for m in store.missions()])

    @api.route(app, "/missions/current", answer=MissionView, statuses={404: "no mission yet"})
    def current() -> MissionView:
        """The latest mission and its current phase."""
        all_missions = store.missions()
        if not all_missions:
            raise ApiError(404, "not_found", "no mission yet")
        return MissionView.of(all_missions[-1])

    @api.route(app, "/missions/<mission_id>", answer=MissionView, statuses=NO_SUCH_MISSION)
    def mission(mission_id: str) -> MissionView:
        """One mission."""
        return MissionView.of(mission_or_404(mission_id))

    @api.route(app, "/missions/<mission_id>/timeline", answer=Timeline, statuses=NO_SUCH_MISSION)
    def timeline(mission_id: str) -> Timeline:
        """The mission log: go/no-go, decisions, events, alerts, commands, acks, webcast."""
        mission_or_404(mission_id)
        return _entries(mission_id, store.timeline(mission_id))

    @api.route(app, "/missions/<mission_id>/commands", answer=Timeline, statuses=NO_SUCH_MISSION)
    def commands(mission_id: str) -> Timeline:
        """The command history: Command's own orders, every command sent to a device, every
        answer, and Command's decisions."""
        mission_or_404(mission_id)
        kinds = {Kind.ORDER, Kind.COMMAND, Kind.ACK, Kind.DECISION}
        return _entries(mission_id, store.timeline(mission_id, set(kinds)))

    def health() -> dict[str, Any]:
        flying = store.flying()
        picture = director.flight.picture(flying.mission_id) if flying else None
        return {
            "service": "command",
            "mission": flying.mission_id if flying else None,
            "hold": picture.hold if picture else None,
            "action": picture.taken if picture else None,
            "malformed": director.bus.malformed,
            "forged_acks": director.bus.commander.forged,
        }

    api.install(app, health)
    return app
