"""The recorder's parts: ordered acks, the disk spool and the delivery ledger."""

from __future__ import annotations

from pathlib import Path

import pytest

from ground.ingest.acks import AckSequencer
from ground.ingest.ledger import Ledger, merged_entries
from ground.ingest.workers import merge_health
from marsy.store.spool import Spool


def test_acks_leave_in_delivery_order() -> None:
    released: list[object] = []
    acks = AckSequencer(released.extend)
    tickets = [acks.ticket() for _ in range(4)]
    acks.finish(tickets[2], "c")
    acks.finish(tickets[1], "b")
    acks.flush()
    assert released == []
    assert acks.outstanding() == 4
    acks.finish(tickets[0], "a")
    assert released == []
    acks.flush()
    assert released == ["a", "b", "c"]
    acks.finish(tickets[3], "d")
    acks.flush()
    assert released == ["a", "b", "c", "d"] and acks.outstanding() == 0


def test_spool_replays_in_order_in_bounded_batches(tmp_path: Path) -> None:
    spool = Spool(tmp_path, segment_bytes=200)
    for i in range(10):
        spool.append("flight" if i % 3 else "payload", [f"m v={i}i {i}", f"m v={i}i {i + 100}"])
    assert spool.pending()
    written: list[tuple[str, list[str]]] = []
    while spool.replay(lambda db, lines: written.append((db, lines)), batch=3):
        pass
    assert not spool.pending()
    flat = [line for _, lines in written for line in lines]
    assert flat == [f"m v={i}i {t}" for i in range(10) for t in (i, i + 100)]
    assert all(len(lines) <= 3 for _, lines in written)
    assert spool.spooled == spool.replayed == 20


def test_a_failed_replay_keeps_the_segment(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    spool.append("flight", ["a v=1i 1"])

    def fail(db: str, lines: list[str]) -> None:
        raise OSError("down")

    with pytest.raises(OSError):
        spool.replay(fail)
    assert Spool(tmp_path).pending(), "still there, also for the next process"


def test_a_torn_last_line_is_skipped(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    spool.append("flight", ["a v=1i 1"])
    with next(tmp_path.glob("*.spool")).open("a") as handle:
        handle.write("flight\ta v=2")  # the process died in the middle of a write
    written: list[str] = []
    spool.replay(lambda db, lines: written.extend(lines))
    assert written == ["a v=1i 1"]


def test_ledger_reports_and_closes_gaps_and_survives_a_restart(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.db")
    for seq in [0, 1, 2, 5, 6, 9]:
        assert ledger.note("m1", "rocket", seq)
    assert not ledger.note("m1", "rocket", 5)
    (entry,) = ledger.entries("m1")
    assert entry.gaps == [(3, 4), (7, 8)] and entry.missing == 4
    assert (entry.received, entry.first, entry.last, entry.duplicates) == (6, 0, 9, 1)
    ledger.save()
    reopened = Ledger(tmp_path / "ledger.db")
    for seq in (3, 4, 7, 8):
        reopened.note("m1", "rocket", seq)
    (entry,) = reopened.entries("m1")
    assert entry.gaps == [] and entry.received == 10 and entry.duplicates == 1
    assert reopened.entries("other") == []


def test_workers_ledgers_merge_into_one_without_the_others_share_as_gaps(tmp_path: Path) -> None:
    first, second = Ledger(tmp_path / "1" / "ledger.db"), Ledger(tmp_path / "2" / "ledger.db")
    for seq in range(0, 100, 2):
        first.note("m1", "rocket", seq)
    for seq in [*range(1, 100, 2), 10, 11]:  # 10 and 11 stored twice: a redelivery elsewhere
        second.note("m1", "rocket", seq)
    second.note("m1", "suit", 5)
    first.save(), second.save()
    assert first.entries("m1")[0].missing == 49
    rocket, suit = merged_entries([tmp_path / n / "ledger.db" for n in ("1", "2", "3")], "m1")
    assert (rocket.received, rocket.first, rocket.last, rocket.gaps) == (100, 0, 99, [])
    assert rocket.duplicates == 2  # 11 twice on the second, 10 on both
    assert (suit.source, suit.received, suit.missing) == ("suit", 1, 0)


def test_workers_health_adds_up_and_is_not_connected_while_a_worker_is_fed_nothing() -> None:
    states = [{"index": i, "restarts": r} for i, r in ((1, 0), (2, 1))]
    first = {"connected": True, "written": 10, "ingest_lag": 0.2, "last_write": 5.0}
    second = {"connected": True, "written": 7, "ingest_lag": 0.9, "last_write": 6.0}
    merged = merge_health("telemetry", states, [first, second])
    assert (merged["written"], merged["ingest_lag"], merged["last_write"]) == (17, 0.9, 6.0)
    assert merged["connected"] and merged["restarts"] == 1
    refused = merge_health("telemetry", states, [first, {**second, "subscriptions_refused": 3}])
    assert not refused["connected"]  # e.g. a broker without shared subscriptions
    assert not merge_health("telemetry", states, [first, None])["connected"]
