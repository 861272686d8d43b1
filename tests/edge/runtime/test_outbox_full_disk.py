"""The outbox on a full disk: what the disk refuses waits in memory, numbered, and is written in
order once it takes writes again; past the memory's bound each loss is counted by stream; a
crash meanwhile never makes a number given twice."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from edge.runtime.outbox import Outbox
from tests.edge.fulldisk import full_disk


def numbered(topic: str, count: int = 1):  # type: ignore[no-untyped-def]
    return lambda seq: [(topic, json.dumps(seq + i).encode(), False) for i in range(count)]


def payloads(box: Outbox) -> list[tuple[str, int]]:
    return [(q.topic, json.loads(q.payload)) for q in box.peek(100_000)]


def test_a_full_disk_holds_messages_in_memory_and_writes_them_in_order(tmp_path: Path) -> None:
    with full_disk(tmp_path / "disk") as disk:
        box = Outbox(disk.folder / "out.db")
        box.append("telemetry", numbered("t", 10), mission="M1")
        disk.fill()
        for _ in range(300):
            box.append("telemetry", numbered("t", 10), mission="M1")
        box.append("event", numbered("e"), mission="M1")
        box.set_meta("mission", "M1")
        assert box.stats.write_failures > 0
        assert box.held() == 3001
        assert box.depth() == 3011, "what waits in memory is still to send"
        assert box.meta("mission") == "M1", "read back from memory"
        assert len(payloads(box)) == 10, "only what the disk took is to send yet"
        disk.free()
        box.append("telemetry", numbered("t"), mission="M1")  # the next write tries again
        assert box.flush()
        assert box.held() == 0
        sent = payloads(box)
        assert [seq for topic, seq in sent if topic == "t"] == list(range(3011))
        assert sent[-2] == ("e", 0), "in the order queued"
        assert box.dropped() == 0 and box.stats.dropped_full == 0
        tally = box.tally("M1")
        assert tally.numbered == {"telemetry": 3011, "event": 1}
        box.close()
        again = Outbox(disk.folder / "out.db")
        assert again.meta("mission") == "M1"
        assert again.tally("M1").numbered == {"telemetry": 3011, "event": 1}
        again.close()


def test_past_the_memory_bound_each_loss_is_counted_by_stream(tmp_path: Path) -> None:
    with full_disk(tmp_path / "disk") as disk:
        box = Outbox(disk.folder / "out.db", backlog=100)
        disk.fill()
        for _ in range(30):
            box.append("telemetry", numbered("t", 5), mission="M1")
        box.append("ack", numbered("a"), mission="M1", answers="cmd-1")
        box.append("telemetry", numbered("t", 5), mission="M1")
        assert box.stats.dropped_full == 60  # 156 queued, whole batches of 5 go
        assert box.answer_to("cmd-1") is not None, "an answer is never dropped"
        disk.free()
        assert box.flush()
        telemetry = [seq for topic, seq in payloads(box) if topic == "t"]
        assert telemetry == list(range(60, 155)), "the oldest went first"
        tally = box.tally("M1")
        assert tally.numbered["telemetry"] == 155
        assert tally.dropped == {"telemetry": 60}
        assert box.dropped() == 60
        box.close()


def test_a_crash_on_a_full_disk_never_gives_a_number_twice(tmp_path: Path) -> None:
    with full_disk(tmp_path / "disk") as disk:
        path = disk.folder / "out.db"
        script = textwrap.dedent(
            f"""
            import os, signal
            from pathlib import Path
            from edge.runtime.outbox import Outbox
            from tests.edge.fulldisk import FullDisk
            box = Outbox(Path({str(path)!r}))
            def one(seq):
                return [("t", str(seq).encode(), False)]
            for _ in range(5):
                box.append("telemetry", one, mission="M1")
            FullDisk(Path({str(disk.folder)!r})).fill()
            for _ in range(40):
                box.append("telemetry", one, mission="M1")
            assert box.held() == 40, box.held()
            os.kill(os.getpid(), signal.SIGKILL)
            """
        )
        result = subprocess.run([sys.executable, "-c", script], check=False)
        assert result.returncode == -9
        disk.free()
        box = Outbox(path)
        box.append("telemetry", numbered("t"), mission="M1")
        assert [seq for _, seq in payloads(box)] == [0, 1, 2, 3, 4, 45]
        tally = box.tally("M1")
        assert tally.numbered["telemetry"] == 46
        assert tally.dropped == {"telemetry": 40}, "the numbers lost in the crash are counted"
        box.close()
