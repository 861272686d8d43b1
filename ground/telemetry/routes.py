"""What the telemetry ingest stores, and where: everything of the flight database.

Rocket and booster telemetry, the astronaut's vitals, mission events, alerts and the agents'
health go to ``flight``. Satellite telemetry is payload data, owned by the payload service:
one writer per series. The ingest subscribes to exactly what it stores, so traffic it would only
read and drop (the satellite's telemetry, the ground services' heartbeats) costs it nothing, and a
flood on those topics never reaches it.
"""

from __future__ import annotations

from ground.ingest.recorder import Route
from marsy.protocol import (
    Alert,
    AstronautVitals,
    Channel,
    Device,
    DeviceHealth,
    DeviceTelemetry,
    Message,
    MissionEvent,
    Topics,
)
from marsy.settings import InfluxSettings
from marsy.store.schema import (
    PAYLOAD_DEVICES,
    alert_line,
    database_for,
    event_line,
    health_line,
    point_line,
)


def filters(topics: Topics) -> list[str]:
    """The flight devices' telemetry and vitals, every device's health, all events and alerts."""
    samples = [
        topics.topic(channel, device)
        for channel, model in (
            (Channel.TELEMETRY, DeviceTelemetry),
            (Channel.VITALS, AstronautVitals),
        )
        for device in sorted(model.devices - PAYLOAD_DEVICES)
    ]
    health = [topics.topic(Channel.HEALTH, device) for device in Device]
    everyone = [topics.channel_filter(channel) for channel in (Channel.EVENTS, Channel.ERRORS)]
    return [*samples, *health, *everyone]


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
