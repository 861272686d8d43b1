"""Fan-out of the live view to every open page, as server-sent events.

The bus consumer feeds :meth:`Hub.apply`; each page holds a :class:`Subscription`, a bounded
queue that starts with a snapshot. A page too slow to keep up is cut off rather than allowed to
hold memory: its browser's ``EventSource`` reconnects by itself and starts again from a fresh
snapshot, so nothing is shown twice or out of order.

The stream opens with a comment at once: browsers fire ``EventSource.onopen`` only when the
first bytes arrive, and a quiet mission could otherwise leave a page "connecting" forever.
"""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ground.webcaster.view import LiveView, StreamEvent, Update
from marsy.protocol import Message

OPENING = b": MarsY webcast\nretry: 2000\n\n"
"""First bytes of every stream: a comment (fires ``onopen``) and the reconnection delay (ms)."""
KEEPALIVE = b": keepalive\n\n"


def encode(update: Update) -> bytes:
    """One server-sent event; compact JSON never contains a newline, so one ``data:`` line."""
    data = json.dumps(update.data, separators=(",", ":"), default=str)
    return f"event: {update.event}\ndata: {data}\n\n".encode()


class Subscription:
    """One page's queue of updates."""

    def __init__(self, size: int) -> None:
        self._queue: queue.Queue[Update | None] = queue.Queue(maxsize=size)
        self.closed = False

    def put(self, update: Update) -> bool:
        """Queue ``update``; ``False`` (and closed) if the page fell too far behind."""
        if self.closed:
            return False
        try:
            self._queue.put_nowait(update)
        except queue.Full:
            self.close()
            return False
        return True

    def close(self) -> None:
        self.closed = True
        try:
            self._queue.put_nowait(None)  # wakes the reader
        except queue.Full:
            pass  # the reader finds the queue full of updates, then sees ``closed``

    def next(self, timeout: float) -> Update | None:
        """The next update, or ``None`` after ``timeout`` or once closed."""
        if self.closed and self._queue.empty():
            return None
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None


@dataclass
class HubStats:
    pages_opened: int = 0
    pages_cut_off: int = 0


class Hub:
    """The live view behind a lock, and the pages watching it."""

    def __init__(
        self,
        view: LiveView,
        *,
        figure_interval: float = 0.25,
        queue_size: int = 1000,
        keepalive: float = 15.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.view = view
        self.figure_interval = figure_interval
        self.queue_size = queue_size
        self.keepalive = keepalive
        self.stats = HubStats()
        self._monotonic = monotonic
        self._last_figures = float("-inf")
        self._lock = threading.Lock()
        self._pages: set[Subscription] = set()
        self._closed = False

    @property
    def pages(self) -> int:
        with self._lock:
            return len(self._pages)

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return self.view.snapshot()

    def astronaut(self) -> str | None:
        with self._lock:
            return self.view.astronaut

    def apply(self, message: Message) -> None:
        with self._lock:
            updates = self.view.apply(message)
            self._send(updates)
        self.flush()

    def flush(self) -> None:
        """Send the latest figures, at most once per ``figure_interval``."""
        now = self._monotonic()
        with self._lock:
            if now - self._last_figures < self.figure_interval:
                return
            update = self.view.take_figures()
            if update is not None:
                self._last_figures = now
                self._send([update])

    def _send(self, updates: list[Update]) -> None:
        for update in updates:
            for page in list(self._pages):
                if not page.put(update):
                    self._pages.discard(page)
                    self.stats.pages_cut_off += 1

    def subscribe(self) -> Subscription:
        page = Subscription(self.queue_size)
        with self._lock:
            page.put(Update(StreamEvent.SNAPSHOT, self.view.snapshot()))
            if self._closed:
                page.close()
            else:
                self._pages.add(page)
                self.stats.pages_opened += 1
        return page

    def unsubscribe(self, page: Subscription) -> None:
        with self._lock:
            self._pages.discard(page)
        page.close()

    def close(self) -> None:
        """End every stream (at shutdown), so no request thread outlives the server."""
        with self._lock:
            self._closed = True
            pages, self._pages = self._pages, set()
        for page in pages:
            page.close()

    def stream(self) -> Iterator[bytes]:
        """The bytes of one page's event stream, until the page goes or the hub closes."""
        page = self.subscribe()
        try:
            yield OPENING
            while True:
                update = page.next(self.keepalive)
                if update is not None:
                    yield encode(update)
                elif page.closed:
                    return
                else:
                    yield KEEPALIVE  # also how a vanished page is noticed: the write fails
        finally:
            self.unsubscribe(page)
