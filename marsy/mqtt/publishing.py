"""Publishing with flow control: at most ``max_inflight`` QoS-1 publishes await their PUBACK at
once, and a broker's refusal reaches whoever waits on the publish.

Apart from the session (:mod:`marsy.mqtt.bus`) because its bookkeeping (the window, the
refusals, the messages sent outside the window) is its own, and so are paho's quirks it works
around: a message queued while disconnected, a PUBACK reason code paho does not surface.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

import paho.mqtt.client as paho
from paho.mqtt.enums import MQTTErrorCode
from paho.mqtt.reasoncodes import ReasonCode

from marsy.mqtt.errors import PublishRejected, PublishTimeout
from marsy.mqtt.stats import BusStats
from marsy.settings import MqttSettings


class Pending:
    """A publish on its way: :meth:`wait` blocks until the broker acknowledged it."""

    def __init__(self, outbox: Outbox, info: paho.MQTTMessageInfo, topic: str) -> None:
        self._outbox = outbox
        self._info = info
        self.topic = topic

    @property
    def mid(self) -> int:
        return self._info.mid

    def is_done(self) -> bool:
        # paho's is_published() raises for a message queued while disconnected (rc NO_CONN),
        # although paho does send it after the reconnect; read the flag PUBACK sets instead.
        return bool(self._info._published)

    def wait(self, timeout: float | None = None) -> None:
        """Raise :class:`PublishTimeout` or :class:`PublishRejected` unless acknowledged."""
        limit = self._outbox.settings.publish_timeout if timeout is None else timeout
        deadline = time.monotonic() + limit
        # paho's wait_for_publish raises at once while disconnected; we wait for the reconnect.
        while not self.is_done():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise PublishTimeout(f"no PUBACK for mid {self.mid} on {self.topic} in {limit} s")
            with self._info._condition:  # the condition paho notifies on PUBACK
                if not self.is_done():
                    self._info._condition.wait(min(remaining, 0.5))
        reason = self._outbox.pop_rejection(self._info)
        if reason is not None:
            raise PublishRejected(f"broker refused {self.topic}: {reason}")


@dataclass
class _Rejections:
    """PUBACK failure reasons by message info, bounded so unread ones cannot pile up."""

    items: OrderedDict[int, str] = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    limit: int = 10_000

    def put(self, key: int, reason: str) -> None:
        with self.lock:
            self.items[key] = reason
            while len(self.items) > self.limit:
                self.items.popitem(last=False)

    def pop(self, key: int) -> str | None:
        with self.lock:
            return self.items.pop(key, None)


class Outbox:
    """The publishing side of one connection: its window, and the refusals not yet read."""

    def __init__(self, settings: MqttSettings, stats: BusStats) -> None:
        self.settings = settings
        self.stats = stats
        self._window = threading.BoundedSemaphore(settings.max_inflight)
        self._rejections = _Rejections()
        self._unwindowed: set[int] = set()

    def publish(
        self, client: paho.Client, topic: str, payload: bytes, *, qos: int, retain: bool
    ) -> Pending:
        """Hand a message to paho; blocks while ``max_inflight`` await their PUBACK."""
        if qos and not self._window.acquire(timeout=self.settings.publish_timeout):
            raise PublishTimeout(
                f"{self.settings.max_inflight} publishes unacknowledged for "
                f"{self.settings.publish_timeout} s; is the broker reachable?"
            )
        info = client.publish(topic, payload, qos=qos, retain=retain)
        # NO_CONN: paho keeps the QoS-1 message and sends it when the connection is back.
        if info.rc not in (MQTTErrorCode.MQTT_ERR_SUCCESS, MQTTErrorCode.MQTT_ERR_NO_CONN):
            if qos:
                self._window.release()
            self.stats.rejected += 1
            raise PublishRejected(f"paho refused {topic}: {paho.error_string(info.rc)}")
        if not qos:
            info._set_as_published()
        self.stats.published += 1
        return Pending(self, info, topic)

    def outside_window(self, mid: int) -> None:
        """A QoS-1 message published straight through paho (the online status, from the
        network thread): its PUBACK must not free a place in the window it never took.
        Safe without a lock: PUBACKs are handled on that same network thread, later."""
        self._unwindowed.add(mid)

    def pop_rejection(self, info: paho.MQTTMessageInfo) -> str | None:
        return self._rejections.pop(id(info))

    def on_publish(self, client: paho.Client, mid: int, reason: ReasonCode) -> None:
        """paho's PUBACK: the refusal kept for the waiter, the window's place given back."""
        # For QoS 1 paho calls us on PUBACK, under its out-message lock, with the message still
        # registered; a QoS-0 message was never registered (nor counted in the window).
        message = client._out_messages.get(mid)
        if message is None:
            return
        if reason.is_failure:
            self._rejections.put(id(message.info), str(reason))
            self.stats.rejected += 1
        if mid in self._unwindowed:
            self._unwindowed.discard(mid)  # the online status sent from _on_connect
        else:
            self._window.release()
