"""What the telemetry ingest stores, and where: everything of the flight database.

Rocket and booster telemetry, the astronaut's vitals, mission events, alerts and the agents'
health go to ``flight``. Satellite telemetry is payload data, owned by the payload service:
one writer per series.
"""

from __future__ import annotations

from ground.influx.schema import (
    PAYLOAD_DEVICES,
    alert_line,
    database_for,
    event_line,
    health_line,
    point_line,
)
from ground.ingest.recorder import Route
from marsy.protocol import (
    Alert,
    AstronautVitals,
    Channel,
    DeviceHealth,
    DeviceTelemetry,
    Message,
    MissionEvent,
    Topics,
)
from marsy.settings import InfluxSettings

CHANNELS = (Channel.TELEMETRY, Channel.VITALS, Channel.EVENTS, Channel.ERRORS, Channel.HEALTH)


def filters(topics: Topics) -> list[str]:
    return [topics.channel_filter(channel) for channel in CHANNELS]


def flight_route(settings: InfluxSettings) -> Route:
    def route(message: Message) -> tuple[str, str] | None:
        if isinstance(message, DeviceTelemetry | AstronautVitals):
            if message.device in PAYLOAD_DEVICES:
                return None
            return database_for(message.device, settings), point_line(message)
        if isinstance(message, MissionEvent):
            return settings.flight_db, event_line(message)
        if isinstance(message, Alert):
            return settings.flight_db, alert_line(message)
        if isinstance(message, DeviceHealth):
            return settings.flight_db, health_line(message)
        return None

    return route
