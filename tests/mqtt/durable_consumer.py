"""A consumer process for the no-loss tests: records each sequence number, then acks it.

Run as ``python durable_consumer.py SETTINGS_JSON TOPIC OUT_FILE``; its login is its client id.
Appending to the file and flushing before the ack is "durably handled" for a test that SIGKILLs
the process (the kernel keeps written data; only an acked-but-unwritten message could be lost,
and none is).
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path

from marsy.logins import role_of
from marsy.mqtt import MqttBus
from marsy.protocol import DeviceTelemetry, decode_as
from marsy.settings import MqttSettings


def main() -> None:
    settings_json, topic, out = sys.argv[1:4]
    settings = MqttSettings.model_validate_json(settings_json)
    assert settings.username is not None
    bus = MqttBus(settings, presence=role_of(settings.username))
    bus.subscribe(topic)
    bus.start(wait=20)
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    print("ready", flush=True)
    with Path(out).open("a") as sink:
        while not stopping:
            delivery = bus.receive(timeout=0.2)
            if delivery is None:
                continue
            message = decode_as(DeviceTelemetry, delivery.payload)
            sink.write(f"{message.seq}\n")
            sink.flush()
            bus.ack(delivery)
    bus.stop()


if __name__ == "__main__":
    main()
