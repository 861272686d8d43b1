"""A ground service's answer to an oversized body, beside its answer to an ordinary one.

Everything real: ``marsy serve weather`` as a process (the shared web layer and server every
ground service runs), raw sockets for the clients. Printed, at p50 / p99 / max over
``--rounds`` connections, the time from the last byte sent to the whole answer read:

- an ordinary ``PUT /conditions`` (a few hundred bytes of JSON, answered 200);
- the headers of a 20 MB ``PUT`` and its first bytes (answered 413 without the rest: the goal
  is under 50 ms, the body never read);
- a chunked body sent past the 64 KiB limit (answered 413 where it passes it);

then how much of a 20 MB body a client manages to push after its 413 before the server's
close stops it (the server reads none of it), and whether the service still answers.

    .venv/bin/python bench/http_bounds.py [--rounds 200]
    .venv/bin/python bench/http_bounds.py --smoke      # a few seconds, small numbers
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from devservers import free_port
from ground.web import MAX_BODY

TOKEN = "bench-secret"
TWENTY_MB = 20 * 2**20
CONDITIONS = json.dumps(
    {
        "wind_speed": 3.0,
        "wind_gust": 5.0,
        "precipitation": 0.0,
        "lightning_distance": None,
        "temperature": 18.0,
    }
).encode()


@contextmanager
def weather_service(state: Path) -> Iterator[int]:
    """``marsy serve weather`` on a free port, until the block ends."""
    port = free_port()
    env = {
        **os.environ,
        "MARSY_GROUND_STATE_DIR": str(state),
        "MARSY_GROUND_HTTP_PORT": str(port),
        "MARSY_GROUND_API_TOKENS": json.dumps({"operator": TOKEN}),
        "MARSY_GROUND_LOG_LEVEL": "ERROR",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "marsy_cli", "serve", "weather"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while not answers(port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the weather service did not start")
            time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(20)


def answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/go", timeout=2) as go:
            return "go" in json.load(go)
    except OSError:
        return False


def head(**headers: str | int) -> bytes:
    lines = ["PUT /conditions HTTP/1.1", "Host: weather", f"Authorization: Bearer {TOKEN}"]
    lines += ["Content-Type: application/json"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def chunks(data: bytes, size: int = 16384) -> bytes:
    return b"".join(
        f"{len(data[i : i + size]):x}\r\n".encode() + data[i : i + size] + b"\r\n"
        for i in range(0, len(data), size)
    )


def status_of(connection: socket.socket) -> int:
    """Read one whole answer; its status."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            raise SystemExit(f"connection closed before a whole answer: {data!r}")
        data += chunk
    top, _, rest = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1])
        for line in top.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(rest) < length:
        rest += connection.recv(65536)
    return int(top.split()[1])


def timed(port: int, request: bytes) -> tuple[int, float]:
    """Send ``request`` on a fresh connection: the status and the seconds from its last byte
    sent to the whole answer read."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(request)
        began = time.perf_counter()
        status = status_of(connection)
        return status, time.perf_counter() - began


def pushed_after_refusal(port: int) -> int:
    """Bytes of a 20 MB body a client pushes after its 413 before the connection breaks."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(head(Content_Length=TWENTY_MB))
        if status_of(connection) != 413:
            raise SystemExit("a 20 MB body was not refused with 413")
        sent = 0
        try:
            while sent < TWENTY_MB:
                sent += connection.send(b"x" * 65536)
        except OSError:
            return sent
        raise SystemExit("the whole 20 MB went through: the server read the body it refused")


def measure(name: str, rounds: int, expected: int, send: Callable[[], tuple[int, float]]) -> str:
    times = []
    for _ in range(rounds):
        status, seconds = send()
        if status != expected:
            raise SystemExit(f"{name}: answered {status}, not {expected}")
        times.append(seconds * 1000)
    times.sort()
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    return (
        f"  {name:<44} {statistics.median(times):7.2f} ms p50 {p99:7.2f} ms p99 "
        f"{times[-1]:7.2f} ms max  ({expected})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200, help="connections per measure")
    parser.add_argument("--smoke", action="store_true", help="a few seconds, small numbers")
    args = parser.parse_args()
    rounds = 10 if args.smoke else args.rounds
    ordinary = head(Content_Length=len(CONDITIONS)) + CONDITIONS
    oversized = head(Content_Length=TWENTY_MB) + CONDITIONS[:16]
    past_limit = head(Transfer_Encoding="chunked") + chunks(b" " * (MAX_BODY + 16384))
    with (
        tempfile.TemporaryDirectory(prefix="marsy-bench-") as tmp,
        weather_service(Path(tmp)) as port,
    ):
        lines = [
            measure("ordinary PUT, 200", rounds, 200, lambda: timed(port, ordinary)),
            measure("20 MB declared, 16 bytes sent", rounds, 413, lambda: timed(port, oversized)),
            measure(
                f"chunked, {MAX_BODY + 16384:,} bytes sent",
                rounds,
                413,
                lambda: timed(port, past_limit),
            ),
        ]
        pushed = max(pushed_after_refusal(port) for _ in range(3 if args.smoke else 10))
        alive = answers(port)
    print(f"marsy serve weather, body limit {MAX_BODY:,} bytes, {rounds} connections each:")
    print("\n".join(lines))
    print(
        f"  after a 413, a client pushed at most {pushed:,} of 20,971,520 bytes before the close "
        "(what the sockets buffered; the service reads none of it)"
    )
    if not alive:
        raise SystemExit("the service stopped answering after the oversized requests")
    print("  the service still answers")


if __name__ == "__main__":
    main()
