"""A watcher of the live webcast page, for browser tests of a whole simulated mission.

It opens the page in headless Chromium (Debian's, driven by Playwright as in
``tests/ground/webcaster/test_page.py``) on a thread of its own, reads what the page shows every
``interval`` seconds and keeps a :class:`PageSnapshot` each time something changed: the header
(mission, state, phase, the vehicle the crew rides), the figures with their labels and shown
values, the commentary lines with their times, the separators and the events. The mission
flies on the test's own thread meanwhile::

    from tests.sim.live_page import LivePage

    with LivePage(webcaster_url) as live:        # Chromium starts; the page may not be up yet
        explosion = fly(options)                 # the test's thread flies the mission
        live.wait_for(lambda s: s.state == "aborted", timeout=30)
    assert "abort" in live.states()              # every state the header went through
    assert live.first(lambda s: s.figure("capsule altitude") is not None)
    assert any(line.startswith("Drogue parachutes out") for line in live.lines())
    shown = live.values("capsule altitude")      # the capsule's altitude as it fell

The page is (re)loaded until it answers, so a watcher may start before the webcaster does; once
loaded, the page's own ``EventSource`` reconnects through a webcaster restart. Leaving the block
stops the thread and closes the browser; an error on the watcher's thread (Chromium missing, the
page never loading within ``load_timeout``) is raised there, and by :meth:`LivePage.wait_for`.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"

READ = """() => {
  const text = (id) => (document.getElementById(id) || {}).textContent || "";
  const all = (selector, read) => Array.from(document.querySelectorAll(selector), read);
  return {
    connection: text("status"),
    mission: text("mission"),
    state: text("state"),
    phase: text("phase"),
    crew: text("crew"),
    figures: all("#figures .figure", (tile) => ({
      key: tile.dataset.key || "",
      label: tile.querySelector(".label").textContent,
      value: tile.querySelector(".value").textContent,
    })),
    lines: all("#lines .line", (item) => ({
      time: item.querySelector("time").textContent,
      speaker: item.querySelector(".speaker").textContent,
      text: item.querySelector(".text").textContent,
      mission: item.dataset.mission || "",
    })),
    separators: all("#lines .separator", (item) => item.textContent),
    events: all("#events .event .text", (item) => item.textContent),
  };
}"""
"""What one reading takes from the page (the element ids and classes of ``ground/webcaster``)."""


@dataclass(frozen=True)
class ShownFigure:
    key: str
    """The parameter's key (``suit.altitude``)."""
    label: str
    """What the page calls it (``capsule altitude``)."""
    value: str
    """As shown, with its unit (``2400 m``), or ``-`` before any value."""


@dataclass(frozen=True)
class ShownLine:
    time: str
    """``T+01:23``, ``T-00:05`` or the mission clock before lift-off."""
    speaker: str
    text: str
    mission: str


@dataclass(frozen=True)
class PageSnapshot:
    """What the page showed at ``at`` (seconds since the watcher started)."""

    at: float
    connection: str
    """``live`` while the event stream is open, ``reconnecting`` while it is not."""
    mission: str
    state: str
    """In words, as shown: ``flying``, ``hold``, ``abort``, ``aborted``..."""
    phase: str
    """In words: ``max q``, ``parachutes``..."""
    crew: str
    """The vehicle the crew rides: ``rocket``, or ``capsule`` after an abort."""
    figures: tuple[ShownFigure, ...]
    lines: tuple[ShownLine, ...]
    separators: tuple[str, ...]
    events: tuple[str, ...]
    """Newest first, as the page lists them (``max q (rocket)``)."""

    def figure(self, label: str) -> ShownFigure | None:
        """The figure the page labels ``label``, if it shows one."""
        return next((f for f in self.figures if f.label == label), None)

    def said(self, start: str) -> bool:
        """Whether a commentary line starting with ``start`` is on the page."""
        return any(line.text.startswith(start) for line in self.lines)


@dataclass
class _Reading:
    snapshots: list[PageSnapshot] = field(default_factory=list)
    polls: int = 0
    error: BaseException | None = None


