"""The shape every ground service runs in: parts up in order and down in reverse, loops joined
before any part stops, the stop in a ``finally`` whatever ends the serving."""

from __future__ import annotations

import threading
import urllib.request

import pytest
from flask import Flask

from ground.service_skeleton import Skeleton, serve
from marsy.settings import GroundSettings


class Recording:
    """A part that writes what happens to it in a shared journal."""

    def __init__(self, name: str, journal: list[str], *, fail_start: bool = False) -> None:
        self.name = name
        self.journal = journal
        self.fail_start = fail_start

    def start(self) -> None:
        if self.fail_start:
            raise RuntimeError(f"{self.name} cannot start")
        self.journal.append(f"start {self.name}")

    def stop(self) -> None:
        self.journal.append(f"stop {self.name}")


class Store:
    def __init__(self, journal: list[str]) -> None:
        self.journal = journal

    def close(self) -> None:
        self.journal.append("close store")


def test_parts_start_in_order_and_stop_in_reverse_after_the_loops() -> None:
    journal: list[str] = []
    skeleton = Skeleton("test")
    skeleton.closing(Store(journal))
    skeleton.part(Recording("bus", journal))
    skeleton.add("director", start=lambda: journal.append("resume director"))
    skeleton.part(Recording("http", journal))
    looping = threading.Event()

    def loop(stopping: threading.Event) -> None:
        looping.set()
        stopping.wait()
        journal.append("loop ended")

    skeleton.loop("bus", loop)
    skeleton.start()
    assert looping.wait(5)
    assert journal == ["start bus", "resume director", "start http"]
    skeleton.stop()
    assert journal[3:] == ["loop ended", "stop http", "stop bus", "close store"]
    skeleton.stop()  # a second stop does nothing
    assert len(journal) == 7


def test_a_part_that_fails_to_start_stops_those_before_it_and_no_loop_runs() -> None:
    journal: list[str] = []
    ran = threading.Event()
    skeleton = Skeleton("test")
    skeleton.closing(Store(journal))
    skeleton.part(Recording("bus", journal))
    skeleton.part(Recording("http", journal, fail_start=True))
    skeleton.part(Recording("after", journal))
    skeleton.loop("bus", lambda stopping: ran.set())
    with pytest.raises(RuntimeError, match="http cannot start"):
        skeleton.start()
    assert journal == ["start bus", "stop bus", "close store"]
    assert not ran.is_set()


def test_serving_stops_the_parts_when_the_main_loop_raises() -> None:
    journal: list[str] = []
    skeleton = Skeleton("test")
    skeleton.part(Recording("bus", journal))

    def main(stop: threading.Event) -> None:
        raise ValueError("a bug in the main loop")

    with pytest.raises(ValueError):
        serve(skeleton, threading.Event(), main)
    assert journal == ["start bus", "stop bus"]


def test_a_part_that_fails_to_stop_does_not_keep_the_others_up(
    caplog: pytest.LogCaptureFixture,
) -> None:
    journal: list[str] = []
    skeleton = Skeleton("test")
    skeleton.part(Recording("bus", journal))

    def broken() -> None:
        raise OSError("disk gone")

    skeleton.add("spool", stop=broken)
    skeleton.start()
    skeleton.stop()
    assert journal == ["start bus", "stop bus"]
    assert "stopping spool failed" in caplog.text


def test_a_service_serves_until_stop_then_its_server_is_down() -> None:
    app = Flask("test")
    app.add_url_rule("/ping", "ping", lambda: "pong")
    skeleton = Skeleton("test")
    server = skeleton.http(app, GroundSettings.load(http_port=0))
    stop = threading.Event()
    serving = threading.Thread(target=serve, args=(skeleton, stop))
    serving.start()
    try:
        with urllib.request.urlopen(f"{skeleton.url}/ping", timeout=5) as answer:
            assert answer.read() == b"pong"
    finally:
        stop.set()
        serving.join(10)
    assert not serving.is_alive()
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{server.url}/ping", timeout=2)
