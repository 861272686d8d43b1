"""The pad's two jobs: is the rocket ready (asked of the rocket itself, and its latest readings
judged against the pad's limits), and light it, only on the weather's own go, asked again right
before the ignition."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from ground.devices import NoAnswer
from ground.launchpad.readiness import LatestReadings, out_of_limits
from ground.launchpad.weather import WeatherVerdict
from ground.runtime import GroundBus
from marsy.protocol import (
    CommandAction,
    Device,
    DevicePresence,
    DeviceTelemetry,
    LogLevel,
    Message,
    MissionStatus,
    PresenceState,
)


@dataclass(frozen=True)
class Verdict:
    go: bool
    reasons: list[str]
    detail: str = ""


class WeatherNoGo(Exception):
    """The weather said no (or could not be asked): no ignition."""


@dataclass
class Launchpad:
    bus: GroundBus
    weather: Callable[[], WeatherVerdict]
    """The weather's go now (:meth:`ground.launchpad.weather.WeatherGate.verdict`)."""
    timeout: float = 10.0
    reading_age: float = 2.0
    """Wall seconds old at most the readings a check judges (else it waits as long for new)."""
    readings: LatestReadings = field(default_factory=LatestReadings)
    rocket_online: bool = False
    mission_id: str | None = None
    launched: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def observe(self, message: Message) -> None:
        """Follow the rocket's presence and readings, and the current mission."""
        if isinstance(message, DeviceTelemetry) and message.device is Device.ROCKET:
            self.readings.take(message.values)
        elif isinstance(message, DevicePresence) and message.source == Device.ROCKET:
            self.rocket_online = message.state is PresenceState.ONLINE
        elif isinstance(message, MissionStatus):
            self.mission_id = message.mission_id
            self.bus.mission_id = message.mission_id

    def check(self, mission_id: str) -> Verdict:
        """Ask the rocket for its status and judge its readings: every reason it cannot
        launch, or go."""
        if not self.rocket_online:
            return Verdict(False, ["the rocket agent is offline"])
        try:
            ack = self.bus.commander.request(
                mission_id, Device.ROCKET, CommandAction.STATUS, timeout=self.timeout
            )
        except NoAnswer:
            return Verdict(False, ["the rocket did not answer the status request"])
        reasons = []
        if not ack.accepted:
            reasons.append(f"the rocket refused the status request: {ack.reason}")
        elif "phase pad" not in (ack.reason or ""):
            reasons.append(f"the rocket is not on the pad ({ack.reason})")
        else:
            values = self.readings.fresh(self.reading_age, wait=self.reading_age)
            if values is None:
                reasons.append(f"no telemetry from the rocket in {self.reading_age:g} s")
            else:
                reasons += out_of_limits(values)
        return Verdict(not reasons, reasons, ack.reason or "")

    def launch(self, mission_id: str) -> tuple[bool, str]:
        """Order the ignition, once per mission, on the weather's go (:class:`WeatherNoGo`
        otherwise, the rocket not asked); the rocket's answer is the verdict."""
        with self._lock:
            if mission_id in self.launched:
                return False, f"mission {mission_id} was launched already"
            weather = self.weather()
            if not weather.go:
                self.bus.log(
                    LogLevel.WARNING, f"launch refused: weather no-go: {weather}", mission_id
                )
                raise WeatherNoGo(f"weather no-go: {weather}")
            ack = self.bus.commander.request(
                mission_id,
                Device.ROCKET,
                CommandAction.IGNITE,
                command_id=f"launchpad-ignite-{mission_id}",
                timeout=self.timeout,
            )
            if ack.accepted:
                self.launched.add(mission_id)
            return ack.accepted, ack.reason or ""
