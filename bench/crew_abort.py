"""Crew abort latency: rocket fault frame → eject command at the suit board, through Mosquitto.

The bench plays both sensor boards on ptys. The rocket and suit agents run as their own
processes (``marsy agent``) against a private Mosquitto with the project's configuration. Each
trial writes an "explosion imminent" frame on the rocket's line and times the eject command
arriving on the suit's line; a new mission between trials re-arms both agents. The broker's
own QoS-1 round trip (publish → delivery to a subscriber) is measured in the same run.
Goal: p99 <= 10 ms and within 10x the broker's round trip.

    .venv/bin/python bench/crew_abort.py [--trials 200]
    .venv/bin/python bench/crew_abort.py --smoke      # a few seconds, small numbers
"""

from __future__ import annotations

import argparse
import os
import select
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from devservers import LocalMosquitto
from firmware_sim.ports import PtyPort
from marsy.mqtt import MqttBus
from marsy.protocol import (
    CommandAction,
    Device,
    EventType,
    FlightPhase,
    MissionState,
    MissionStatus,
)
from marsy.protocol.framing import AckFrame, CommandFrame, EventFrame, encode, parse


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def agent(
    broker: LocalMosquitto, device: Device, port: PtyPort, state: Path
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "MARSY_EDGE_SERIAL_URL": port.path,
        "MARSY_EDGE_STATE_DIR": str(state),
        "MARSY_EDGE_MQTT__PORT": str(broker.port),
        "MARSY_EDGE_MQTT__USERNAME": str(device),
        "MARSY_EDGE_MQTT__PASSWORD": broker.passwords[str(device)],
        "MARSY_EDGE_LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen([sys.executable, "-m", "marsy_cli", "agent", str(device)], env=env)


def wait_for_eject(suit: PtyPort, timeout: float) -> CommandFrame | None:
    deadline = time.perf_counter() + timeout
    buffer = b""
    while (left := deadline - time.perf_counter()) > 0:
        ready, _, _ = select.select([suit.fileno()], [], [], left)
        if not ready:
            continue
        result = parse(buffer + suit.read())
        buffer = result.rest
        for frame in result.frames:
            if isinstance(frame, CommandFrame) and frame.action is CommandAction.EJECT:
                return frame
    return None


def broker_round_trip(broker: LocalMosquitto, trials: int) -> list[float]:
    sender = MqttBus(broker.settings_for(broker.add_login("rocket")), persistent=False)
    receiver = MqttBus(broker.settings_for(broker.add_login("observer")), persistent=False)
    topic = f"{broker.topic_root}/logs/rocket"  # a topic no agent listens to
    receiver.subscribe(topic)
    receiver.start()
    sender.start()
    samples = []
    try:
        for i in range(trials):
            began = time.perf_counter()
            sender.publish(topic, str(i).encode())
            delivery = receiver.receive(timeout=5)
            samples.append(time.perf_counter() - began)
            if delivery is not None:
                receiver.ack(delivery)
    finally:
        sender.stop(timeout=1)
        receiver.stop(timeout=1)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--smoke", action="store_true", help="a few seconds, small numbers")
    args = parser.parse_args()
    trials = 5 if args.smoke else args.trials
    with (
        tempfile.TemporaryDirectory(prefix="marsy-bench-") as tmp,
        LocalMosquitto(Path(tmp) / "mosquitto") as broker,
    ):
        rocket_port, suit_port = PtyPort(), PtyPort()
        children = [
            agent(broker, Device.ROCKET, rocket_port, Path(tmp) / "state"),
            agent(broker, Device.SUIT, suit_port, Path(tmp) / "state"),
        ]
        director = MqttBus(broker.settings_for("command"), persistent=False)
        director.start()
        latencies: list[float] = []
        missed = 0
        try:
            time.sleep(2.0)  # both agents connect and open their lines
            for trial in range(trials):
                director.publish_message(
                    MissionStatus(
                        mission_id=f"bench-{trial}",
                        source="command",
                        seq=trial,
                        ts=time.time(),
                        state=MissionState.FLYING,
                        phase=FlightPhase.ASCENT,
                    )
                ).wait()
                time.sleep(0.05)  # the agents take the new mission (and re-arm)
                suit_port.read()
                fault = EventFrame(
                    Device.ROCKET, trial, time.time(), EventType.EXPLOSION_IMMINENT, "bench"
                )
                began = time.perf_counter()
                rocket_port.write(encode(fault))
                eject = wait_for_eject(suit_port, timeout=2.0)
                if eject is None:
                    missed += 1
                    continue
                latencies.append(time.perf_counter() - began)
                suit_port.write(
                    encode(
                        AckFrame(
                            Device.SUIT,
                            trial,
                            time.time(),
                            eject.token,
                            CommandAction.EJECT,
                            True,
                            "ejected",
                        )
                    )
                )
            round_trips = broker_round_trip(broker, trials)
        finally:
            director.stop(timeout=1)
            for child in children:
                child.terminate()
                child.wait(15)
            rocket_port.close()
            suit_port.close()
    if not latencies:
        raise SystemExit(f"no eject reached the suit board in {trials} trials")
    ms = [x * 1e3 for x in latencies]
    rtt = [x * 1e3 for x in round_trips]
    p99, rtt99 = percentile(ms, 99), percentile(rtt, 99)
    print(
        f"crew abort, fault frame -> eject at the suit board ({len(ms)} trials, {missed} missed):"
    )
    print(f"  p50 {percentile(ms, 50):6.2f} ms   p99 {p99:6.2f} ms   max {max(ms):6.2f} ms")
    print(f"broker QoS-1 round trip ({len(rtt)} messages):")
    mean = statistics.mean(rtt)
    print(f"  p50 {percentile(rtt, 50):6.2f} ms   p99 {rtt99:6.2f} ms   mean {mean:.2f} ms")
    print(f"abort p99 / broker p99 = {p99 / rtt99:.1f}x   (goals: p99 <= 10 ms, ratio <= 10x)")


if __name__ == "__main__":
    main()
