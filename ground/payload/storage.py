"""The payload service's second job: satellite telemetry into InfluxDB ``payload``.

Satellite data are payload data, and one writer per series: the telemetry ingest leaves them
alone and this recorder is their only writer. It is the durable ingest recorder of
:mod:`ground.ingest` (acknowledged to the broker only once written or fsynced to its spool,
ordered replay after an InfluxDB outage, a ledger of sequence numbers, dead letters), run here
beside the detach logic with its own MQTT session:

- its own login, ``payload.recorder`` (the broker makes it the client id), so the broker keeps
  a queue of satellite telemetry for it alone, and a backlog there (InfluxDB down, a slow disk)
  never delays a detach order, nor a detach order blocked on the rocket delays an
  acknowledgement; the login's role is ``payload``, so its ACL and dead letters are the
  service's, and its password derives from the service's (:mod:`marsy.logins`);
- no presence of its own: the service's bus connection stands for ``payload``;
- its own state folder (spool and ledger), ``{state_dir}/payload-recorder``;
- the recorder's heartbeat (``ServiceHealth``: how fresh the payload store is) goes out as the
  payload service's, about once a second, as do its dead letters.

It does not need the telemetry service, nor the detach logic, to be running.
"""

from __future__ import annotations

import threading
from typing import Any

from ground.ingest.recorder import Route
from ground.ingest.service import build_recorder, check_databases
from marsy.logins import PAYLOAD_RECORDER, as_login
from marsy.protocol import Channel, DeviceTelemetry, Message, Service, Topics
from marsy.settings import GroundSettings, InfluxSettings
from marsy.store.schema import PAYLOAD_DEVICES, database_for, point_line

NAME = str(Service.PAYLOAD)
LOGIN = PAYLOAD_RECORDER
"""The recorder's login, which the broker makes its client id."""
STATE = "payload-recorder"


def satellite_route(settings: InfluxSettings) -> Route:
    """Satellite telemetry to the payload database; everything else is not stored here."""

    def route(message: Message) -> tuple[str, str] | None:
        if isinstance(message, DeviceTelemetry) and message.device in PAYLOAD_DEVICES:
            return database_for(message.device, settings), point_line(message)
        return None

    return route


def satellite_filters(topics: Topics) -> list[str]:
    return [topics.topic(Channel.TELEMETRY, device) for device in sorted(PAYLOAD_DEVICES)]


class SatelliteStorage:
    """:meth:`start`, then :meth:`stop`; :meth:`health` is the recorder's."""

    def __init__(self, settings: GroundSettings, *, login: str = LOGIN) -> None:
        """``login``: the login (and so the client id) to record as, a second login of
        ``payload``."""
        influx = settings.influx
        # Named after the service: its dead letters go where the broker lets ``payload`` write.
        self.recorder, self.store = build_recorder(
            NAME,
            settings.model_copy(update={"mqtt": as_login(settings.mqtt, login)}),
            satellite_route(influx),
            satellite_filters(settings.mqtt.topics),
            presence=False,
            state=STATE,
        )
        self.databases = [influx.payload_db]
        self._stop = threading.Event()
        self._checker = threading.Thread(
            target=check_databases,
            args=(self.store, self.databases, self._stop),
            name="payload-databases",
            daemon=True,
        )

    def start(self) -> None:
        self._checker.start()
        self.recorder.start()

    def stop(self) -> None:
        self._stop.set()
        self.recorder.stop()
        self._checker.join(timeout=5)
        self.store.close()

    def health(self) -> dict[str, Any]:
        return self.recorder.health()
