"""The recorder's defences, as pure logic: per-source rate, dead-letter budget, ledger window."""

from __future__ import annotations

from pathlib import Path

import pytest

from ground.ingest.counters import MAX_SOURCES, OTHER, PerSource
from ground.ingest.deadletters import LetterGate, Refusal
from ground.ingest.ledger import Ledger
from ground.ingest.limits import SourceLimiter, TokenBucket, source_of
from marsy.protocol import Topics


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def refusal(n: int) -> Refusal:
    return Refusal.of("marsy/telemetry/satellite", f"junk {n}".encode(), "<payload>", "not JSON")


def test_the_source_is_the_topic_name() -> None:
    topics = Topics("marsy")
    assert source_of(topics, "marsy/telemetry/satellite") == "satellite"
    assert source_of(topics, "elsewhere/x") == "elsewhere/x"


def test_a_bucket_allows_its_burst_then_its_rate() -> None:
    bucket = TokenBucket.full(rate=10, burst=5, now=0.0)
    assert [bucket.take(0.0) for _ in range(6)] == [True] * 5 + [False]
    assert bucket.take(0.1) and not bucket.take(0.1)
    assert sum(bucket.take(10.0) for _ in range(100)) == 5, "refills no higher than the burst"


def test_one_source_over_its_rate_leaves_the_others_their_budget() -> None:
    clock = Clock()
    limiter = SourceLimiter(rate=200, burst=1000, now=clock)
    flood = sum(limiter.allow("satellite") for _ in range(50_000))
    assert flood == 1000
    assert all(limiter.allow("rocket") for _ in range(1000))
    clock.t += 1.0
    assert sum(limiter.allow("satellite") for _ in range(50_000)) == 200
    with pytest.raises(ValueError):
        SourceLimiter(rate=0, burst=10, now=clock)


def test_per_source_counts_are_bounded() -> None:
    counts = PerSource(limit=3)
    for name in ("a", "b", "c", "d", "e"):
        counts[name].received += 1
    snapshot = counts.snapshot()
    assert set(snapshot) == {"a", "b", "c", OTHER} and snapshot[OTHER]["received"] == 2
    assert MAX_SOURCES >= 100


def test_a_few_letters_go_out_in_full_and_the_rest_are_summarised() -> None:
    clock = Clock()
    gate = LetterGate(per_second=5, now=clock)
    held_before = [gate.offer("satellite", refusal(n)) for n in range(5_000)]
    assert held_before[:5] == [0] * 5 and held_before[5:] == [None] * 4_995
    assert gate.offer("rocket", refusal(0)) == 0, "another source has its own budget"
    clock.t += 1.0
    assert gate.offer("satellite", refusal(5_000)) == 4_995, "the next letter tells the count"
    assert gate.due() == []
    gate.offer("satellite", refusal(0), in_full=False)  # over the rate: summarised only
    gate.offer("satellite", refusal(1), in_full=False)
    clock.t += 1.0
    (summary,) = gate.due()
    assert summary == ("satellite", refusal(1), 2)
    assert gate.due() == [], "told once"


def test_the_ledger_refuses_a_number_far_outside_its_window(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.db", window=100)
    assert ledger.admit("m1", "rocket", 10**12) == (
        "1000000000000 is more than 100 beyond the highest so far (0)"
    ), "numbering starts at 0 each mission: a wild first number locks nobody out"
    assert ledger.admit("m1", "rocket", 101) is not None
    assert ledger.admit("m1", "rocket", 100) is None, "a late first sample is taken"
    assert ledger.admit("m1", "rocket", 200) is None, "the window follows the highest"
    assert ledger.admit("m1", "rocket", 301) is not None
    assert ledger.admit("m1", "rocket", 0) is None
    assert ledger.admit("m2", "rocket", 10**12) is not None, "another mission: from 0 again"
    assert ledger.admit("m2", "rocket", 5) is None
    for seq in (100, 200):
        ledger.note("m1", "rocket", seq)
    ledger.save()
    reopened = Ledger(tmp_path / "ledger.db", window=100)
    assert reopened.admit("m1", "rocket", 301) is not None, "the bounds survive a restart"
    assert reopened.admit("m1", "rocket", 300) is None
    (entry,) = reopened.entries("m1")
    assert entry.missing == 99, "at most the window per number accepted"
