"""``marsy serve webcaster``: the webcaster's process, its collaborators wired together.

One MQTT connection (fixed client id, persistent session: commentary and events published while
the webcaster restarts are waiting for it), the transcript store in ``state_dir``, the live view
and its streams, the interviewer, the bus loop, and the threaded HTTP server.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from ground.web import HttpServer
from ground.webcaster.app import create_app
from ground.webcaster.consumer import Consumer, subscribe
from ground.webcaster.interview import Interviewer
from ground.webcaster.store import TranscriptStore
from ground.webcaster.stream import Hub
from ground.webcaster.view import LiveView
from marsy.mqtt import MqttBus
from marsy.protocol import Service
from marsy.settings import GroundSettings

logger = logging.getLogger(__name__)

STORE_FILE = "webcaster.db"


class Webcaster:
    """:meth:`start`, then :meth:`stop`; ``url`` is where the page is served."""

    def __init__(
        self,
        settings: GroundSettings,
        *,
        answer_timeout: float = 20.0,
        resend_every: float = 2.0,
    ) -> None:
        self.clock = settings.clock.clock()
        self.store = TranscriptStore(settings.state_dir / STORE_FILE)
        self.bus = MqttBus(settings.mqtt, presence=Service.WEBCASTER, clock=self.clock)
        self.hub = Hub(LiveView())
        self.interviewer = Interviewer(
            self.bus,
            self.store,
            self.clock,
            source=Service.WEBCASTER,
            answer_timeout=answer_timeout,
            resend_every=resend_every,
        )
        self.consumer = Consumer(self.bus, self.hub, self.interviewer)
        app = create_app(settings, self.hub, self.store, self.health)
        self.http = HttpServer(app, settings.http_host, settings.http_port)
        self._stop = threading.Event()
        self._loop = threading.Thread(
            target=self.consumer.run, args=(self._stop,), name="webcaster-bus", daemon=True
        )

    @property
    def url(self) -> str:
        return self.http.url

    def health(self) -> dict[str, Any]:
        return {
            "status": "ok",
            "mqtt_connected": self.bus.connected.is_set(),
            "pages": self.hub.pages,
            "handled": self.consumer.stats.handled,
            "malformed": self.consumer.stats.malformed,
            "failed": self.consumer.stats.failed,
            "interviews": vars(self.interviewer.stats),
        }

    def start(self) -> None:
        subscribe(self.bus)
        self.bus.start(wait=None)  # the page is served even while the broker is away
        self.interviewer.resume()
        self._loop.start()
        self.http.start()

    def stop(self) -> None:
        """Stop everything, in the order that lets each part finish; a second call does nothing."""
        if self._stop.is_set():
            return
        self._stop.set()
        self._loop.join(timeout=5)
        self.interviewer.close()
        self.hub.close()  # ends the open streams, so their request threads finish
        self.http.stop()
        self.bus.stop()
        self.store.close()


def run(settings: GroundSettings, stop: threading.Event) -> None:
    """Serve until ``stop`` is set."""
    webcaster = Webcaster(settings)
    webcaster.start()
    logger.info("webcast page at %s/", webcaster.url)
    try:
        stop.wait()
    finally:
        webcaster.stop()
