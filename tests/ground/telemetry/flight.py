"""A flight for the ingest's process tests: numbered rocket telemetry and suit vitals at a steady
rate, as the agents publish them, and what influxd holds of them afterwards."""

from __future__ import annotations

import threading
import time

from devservers import LocalInfluxd, LocalMosquitto
from marsy.mqtt import MqttBus, Pending
from marsy.protocol import AstronautVitals, Device, DeviceTelemetry, FlightPhase
from marsy.store import InfluxHttp, TelemetryReader

MISSION = "M-ingest"
T0 = 1_800_000_000.0


class Flight:
    """Publishes numbered rocket telemetry and suit vitals, as the agents would."""

    def __init__(self, broker: LocalMosquitto, count: int, rate: float, first: int = 0) -> None:
        """``count`` samples of each, numbered from ``first``, ``rate`` a second."""
        self.count = count
        self.first = first
        self.rate = rate
        self.rocket = MqttBus(broker.settings_for("rocket", publish_timeout=60))
        self.suit = MqttBus(broker.settings_for("suit", publish_timeout=60))
        self.sent = 0
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self.rocket.start()
        self.suit.start()
        self._thread.start()

    def _run(self) -> None:
        pending: list[Pending] = []
        for seq in range(self.first, self.first + self.count):
            ts = T0 + seq / 10
            pending.append(
                self.rocket.publish_message(
                    DeviceTelemetry(
                        mission_id=MISSION,
                        source="rocket",
                        seq=seq,
                        ts=ts,
                        device=Device.ROCKET,
                        phase=FlightPhase.ASCENT,
                        values={"altitude": seq * 10.0, "mach": 0.5},
                    )
                )
            )
            pending.append(
                self.suit.publish_message(
                    AstronautVitals(
                        mission_id=MISSION,
                        source="suit",
                        seq=seq,
                        ts=ts,
                        astronaut="Thomas",
                        phase=FlightPhase.ASCENT,
                        values={"heart_rate": 90.0 + seq % 7},
                    )
                )
            )
            self.sent = seq + 1 - self.first
            time.sleep(1 / self.rate)
        for p in pending:
            p.wait(60)

    def finish(self) -> None:
        self._thread.join(120)
        self.rocket.stop(timeout=1)
        self.suit.stop(timeout=1)


def stored(influxd: LocalInfluxd, device: Device) -> int:
    settings = influxd.settings()
    http = InfluxHttp(settings.url, username=settings.username, password=settings.password)
    try:
        return TelemetryReader(http, "flight").count(device, MISSION)
    except Exception:
        return -1
    finally:
        http.close()
