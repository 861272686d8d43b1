"""Batched writes to InfluxDB, bounded by size and by time, with a callback per durable write.

Ingest acknowledges an MQTT message only after its point is durably stored, so every line comes
with an optional ``done`` callback, called once the batch holding it was accepted by InfluxDB
or, with a :class:`~marsy.store.spool.Spool`, fsynced to the disk spool. With a spool, an
unavailable InfluxDB costs nothing but disk: batches go to the spool (and keep going there, in
order, until it is drained) and a replay thread writes them out once InfluxDB answers again.
Without one, the writer keeps its batch, retries with exponential backoff and makes
:meth:`BatchWriter.add` wait once ``max_pending`` lines are queued.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple, Protocol

from tenacity import Retrying, retry_if_exception_type, wait_exponential

from marsy.store.http import InfluxRejected, InfluxUnavailable
from marsy.store.spool import Spool

logger = logging.getLogger(__name__)

Done = Callable[[], None]
RETRY_FIRST = 0.1
RETRY_MAX = 5.0
"""Seconds between two attempts at a batch without a spool: doubling from the first, capped."""


class LineSink(Protocol):
    """Where batches go (:class:`~marsy.store.http.InfluxHttp`): a whole body accepted or an
    error raised, a liveness probe, and a writing thread's goodbye to its connection."""

    def write(self, database: str, lines: bytes) -> None: ...

    def ping(self) -> bool: ...

    def release(self) -> None: ...


@dataclass
class WriterStats:
    written: int = 0
    batches: int = 0
    rejected: int = 0
    retries: int = 0
    spooled: int = 0
    replayed: int = 0
    last_write: float | None = None
    """When InfluxDB last took a write (the writer's clock: mission time for a recorder)."""
    store_ok: bool | None = None
    """Whether the last write attempt succeeded: ``False`` while retrying, or from the first
    batch spooled until the spool is drained (new batches keep going to the spool meanwhile)."""


class _Line(NamedTuple):
    database: str
    text: str
    done: Done | None


