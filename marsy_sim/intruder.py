"""An attacker's MQTT connection: a device's real login, any client id, any session, any body.

Whoever holds a device's password can do what :class:`marsy.mqtt.MqttBus` never does: ask for
another client's id, resume a session that is not its own, publish on topics the ACL forbids,
flood. This client does exactly that, and reports what the broker made of each message (a
PUBACK's reason code: taken, or refused "Not authorised"), so a fault plan can say what an
attack achieved on the wire before asking what the ground believed.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from marsy.settings import MqttSettings

TAKEN = "taken by the broker"


class IntruderError(RuntimeError):
    """The broker would not let the intruder in."""


@dataclass(frozen=True)
class FloodOutcome:
    sent: int
    taken: int
    refused: int
    seconds: float
    kicked: int
    """Times the broker dropped the intruder on the way (another connection took the id)."""

    def __str__(self) -> str:
        rate = self.taken / self.seconds if self.seconds > 0 else 0.0
        return (
            f"{self.taken} of {self.sent} taken by the broker in {self.seconds:.1f} s "
            f"({rate:,.0f}/s), {self.refused} refused, kicked {self.kicked} times"
        )


class Intruder:
    """One connection; with ``reconnect`` it comes back when kicked, as a determined attacker
    would, else it stays out."""

    def __init__(
        self,
        settings: MqttSettings,
        client_id: str,
        *,
        clean_start: bool = True,
        session_expiry: int = 0,
        reconnect: bool = True,
        window: int = 1000,
    ) -> None:
        self.settings = settings
        self.client_id = client_id
        self.clean_start = clean_start
        self.session_expiry = session_expiry
        self.session_present: bool | None = None
        self.kicked = 0
        self._stopping = False
        self._connected = threading.Event()
        self._answers: dict[int, str] = {}
        """Verdicts of :meth:`send`'s messages by message id (a flood only counts)."""
        self._tracking = False
        self._taken = 0
        self._refused = 0
        self._answered = threading.Condition()
        client = paho.Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=MQTTProtocolVersion.MQTTv5,
            reconnect_on_failure=reconnect,
        )
        if settings.username is not None:
            password = settings.password.get_secret_value() if settings.password else None
            client.username_pw_set(settings.username, password)
        # back at once when kicked: a determined attacker fights for the connection
        client.reconnect_delay_set(0.1, 0.5)  # type: ignore[arg-type]
        client.max_inflight_messages_set(window)
        client.max_queued_messages_set(0)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_publish = self._on_publish
        self._client = client

    # --- connection ---------------------------------------------------------------------------

    def connect(self, timeout: float = 10.0) -> None:
        properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        properties.SessionExpiryInterval = self.session_expiry
        self._client.connect_async(
            self.settings.host,
            self.settings.port,
            keepalive=30,
            clean_start=self.clean_start,
            properties=properties,
        )
        self._client.loop_start()
        if not self._connected.wait(timeout):
            self.close()
            raise IntruderError(
                f"{self.settings.username} as {self.client_id!r}: not let in within {timeout} s"
            )

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def hold(self, seconds: float, stop: threading.Event) -> float:
        """Stay connected up to ``seconds`` (or until ``stop``); wall seconds actually held
        before the broker dropped the connection, or ``seconds``."""
        began = time.monotonic()
        deadline = began + seconds
        while time.monotonic() < deadline and not stop.is_set():
            if not self._connected.is_set():
                return time.monotonic() - began
            stop.wait(min(0.05, max(0.0, deadline - time.monotonic())))
        return min(seconds, time.monotonic() - began)

    def close(self) -> None:
        self._stopping = True
        self._client.disconnect()
        self._client.loop_stop()
        self._connected.clear()

    # --- publishing ---------------------------------------------------------------------------

    def send(self, items: list[tuple[str, bytes]], timeout: float = 10.0) -> list[str]:
        """Publish each ``(topic, payload)`` at QoS 1; the broker's verdict on each, in order."""
        with self._answered:
            self._tracking = True
        mids = [self._publish(topic, payload) for topic, payload in items]
        deadline = time.monotonic() + timeout
        with self._answered:
            while any(m not in self._answers for m in mids if m is not None):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._answered.wait(remaining)
            verdicts = [
                "not sent" if m is None else self._answers.pop(m, "no answer from the broker")
                for m in mids
            ]
            self._tracking = False
            self._answers.clear()
            return verdicts

    def flood(self, topic: str, count: int, timeout: float, stop: threading.Event) -> FloodOutcome:
        """``count`` junk payloads on ``topic`` as fast as the broker takes them, for at most
        ``timeout`` wall seconds (or until ``stop``); what is not taken by then is dropped."""
        began = time.monotonic()
        with self._answered:
            self._taken = self._refused = 0
        sent = 0
        for number in range(count):
            if self._publish(topic, b"junk %d \xff\xfe not a message" % number) is not None:
                sent += 1
        deadline = began + timeout
        with self._answered:
            while self._taken + self._refused < sent and time.monotonic() < deadline:
                if stop.is_set():
                    break
                self._answered.wait(0.2)
            taken, refused = self._taken, self._refused
        return FloodOutcome(sent, taken, refused, time.monotonic() - began, self.kicked)

    def _publish(self, topic: str, payload: bytes) -> int | None:
        info = self._client.publish(topic, payload, qos=1)
        if info.rc not in (MQTTErrorCode.MQTT_ERR_SUCCESS, MQTTErrorCode.MQTT_ERR_NO_CONN):
            return None
        return info.mid

    # --- paho callbacks (network thread) ------------------------------------------------------

    def _on_connect(
        self,
        client: paho.Client,
        userdata: Any,
        flags: paho.ConnectFlags,
        reason: ReasonCode,
        properties: Properties | None,
    ) -> None:
        if reason.is_failure:
            return
        if self.session_present is None:
            self.session_present = bool(flags.session_present)
        self._connected.set()

    def _on_disconnect(
        self,
        client: paho.Client,
        userdata: Any,
        flags: paho.DisconnectFlags,
        reason: ReasonCode,
        properties: Properties | None,
    ) -> None:
        if self._connected.is_set() and not self._stopping:
            self.kicked += 1
        self._connected.clear()

    def _on_publish(
        self,
        client: paho.Client,
        userdata: Any,
        mid: int,
        reason: ReasonCode,
        properties: Properties | None,
    ) -> None:
        with self._answered:
            if reason.is_failure:
                self._refused += 1
                verdict = f"refused by the broker: {reason}"
            else:
                self._taken += 1
                verdict = TAKEN
            if self._tracking:
                self._answers[mid] = verdict
            self._answered.notify_all()
