"""How the chaos monkey tells a victim has recovered: its data flow again, not a process runs.

- an agent: a sample of its device stored (in the time-series store) with a time after its new
  process came up, so the device's data go all the way from the board to the store again;
- the broker: a message published through it after the restart came back (a round trip of the
  prober's own presence, on its own login);
- a ground service: its health check answers.
"""

from __future__ import annotations

import time
import urllib.request

from marsy.clock import MissionClock
from marsy.mqtt import MqttBus
from marsy.protocol import (
    ContractError,
    Device,
    DevicePresence,
    PresenceState,
    Service,
    decode_message,
    encode_message,
)
from marsy.settings import InfluxSettings, MqttSettings
from marsy.store import InfluxError, connect_store

RESEND = 1.0
"""Wall seconds before a round trip that did not come back is tried again."""
AHEAD = 5.0
"""Mission seconds past the monkey's clock a stored sample may be stamped (another clock)."""
HORIZON = 300.0
"""Mission seconds back the store is asked for a device's newest sample."""


class RoundTrip:
    """Messages through the broker and back, on a login of their own (``observer``)."""

    def __init__(self, settings: MqttSettings, clock: MissionClock) -> None:
        self.clock = clock
        self.source = str(Service.OBSERVER)
        self.bus = MqttBus(settings, persistent=False)
        self.topic = self.bus.topics.presence(self.source)
        self.bus.subscribe(self.topic)
        self.bus.start(wait=None)
        self._seq = 0
        self._sent: tuple[int, float] | None = None
        """(seq, monotonic time) of the last message sent."""

    def back_since(self, since: float) -> bool:
        """Whether a message sent after ``since`` (monotonic) came back; sends one if none is
        on its way."""
        while (delivery := self.bus.receive(0)) is not None:
            self.bus.ack(delivery)
            try:
                message = decode_message(delivery.payload)
            except ContractError:
                continue
            sent = self._sent
            if (
                isinstance(message, DevicePresence)
                and sent is not None
                and message.seq == sent[0]
                and sent[1] >= since
            ):
                return True
        sent = self._sent
        stale = sent is None or sent[1] < since or time.monotonic() - sent[1] > RESEND
        if stale and self.bus.connected.is_set():
            self._seq += 1
            ping = DevicePresence(
                source=self.source, seq=self._seq, ts=self.clock.now(), state=PresenceState.ONLINE
            )
            self._sent = (self._seq, time.monotonic())
            self.bus.publish(self.topic, encode_message(ping))
        return False

    def close(self) -> None:
        self.bus.stop(timeout=1)


class Probes:
    """The monkey's ways of seeing a victim back: the store, the broker, a health check."""

    def __init__(self, broker: MqttSettings, store: InfluxSettings, clock: MissionClock) -> None:
        self.clock = clock
        self.mission_id: str | None = None
        self._store = connect_store(store)
        self._broker = broker
        self._round_trip: RoundTrip | None = None

    def stored_since(self, device: Device, since: float) -> bool:
        """Whether a sample of ``device`` stamped at ``since`` (mission time) or later is
        stored for the mission flown."""
        if self.mission_id is None:
            return False
        try:
            newest = self._store.latest(
                device, self.mission_id, self.clock.now() + AHEAD, count=1, horizon=HORIZON
            )
        except (InfluxError, OSError):
            return False
        return bool(newest) and newest[0].time_ns / 1e9 >= since

    def round_trip(self, since: float) -> bool:
        """Whether a message published through the broker after ``since`` (monotonic) came
        back."""
        if self._round_trip is None:
            self._round_trip = RoundTrip(self._broker, self.clock)
        return self._round_trip.back_since(since)

    def answers(self, url: str) -> bool:
        """Whether ``url`` (a service's health check) answers now."""
        try:
            with urllib.request.urlopen(url, timeout=0.5):
                return True
        except OSError:
            return False

    def close(self) -> None:
        if self._round_trip is not None:
            self._round_trip.close()
        self._store.close()
