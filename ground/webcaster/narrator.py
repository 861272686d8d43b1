"""The webcast's running commentary on the vehicles: hears the bus, says the lines of
:mod:`ground.webcaster.commentary` through the webcaster's voice.

What was believed and said is kept in the store before the delivery is acknowledged (the line is
said first: a crash in between says it again rather than never), so a restarted webcaster tells
no line twice and still believes the steps a later event follows. The recent missions' sets are
cached: the booster's telemetry comes ten times a second.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ground.webcaster.commentary import FOLLOWED, Telling, believed_event, tell_booster, tell_event
from ground.webcaster.store import TranscriptStore
from ground.webcaster.view import HOST
from ground.webcaster.voice import Voice
from marsy.protocol import DeviceTelemetry, EventType, Message, MissionEvent

KEPT = 4
"""Missions whose sets stay cached (the current one, a vehicle still on standby, the last)."""


@dataclass
class _Mission:
    mission_id: str
    believed: set[EventType] = field(default_factory=set)
    told: set[str] = field(default_factory=set)


class Narrator:
    def __init__(self, voice: Voice, store: TranscriptStore) -> None:
        self.voice = voice
        self.store = store
        self.said = 0
        self._missions: dict[str, _Mission] = {}

    def _of(self, mission_id: str) -> _Mission:
        mission = self._missions.get(mission_id)
        if mission is None:
            mission = _Mission(
                mission_id, set(self.store.steps(mission_id)), set(self.store.told(mission_id))
            )
            if len(self._missions) >= KEPT:
                del self._missions[next(iter(self._missions))]
            self._missions[mission_id] = mission
        return mission

    def hear(self, message: Message) -> Telling | None:
        """Say what ``message`` is worth, if anything (once per mission); what was said."""
        if isinstance(message, MissionEvent):
            return self._event(message)
        if isinstance(message, DeviceTelemetry):
            mission = self._of(message.mission_id)
            return self._say(mission, tell_booster(message, mission.believed, mission.told))
        return None

    def _event(self, message: MissionEvent) -> Telling | None:
        if message.event not in FOLLOWED:
            return None
        mission = self._of(message.mission_id)
        telling = tell_event(message, mission.believed, mission.told)
        if believed_event(message, mission.believed) and message.event not in mission.believed:
            self.store.note_step(mission.mission_id, message.event)
            mission.believed.add(message.event)
        return self._say(mission, telling)

    def _say(self, mission: _Mission, telling: Telling | None) -> Telling | None:
        if telling is None:
            return None
        self.voice.say(mission.mission_id, HOST, telling.text)
        self.store.note_told(mission.mission_id, telling.key)
        mission.told.add(telling.key)
        self.said += 1
        return telling
