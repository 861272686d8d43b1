"""The on-disk outbox: order, bound, and survival of a killed process."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from edge.runtime.outbox import Outbox


def numbered(topic: str, count: int = 1):  # type: ignore[no-untyped-def]
    return lambda seq: [(topic, f"{seq + i}".encode(), False) for i in range(count)]


def test_fifo_with_gap_free_numbers_per_stream(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "out.db")
    box.append("telemetry", numbered("t", 3), mission="M1")
    box.append("events", numbered("e"), mission="M1")
    box.append("telemetry", numbered("t", 2), mission="M1")
    queued = box.peek(10)
    assert [(q.topic, q.payload) for q in queued] == [
        ("t", b"0"),
        ("t", b"1"),
        ("t", b"2"),
        ("e", b"0"),
        ("t", b"3"),
        ("t", b"4"),
    ]
    box.remove(q.id for q in queued[:4])
    assert [q.payload for q in box.peek(10)] == [b"3", b"4"]
    assert box.depth() == 2


def test_each_mission_numbers_its_streams_from_zero(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "out.db")
    box.append("telemetry", numbered("standby", 3), mission="standby")
    box.append("telemetry", numbered("M1", 2), mission="M1")
    box.append("telemetry", numbered("standby"), mission="standby")
    box.close()
    box = Outbox(tmp_path / "out.db")
    box.append("telemetry", numbered("M1"), mission="M1")
    box.append("telemetry", numbered("M2"), mission="M2")
    assert [(q.topic, q.payload) for q in box.peek(10)] == [
        ("standby", b"0"),
        ("standby", b"1"),
        ("standby", b"2"),
        ("M1", b"0"),
        ("M1", b"1"),
        ("standby", b"3"),
        ("M1", b"2"),
        ("M2", b"0"),
    ]


def test_the_bound_drops_the_oldest_and_counts(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "out.db", capacity=5)
    for _ in range(8):
        box.append("telemetry", numbered("t"), mission="M1")
    assert [q.payload for q in box.peek(10)] == [b"3", b"4", b"5", b"6", b"7"]
    assert box.dropped() == 3


def test_contents_and_counters_survive_a_killed_process(tmp_path: Path) -> None:
    path = tmp_path / "out.db"
    script = textwrap.dedent(
        f"""
        import os, signal
        from edge.runtime.outbox import Outbox
        from pathlib import Path
        box = Outbox(Path({str(path)!r}))
        for _ in range(100):
            box.append("telemetry", lambda seq: [("t", str(seq).encode(), True)], mission="M1")
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], check=False)
    assert result.returncode == -9
    box = Outbox(path)
    assert [q.payload for q in box.peek(200)] == [str(i).encode() for i in range(100)]
    assert all(q.retain for q in box.peek(200))
    box.append("telemetry", numbered("t"), mission="M1")
    assert box.peek(200)[-1].payload == b"100", "numbering resumes after the crash"


def test_peek_waits_for_a_message(tmp_path: Path) -> None:
    import threading

    box = Outbox(tmp_path / "out.db")
    timer = threading.Timer(0.1, lambda: box.append("x", numbered("t"), mission="M1"))
    timer.start()
    assert [q.payload for q in box.peek(1, timeout=5)] == [b"0"]
    timer.join()