class BatchWriter:
    """Groups lines per database into batches of at most ``batch_size`` lines."""

    def __init__(
        self,
        http: LineSink,
        *,
        batch_size: int = 1000,
        flush_interval: float = 0.1,
        max_pending: int = 100_000,
        on_rejected: Callable[[list[str], str], None] | None = None,
        spool: Spool | None = None,
        now: Callable[[], float] = time.time,
    ) -> None:
        """``now`` is the clock ``stats.last_write`` is read on (a recorder's mission clock)."""
        self._http = http
        self._now = now
        self.batch_size = batch_size
        self.flush_interval = flush_interval
        self.max_pending = max_pending
        self.on_rejected = on_rejected
        """Called with the lines of a batch InfluxDB refused and the reason."""
        self.on_batch: Callable[[], None] | None = None
        """Called after the ``done`` callbacks of each batch (written, spooled or refused)."""
        self._spool = spool
        self.stats = WriterStats()
        self._pending: deque[_Line] = deque()
        self._in_flight = 0
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._first_pending_at: float | None = None
        self._thread = threading.Thread(target=self._run, name="influx-writer", daemon=True)
        self._replayer = threading.Thread(
            target=self._replay_loop, name="spool-replay", daemon=True
        )

    def start(self) -> None:
        self._thread.start()
        if self._spool is not None:
            self._replayer.start()

    def add(self, database: str, line: str, done: Done | None = None) -> None:
        """Queue one line; blocks while ``max_pending`` lines wait to be written."""
        with self._cond:
            while len(self._pending) >= self.max_pending and not self._stop.is_set():
                self._cond.wait(0.5)
            first = not self._pending
            if first:
                self._first_pending_at = time.monotonic()
            self._pending.append(_Line(database, line, done))
            if first or len(self._pending) == self.batch_size:
                # first: an idle writer starts the flush interval now, not at its next poll;
                # a full batch once, when it fills (the writer looks again before it waits)
                self._cond.notify_all()

    def pending(self) -> int:
        with self._cond:
            return len(self._pending) + self._in_flight

    def flush(self, timeout: float = 30.0) -> bool:
        """Wait until everything queued so far is written; ``False`` on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            self._cond.notify_all()
            while self._pending or self._in_flight:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(min(remaining, 0.1))
        return True

    def stop(self, timeout: float = 30.0) -> int:
        """Flush, stop the thread and return how many lines were left unwritten."""
        self.flush(timeout)
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout=5.0)
        if self._replayer.is_alive():
            self._replayer.join(timeout=5.0)
        return self.pending()

    # --- the writer thread ------------------------------------------------------------------

    def _take_batch(self) -> list[_Line] | None:
        with self._cond:
            while not self._stop.is_set():
                if self._pending:
                    age = time.monotonic() - (self._first_pending_at or 0.0)
                    if len(self._pending) >= self.batch_size or age >= self.flush_interval:
                        break
                    self._cond.wait(self.flush_interval - age)
                else:
                    self._cond.wait(0.5)
            if not self._pending:
                return None
            database = self._pending[0].database
            batch: list[_Line] = []
            while (
                self._pending
                and len(batch) < self.batch_size
                and self._pending[0].database == database
            ):
                batch.append(self._pending.popleft())
            self._in_flight = len(batch)
            self._first_pending_at = time.monotonic() if self._pending else None
            self._cond.notify_all()
            return batch

    def _run(self) -> None:
        try:
            self._loop()
        finally:
            self._http.release()

    def _loop(self) -> None:
        while True:
            batch = self._take_batch()
            if batch is None:
                return
            try:
                self._write(batch)
            except InfluxUnavailable:
                # Stopped while InfluxDB is down: keep the batch for whoever stops us.
                with self._cond:
                    self._pending.extendleft(reversed(batch))
                    self._in_flight = 0
                    self._cond.notify_all()
                return
            except Exception:  # the writer thread must survive anything one batch does
                logger.exception("unexpected error writing a batch of %d lines", len(batch))
                with self._cond:
                    self._pending.extendleft(reversed(batch))
                    self._in_flight = 0
                self._stop.wait(1.0)
                continue
            with self._cond:
                self._in_flight = 0
                self._cond.notify_all()

    def _write(self, batch: list[_Line]) -> None:
        self._write_batch(batch)
        if self.on_batch is not None:
            self.on_batch()

    def _write_batch(self, batch: list[_Line]) -> None:
        if self._spool is not None:
            self._write_or_spool(self._spool, batch)
            return
        body = "\n".join(line.text for line in batch).encode()
        try:
            self._write_retrying(batch[0].database, body)
        except InfluxRejected as exc:
            self._refused([line.text for line in batch], exc)
        else:
            self.stats.written += len(batch)
            self.stats.batches += 1
            self._wrote()
        for line in batch:
            if line.done is not None:
                line.done()

    def _write_retrying(self, database: str, body: bytes) -> None:
        """Write ``body``, trying again with backoff while InfluxDB is unavailable; raise
        :class:`InfluxUnavailable` if stopped meanwhile."""
        retrying = Retrying(
            retry=retry_if_exception_type(InfluxUnavailable),
            wait=wait_exponential(multiplier=RETRY_FIRST, max=RETRY_MAX),
            stop=lambda _state: self._stop.is_set(),
            sleep=self._pause,
            before_sleep=lambda _state: self._log_retry(),
            reraise=True,
        )
        try:
            retrying(self._http.write, database, body)
        except InfluxUnavailable as exc:
            raise InfluxUnavailable("stopped while InfluxDB was unavailable") from exc

    def _pause(self, seconds: float) -> None:
        """Wait between two attempts, cut short by :meth:`stop`."""
        self._stop.wait(seconds)

    def _write_or_spool(self, spool: Spool, batch: list[_Line]) -> None:
        database = batch[0].database
        texts = [line.text for line in batch]
        try:
            if spool.pending():
                raise InfluxUnavailable("earlier batches are spooled; keep the order")
            self._http.write(database, "\n".join(texts).encode())
        except InfluxUnavailable:
            self.stats.store_ok = False
            spool.append(database, texts)
            self.stats.spooled += len(batch)
        except InfluxRejected as exc:
            self._refused(texts, exc)
        else:
            self.stats.written += len(batch)
            self.stats.batches += 1
            self._wrote()
        for line in batch:
            if line.done is not None:
                line.done()

    def _wrote(self) -> None:
        self.stats.last_write = self._now()
        self.stats.store_ok = True

    def _refused(self, texts: list[str], exc: InfluxRejected) -> None:
        self.stats.rejected += len(texts)
        logger.error("InfluxDB refused a batch of %d lines: %s", len(texts), exc)
        if self.on_rejected is not None:
            self.on_rejected(texts, str(exc))

    def _replay_loop(self) -> None:
        """Drain the spool, oldest first, whenever InfluxDB answers."""
        assert self._spool is not None
        try:
            while not self._stop.wait(0.2):
                while self._spool.pending() and self._http.ping() and not self._stop.is_set():
                    try:
                        self._spool.replay(self._replay_batch)
                    except InfluxUnavailable as exc:
                        logger.warning("spool replay interrupted: %s", exc)
                        break
                    if not self._spool.pending():
                        self.stats.store_ok = True
        finally:
            self._http.release()

    def _replay_batch(self, database: str, lines: list[str]) -> None:
        try:
            self._http.write(database, "\n".join(lines).encode())
        except InfluxRejected as exc:
            self._refused(lines, exc)
            return
        self.stats.replayed += len(lines)
        self.stats.written += len(lines)
        self.stats.last_write = self._now()

    def _log_retry(self) -> None:
        self.stats.store_ok = False
        self.stats.retries += 1
        if self.stats.retries % 20 == 1:
            logger.warning("InfluxDB unavailable; retrying (%d retries so far)", self.stats.retries)
