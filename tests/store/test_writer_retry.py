"""The batch writer's retries without a spool: backoff while the store is down, the batch kept
(never dropped) when stopped meanwhile. A scripted line sink stands in for the HTTP client."""

from __future__ import annotations

import threading

from marsy.store import BatchWriter, InfluxUnavailable


class FlakySink:
    """Refuses as unavailable the first ``failures`` writes, then accepts."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0
        self.written: list[bytes] = []
        self.accepted = threading.Event()

    def write(self, database: str, lines: bytes) -> None:
        self.calls += 1
        if self.calls <= self.failures:
            raise InfluxUnavailable("down")
        self.written.append(lines)
        self.accepted.set()

    def ping(self) -> bool:
        return self.calls > self.failures

    def release(self) -> None:
        pass


def test_a_batch_is_retried_until_the_store_answers_and_written_once() -> None:
    sink = FlakySink(failures=3)
    writer = BatchWriter(sink, flush_interval=0.01)
    writer.start()
    writer.add("flight", "m v=1i 1")
    assert sink.accepted.wait(10.0)
    assert writer.stop() == 0
    assert sink.written == [b"m v=1i 1"]
    assert writer.stats.retries == 3 and writer.stats.written == 1 and writer.stats.store_ok


def test_stopping_while_the_store_is_down_keeps_the_batch_unwritten_not_lost() -> None:
    sink = FlakySink(failures=10**9)
    writer = BatchWriter(sink, flush_interval=0.01)
    writer.start()
    writer.add("flight", "m v=1i 1")
    writer.add("flight", "m v=2i 2")
    assert writer.stop(timeout=0.5) == 2
    assert sink.written == [] and writer.stats.retries >= 1 and not writer.stats.store_ok
