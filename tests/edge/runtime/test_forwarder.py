"""The forwarder keeps what the broker acknowledged and publishes it again after a reconnect.

The first tests drive the forwarder's decisions pass by pass over a scripted bus (when PUBACKs
arrive, when the connection drops) and a hand-set clock; the last ones kill a real Mosquitto
right after it acknowledged a burst its consumer had not received, and count what arrives.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from devservers import LocalMosquitto
from edge.runtime.forwarder import Forwarder
from edge.runtime.outbox import Outbox
from marsy.mqtt import MqttBus
from marsy.protocol import (
    Channel,
    Device,
    DeviceTelemetry,
    FlightPhase,
    encode_message,
)
from tests.waiting import wait_for

CONSUMER = Path(__file__).parents[2] / "mqtt" / "durable_consumer.py"


# --- the decisions, over a scripted bus ---------------------------------------------------------


@dataclass
class ScriptedPending:
    payload: bytes
    done: bool = False

    def is_done(self) -> bool:
        return self.done

    def wait(self, timeout: float | None = None) -> None:
        assert self.done


@dataclass
class ScriptedStats:
    connects: int = 0


@dataclass
class ScriptedBus:
    """Records what is published; the test says when the broker acknowledges and reconnects."""

    stats: ScriptedStats = field(default_factory=ScriptedStats)
    connected: threading.Event = field(default_factory=threading.Event)
    sent: list[ScriptedPending] = field(default_factory=list)
    published: list[bytes] = field(default_factory=list)

    def connect(self) -> None:
        self.stats.connects += 1
        self.connected.set()

    def publish(self, topic: str, payload: bytes, *, retain: bool = False) -> ScriptedPending:
        pending = ScriptedPending(payload)
        self.sent.append(pending)
        self.published.append(payload)
        return pending

    def ack_all(self) -> None:
        for pending in self.sent:
            pending.done = True
        self.sent = []

    def take(self) -> list[bytes]:
        """What was published since the last call."""
        payloads, self.published = self.published, []
        return payloads


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def scripted(tmp_path: Path) -> Iterator[tuple[Forwarder, Outbox, ScriptedBus, Clock]]:
    box = Outbox(tmp_path / "out.db")
    bus = ScriptedBus()
    clock = Clock()
    forwarder = Forwarder(box, bus, replay_window=15.0, clock=clock)  # type: ignore[arg-type]
    yield forwarder, box, bus, clock
    box.close()


def queue(box: Outbox, count: int) -> None:
    box.append(
        "t", lambda seq: [("t", str(seq + i).encode(), False) for i in range(count)], mission="M"
    )


def passes(forwarder: Forwarder, count: int = 3) -> None:
    for _ in range(count):
        forwarder.step()


def test_replay_after_a_reconnect_comes_in_order_before_anything_new(
    scripted: tuple[Forwarder, Outbox, ScriptedBus, Clock],
) -> None:
    forwarder, box, bus, clock = scripted
    queue(box, 3)
    passes(forwarder)
    assert bus.take() == [], "nothing leaves before the first connection"
    bus.connect()
    passes(forwarder)
    bus.ack_all()
    passes(forwarder)
    assert bus.take() == [b"0", b"1", b"2"]
    assert box.depth() == 0 and box.kept_count() == 3
    bus.connected.clear()  # the broker dies; meanwhile the board keeps talking
    queue(box, 2)
    clock.now += 100
    passes(forwarder)
    assert bus.take() == [], "new messages wait on disk while the broker is away"
    assert box.kept_count() == 3, "nothing is forgotten while the broker's fate is unknown"
    bus.connect()
    for _ in range(6):
        forwarder.step()
        bus.ack_all()
    assert bus.take() == [b"0", b"1", b"2", b"3", b"4"]
    assert (forwarder.stats.replays, forwarder.stats.replayed) == (1, 3)


def test_kept_messages_go_once_the_broker_lived_a_window_past_their_puback(
    scripted: tuple[Forwarder, Outbox, ScriptedBus, Clock],
) -> None:
    forwarder, box, bus, clock = scripted
    bus.connect()
    queue(box, 2)
    passes(forwarder)
    bus.ack_all()
    passes(forwarder)
    clock.now += 10
    queue(box, 1)
    passes(forwarder)
    bus.ack_all()
    passes(forwarder)
    assert box.kept_count() == 3, "10 s of life is not yet the 15 s window"
    clock.now += 6
    queue(box, 1)
    passes(forwarder)
    bus.ack_all()
    passes(forwarder)
    assert [q.payload for q in box.kept(10)] == [b"2", b"3"], "a later PUBACK proved the save"


def test_an_acknowledgement_seen_only_after_a_reconnect_is_replayed(
    scripted: tuple[Forwarder, Outbox, ScriptedBus, Clock],
) -> None:
    forwarder, box, bus, clock = scripted
    bus.connect()
    queue(box, 2)
    passes(forwarder)
    bus.take()
    # The PUBACKs arrive, then the connection drops and comes back before the forwarder looks:
    # the broker that acknowledged may be the one that died.
    bus.ack_all()
    bus.stats.connects += 1
    for _ in range(4):
        forwarder.step()
        bus.ack_all()
    assert bus.take() == [b"0", b"1"]
    clock.now += 100
    queue(box, 1)
    passes(forwarder)
    bus.ack_all()
    passes(forwarder)
    assert box.kept_count() == 1, "the replayed ones went once the broker lived on"


# --- a real broker killed right after acknowledging -----------------------------------------


def telemetry(seq: int) -> DeviceTelemetry:
    return DeviceTelemetry(
        mission_id="m1",
        source="rocket",
        seq=seq,
        ts=1_800_000_000 + seq / 10,
        device=Device.ROCKET,
        phase=FlightPhase.ASCENT,
        values={"altitude": float(seq)},
    )


def queue_telemetry(box: Outbox, topic: str, count: int) -> None:
    box.append(
        "telemetry",
        lambda seq: [(topic, encode_message(telemetry(seq + i)), False) for i in range(count)],
        mission="m1",
    )


@dataclass
class Consumer:
    """``durable_consumer.py`` in a child process: a persistent session, seqs appended to a file."""

    broker: LocalMosquitto
    out: Path
    proc: subprocess.Popen[str] | None = None

    def start(self) -> None:
        settings = self.broker.settings_for("telemetry")
        fields = settings.model_dump(mode="json")
        fields["password"] = self.broker.passwords["telemetry"]
        topic = settings.topics.topic(Channel.TELEMETRY, Device.ROCKET)
        self.proc = subprocess.Popen(
            [sys.executable, str(CONSUMER), json.dumps(fields), topic, str(self.out)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        assert self.proc.stdout.readline().strip() == "ready", "the consumer did not connect"

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            if self.proc.stdout is not None:
                self.proc.stdout.close()
            self.proc = None

    def seqs(self) -> list[int]:
        return [int(line) for line in self.out.read_text().split()] if self.out.exists() else []


@dataclass
class RunningForwarder:
    forwarder: Forwarder
    outbox: Outbox
    bus: MqttBus
    stop: threading.Event
    thread: threading.Thread

    def halt(self) -> None:
        self.stop.set()
        self.outbox.wake()
        self.thread.join(10)
        self.bus.stop(timeout=1)
        self.outbox.close()


@pytest.fixture
def rocket_forwarder(private_broker: LocalMosquitto, tmp_path: Path) -> Iterator[RunningForwarder]:
    bus = MqttBus(private_broker.settings_for("rocket", reconnect_max=1.0), presence="rocket")
    bus.start()
    box = Outbox(tmp_path / "rocket-outbox.db")
    forwarder = Forwarder(box, bus, replay_window=15.0, name="rocket")
    stop = threading.Event()
    thread = threading.Thread(target=forwarder.run, args=(stop,), daemon=True)
    thread.start()
    running = RunningForwarder(forwarder, box, bus, stop, thread)
    yield running
    running.halt()


@pytest.mark.integration
def test_a_burst_acknowledged_then_lost_by_a_killed_broker_is_replayed(
    private_broker: LocalMosquitto, rocket_forwarder: RunningForwarder, tmp_path: Path
) -> None:
    burst, later = 2000, 300
    topic = private_broker.settings_for("rocket").topics.topic(Channel.TELEMETRY, Device.ROCKET)
    # A publisher without an outbox, for comparison: the broker acknowledges it all the same.
    control_login = private_broker.add_login("rocket", "control")
    consumer = Consumer(private_broker, tmp_path / "seqs.txt")
    consumer.start()  # its persistent session now exists ...
    consumer.kill()
    private_broker.stop()  # ... and is saved (SIGTERM): the broker queues for it from now on
    private_broker.start()
    database = private_broker.workdir / "data" / "mosquitto.db"
    saved = database.stat().st_mtime_ns
    control = MqttBus(private_broker.settings_for(control_login))
    control.start()
    rocket = rocket_forwarder.bus
    box = rocket_forwarder.outbox
    wait_for(rocket.connected.is_set, 20, "the rocket back online")
    try:
        queue_telemetry(box, topic, burst)
        pending = [control.publish_message(telemetry(burst + later + i)) for i in range(100)]
        wait_for(lambda: box.depth() == 0, 20, "the broker's PUBACK of the whole burst")
        for p in pending:
            p.wait(10)
        assert box.kept_count() == burst
        assert database.stat().st_mtime_ns == saved, "the broker saved before the kill"
        private_broker.kill()  # acknowledged, queued for the consumer, never saved
        wait_for(lambda: not rocket.connected.is_set(), 10, "the rocket to see the broker gone")
        queue_telemetry(box, topic, later)  # the board talks on while the broker is away
        private_broker.start()
        consumer.start()
        everything = set(range(burst + later))
        wait_for(lambda: set(consumer.seqs()) >= everything, 60, "every sequence number")
        time.sleep(0.5)  # whatever else the restarted broker had for the consumer
    finally:
        consumer.kill()
        control.stop(timeout=1)
    seqs = consumer.seqs()
    firsts = list(dict.fromkeys(seqs))
    assert firsts[:burst] == list(range(burst)), "the replay comes in order, before the rest"
    assert sorted(firsts[burst:]) == list(range(burst, burst + later))
    assert not set(seqs) - everything, "the control's messages were lost: the kill was real"
    stats = rocket_forwarder.forwarder.stats
    assert stats.replays >= 1 and stats.replayed >= burst
    print(
        f"\nkilled after {burst} acknowledged; replayed {stats.replayed} in {stats.replays} "
        f"replay(s); received {len(seqs)} for {burst + later} numbers; "
        f"the control's {len(pending)} acknowledged messages: all lost"
    )
