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


# --- kept after the PUBACK: the replay window --------------------------------------------------


def test_an_acknowledged_message_is_kept_for_a_replay_not_sent_again(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "out.db")
    box.append("telemetry", numbered("t", 4), mission="M1")
    first = box.peek(10)
    box.acknowledge([q.id for q in first[:3]], at=100.0)
    assert [q.payload for q in box.peek(10)] == [b"3"], "only the unacknowledged is to send"
    assert box.depth() == 1
    assert [q.payload for q in box.kept(10)] == [b"0", b"1", b"2"]
    assert [q.payload for q in box.kept(10, after=first[0].id)] == [b"1", b"2"]
    assert box.kept_count() == 3


def test_kept_messages_are_forgotten_by_the_time_of_their_puback(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "out.db")
    box.append("telemetry", numbered("t", 3), mission="M1")
    ids = [q.id for q in box.peek(10)]
    box.acknowledge(ids[:1], at=10.0)
    box.acknowledge(ids[1:], at=20.0)
    assert box.forget_acknowledged(before=10.0) == 0, "strictly before"
    assert box.forget_acknowledged(before=15.0) == 1
    assert [q.payload for q in box.kept(10)] == [b"1", b"2"]
    # acknowledged again (a replay's PUBACK), a message gets a new lease
    box.acknowledge(ids[1:2], at=40.0)
    assert box.forget_acknowledged(before=30.0) == 1
    assert [q.payload for q in box.kept(10)] == [b"1"]


def test_a_retained_message_is_not_kept(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "out.db")
    box.append("status", lambda seq: [("s", b"latest", True), ("t", b"sample", False)], mission="M")
    box.acknowledge([q.id for q in box.peek(10)], at=1.0)
    assert [q.payload for q in box.kept(10)] == [b"sample"]
    assert box.depth() == 0


def test_the_bound_takes_kept_messages_first_and_counts_only_unsent_ones(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "out.db", capacity=5)
    box.append("telemetry", numbered("t", 3), mission="M1")
    box.acknowledge([q.id for q in box.peek(10)], at=1.0)
    box.append("telemetry", numbered("t", 4), mission="M1")  # 7 rows: two kept ones go
    assert [q.payload for q in box.kept(10)] == [b"2"]
    assert [q.payload for q in box.peek(10)] == [b"3", b"4", b"5", b"6"]
    assert box.dropped() == 0
    box.append("telemetry", numbered("t", 2), mission="M1")  # the last kept, then one unsent
    assert box.kept(10) == []
    assert [q.payload for q in box.peek(10)] == [b"4", b"5", b"6", b"7", b"8"]
    assert box.dropped() == 1


def test_kept_messages_survive_a_restart_and_an_old_outbox_is_upgraded(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "out.db"
    old = sqlite3.connect(path)
    old.executescript(
        """
        CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, topic TEXT NOT NULL,
                             payload BLOB NOT NULL, retain INTEGER NOT NULL);
        INSERT INTO outbox (topic, payload, retain) VALUES ('t', x'30', 0), ('t', x'31', 0);
        """
    )
    old.commit()
    old.close()
    box = Outbox(path)
    assert [q.payload for q in box.peek(10)] == [b"0", b"1"], "an old queue is still to send"
    box.acknowledge([box.peek(1)[0].id], at=5.0)
    box.close()
    box = Outbox(path)
    assert [q.payload for q in box.kept(10)] == [b"0"]
    assert [q.payload for q in box.peek(10)] == [b"1"]