class LivePage:
    """Watches the page at ``url``; a context manager (or :meth:`start`, then :meth:`stop`)."""

    def __init__(
        self,
        url: str,
        *,
        interval: float = 0.5,
        load_timeout: float = 60.0,
        chromium: str | None = None,
    ) -> None:
        self.url = url
        self.interval = interval
        self.load_timeout = load_timeout
        self.chromium = chromium or shutil.which("chromium") or CHROMIUM
        self._reading = _Reading()
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._stop = threading.Event()
        self._began = 0.0
        self._thread = threading.Thread(target=self._run, name="live-page", daemon=True)

    # --- running ------------------------------------------------------------------------------

    def start(self) -> LivePage:
        """Start Chromium on the watcher's thread; returns at once (see :meth:`wait_for`)."""
        if not Path(self.chromium).exists():
            raise FileNotFoundError(f"no Chromium at {self.chromium}: apt-get install -y chromium")
        self._began = time.monotonic()
        self._thread.start()
        return self

    def stop(self, timeout: float = 30.0) -> None:
        """Stop reading and close the browser; raise what went wrong on the watcher's thread."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
        if self._thread.is_alive():
            raise RuntimeError(f"the live page watcher did not stop within {timeout} s")
        self._raise()

    def __enter__(self) -> LivePage:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        try:
            self.stop()
        except Exception:
            if error is None:
                raise  # the test's own failure comes first

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    # --- what was seen ------------------------------------------------------------------------

    @property
    def snapshots(self) -> list[PageSnapshot]:
        """Every change the page showed, oldest first (a copy)."""
        with self._lock:
            return list(self._reading.snapshots)

    @property
    def polls(self) -> int:
        """How many times the page was read (changed or not)."""
        with self._lock:
            return self._reading.polls

    @property
    def latest(self) -> PageSnapshot | None:
        with self._lock:
            return self._reading.snapshots[-1] if self._reading.snapshots else None

    def first(self, predicate: Callable[[PageSnapshot], bool]) -> PageSnapshot | None:
        """The first snapshot for which ``predicate`` holds, if any."""
        return next((s for s in self.snapshots if predicate(s)), None)

    def wait_for(
        self, predicate: Callable[[PageSnapshot], bool], timeout: float = 30.0
    ) -> PageSnapshot:
        """The first snapshot (already taken or to come) for which ``predicate`` holds;
        ``TimeoutError`` with the last one shown if none does within ``timeout``."""
        deadline = time.monotonic() + timeout
        seen = 0
        with self._changed:
            while True:
                for snapshot in self._reading.snapshots[seen:]:
                    if predicate(snapshot):
                        return snapshot
                seen = len(self._reading.snapshots)
                if self._reading.error is not None:
                    raise RuntimeError("the live page watcher failed") from self._reading.error
                left = deadline - time.monotonic()
                if left <= 0 or not self._thread.is_alive():
                    last = self._reading.snapshots[-1] if self._reading.snapshots else None
                    raise TimeoutError(f"the live page never showed that; last: {last}")
                self._changed.wait(min(left, self.interval))

    def states(self) -> list[str]:
        """The header's states in the order shown, each once per stretch."""
        return _runs(s.state for s in self.snapshots)

    def phases(self) -> list[str]:
        """The header's phases in the order shown, each once per stretch."""
        return _runs(s.phase for s in self.snapshots)

    def lines(self) -> list[str]:
        """Every commentary line the page showed, in order, each once."""
        seen: dict[tuple[str, str, str], str] = {}
        for snapshot in self.snapshots:
            for line in snapshot.lines:
                seen.setdefault((line.mission, line.speaker, line.text), line.text)
        return list(seen.values())

    def values(self, label: str) -> list[str]:
        """The values the figure labelled ``label`` showed, in order, each once per stretch."""
        return _runs(
            figure.value
            for snapshot in self.snapshots
            if (figure := snapshot.figure(label)) is not None
        )

    # --- the watcher's thread -----------------------------------------------------------------

    def _raise(self) -> None:
        with self._lock:
            error = self._reading.error
        if error is not None:
            raise RuntimeError("the live page watcher failed") from error

    def _run(self) -> None:
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=self.chromium, headless=True, args=["--no-sandbox"]
                )
                try:
                    page = browser.new_page()
                    if self._load(page):
                        while True:
                            self._take(page.evaluate(READ))
                            if self._stop.wait(self.interval):
                                break
                finally:
                    browser.close()
        except BaseException as exc:  # kept for the test's thread, which raises it
            with self._changed:
                self._reading.error = exc
                self._changed.notify_all()

    def _load(self, page: Any) -> bool:
        """Load the page, again until it answers; ``False`` if stopped first."""
        deadline = time.monotonic() + self.load_timeout
        while not self._stop.is_set():
            try:
                page.goto(self.url, timeout=10_000)
                return True
            except PlaywrightError:
                if time.monotonic() > deadline:
                    raise
                self._stop.wait(self.interval)
        return False

    def _take(self, data: dict[str, Any]) -> None:
        snapshot = PageSnapshot(
            at=time.monotonic() - self._began,
            connection=data["connection"],
            mission=data["mission"],
            state=data["state"],
            phase=data["phase"],
            crew=data["crew"],
            figures=tuple(ShownFigure(**f) for f in data["figures"]),
            lines=tuple(ShownLine(**line) for line in data["lines"]),
            separators=tuple(data["separators"]),
            events=tuple(data["events"]),
        )
        with self._changed:
            self._reading.polls += 1
            last = self._reading.snapshots[-1] if self._reading.snapshots else None
            if last is None or _shown(last) != _shown(snapshot):
                self._reading.snapshots.append(snapshot)
                self._changed.notify_all()


def _shown(snapshot: PageSnapshot) -> tuple[Any, ...]:
    """Everything but the time it was read."""
    return (
        snapshot.connection,
        snapshot.mission,
        snapshot.state,
        snapshot.phase,
        snapshot.crew,
        snapshot.figures,
        snapshot.lines,
        snapshot.separators,
        snapshot.events,
    )


def _runs(values: Any) -> list[str]:
    """``values`` with repeats in a row collapsed: a, a, b, a -> a, b, a."""
    runs: list[str] = []
    for value in values:
        if not runs or runs[-1] != value:
            runs.append(value)
    return runs
