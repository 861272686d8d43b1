"""``marsy serve webcaster``: the webcaster's process, its collaborators wired together.

One MQTT connection (fixed client id, persistent session: commentary and events published while
the webcaster restarts are waiting for it), the transcript store in ``state_dir``, the live view
and its streams, the webcaster's one voice on the bus shared by the interviewer and the
commentary, the bus loop, and the threaded HTTP server.
"""

from __future__ import annotations

import threading
from typing import Any

from ground.service_skeleton import Skeleton, serve
from ground.webcaster.app import create_app
from ground.webcaster.consumer import Consumer, subscribe
from ground.webcaster.interview import Interviewer
from ground.webcaster.narrator import Narrator
from ground.webcaster.store import TranscriptStore
from ground.webcaster.stream import Hub
from ground.webcaster.view import LiveView
from ground.webcaster.voice import Voice
from marsy.protocol import Service
from marsy.settings import GroundSettings

NAME = str(Service.WEBCASTER)
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
        self.skeleton = Skeleton(NAME)
        self.store = self.skeleton.closing(TranscriptStore(settings.state_dir / STORE_FILE))
        self.bus = self.skeleton.mqtt(settings, self.clock, presence=NAME)
        subscribe(self.bus)
        self.hub = Hub(LiveView())
        self.voice = Voice(self.bus, self.clock, NAME, confirm_within=resend_every)
        self.interviewer = Interviewer(
            self.bus,
            self.store,
            self.clock,
            source=NAME,
            answer_timeout=answer_timeout,
            resend_every=resend_every,
            voice=self.voice,
        )
        self.skeleton.add("interviews", self.interviewer.resume, self.interviewer.close)
        self.narrator = Narrator(self.voice, self.store)
        self.consumer = Consumer(self.bus, self.hub, self.interviewer, self.narrator)
        self.skeleton.loop("bus", self.consumer.run)
        app = create_app(settings, self.hub, self.store, self.health)
        self.http = self.skeleton.http(app, settings)
        # Stopped before the server: ends the open streams, so their request threads finish.
        self.skeleton.add("streams", stop=self.hub.close)

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
            "commentary_lines": self.narrator.said,
        }

    def start(self) -> None:
        self.skeleton.start()

    def stop(self) -> None:
        """Stop everything, in the order that lets each part finish; a second call does nothing."""
        self.skeleton.stop()


def run(settings: GroundSettings, stop: threading.Event) -> None:
    """Serve until ``stop`` is set."""
    webcaster = Webcaster(settings)
    serve(webcaster.skeleton, stop, detail="the webcast page")
