"""The telemetry ingest as two workers on an MQTT 5 shared subscription, against real Mosquitto
and influxd: one worker SIGKILLed mid-stream, nothing lost, the merged ledger closed."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Any

import pytest

from devservers import LocalInfluxd, LocalMosquitto, free_port
from ground.ingest.ledger import merged_entries
from ground.ingest.workers import RETIRED, WorkerPlan
from marsy.protocol import Device
from tests.ground.conftest import Service, ground_env
from tests.ground.telemetry.flight import MISSION, Flight, stored
from tests.waiting import wait_for

pytestmark = pytest.mark.integration

COUNT = 3000


def ledger(health: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["source"]: e for e in health["ledger"] if e["mission_id"] == MISSION}


def closed(health: dict[str, Any], count: int = COUNT) -> bool:
    entries = ledger(health)
    return all(
        entries.get(source, {}).get("received") == count and entries[source]["missing"] == 0
        for source in ("rocket", "suit")
    )


def telemetry(
    broker: LocalMosquitto, influxd: LocalInfluxd, folder: Path, *options: str
) -> Service:
    """``marsy serve telemetry`` with ``options``, its state in ``folder/state``."""
    port = free_port()
    return Service(
        "telemetry",
        [sys.executable, "-m", "marsy_cli", "serve", "telemetry", *options],
        ground_env(broker, "telemetry", influxd, folder / "state", port),
        port,
        folder / f"telemetry{''.join(options)}.log",
    )


def test_a_worker_killed_mid_stream_loses_nothing_and_the_merged_ledger_closes(
    private_broker: LocalMosquitto, private_influxd: LocalInfluxd, tmp_path: Path
) -> None:
    state = tmp_path / "state"
    ingest = telemetry(private_broker, private_influxd, tmp_path, "--workers", "2")
    ingest.start()
    try:
        wait_for(lambda: all(w["answering"] for w in ingest.health()["workers"]), 30, "2 workers")
        flight = Flight(private_broker, count=COUNT, rate=300)
        flight.start()
        wait_for(lambda: flight.sent > COUNT // 3, 30, "a third of the flight")
        second = ingest.health()["workers"][1]
        assert second["received"] > 0, "the second worker takes its share of the stream"
        os.kill(second["pid"], signal.SIGKILL)
        killed_at = flight.sent
        wait_for(lambda: ingest.health()["workers"][1]["restarts"] == 1, 20, "the restart")
        flight.finish()
        for device in (Device.ROCKET, Device.SUIT):
            wait_for(lambda d=device: stored(private_influxd, d) == COUNT, 60, f"{device} points")
        wait_for(lambda: closed(ingest.health()), 30, "a closed ledger")
        health = ingest.health()
    finally:
        ingest.stop()
    assert killed_at < COUNT, "the kill landed after the end; the test proved nothing"
    assert [w["exits"] for w in health["workers"]] == [[], [-signal.SIGKILL]]
    # Alone, each worker's ledger is full of holes: the other worker's share.
    for index in (1, 2):
        folder = state / WorkerPlan("telemetry", index).state
        (own, *_) = merged_entries([folder / "ledger.db"], MISSION)
        assert 0 < own.received < COUNT and own.missing > 0
    duplicates = {source: entry["duplicates"] for source, entry in ledger(health).items()}
    print(f"\nworker 2 SIGKILLed at {killed_at}/{COUNT}; duplicates: {duplicates}")


def test_a_worker_no_longer_run_is_drained_and_its_session_ended(
    private_broker: LocalMosquitto, private_influxd: LocalInfluxd, tmp_path: Path
) -> None:
    """Two workers, then one process: the broker kept queueing the second worker's share in its
    session while nobody ran; the lone recorder drains it, ends the session, and takes
    everything from then on."""
    two = telemetry(private_broker, private_influxd, tmp_path, "--workers", "2")
    two.start()
    wait_for(lambda: all(w["answering"] for w in two.health()["workers"]), 30, "2 workers")
    two.stop()
    while_away = Flight(private_broker, count=600, rate=300)
    while_away.start()
    while_away.finish()
    one = telemetry(private_broker, private_influxd, tmp_path)
    one.start()
    try:
        retired = tmp_path / "state" / WorkerPlan("telemetry", 2).state / RETIRED
        wait_for(retired.exists, 30, "the second worker's session drained and ended")
        after = Flight(private_broker, count=600, rate=300, first=600)
        after.start()
        after.finish()
        for device in (Device.ROCKET, Device.SUIT):
            wait_for(lambda d=device: stored(private_influxd, d) == 1200, 60, f"{device} points")
        wait_for(lambda: closed(one.health(), 1200), 30, "the merged ledger closed")
    finally:
        one.stop()
    assert "drained" in retired.read_text()
