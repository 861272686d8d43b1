"""A recorder scaled out to N processes on an MQTT 5 shared subscription, with no clustering of
its own: the broker hands each message of the stream to one worker, each worker is an ordinary
recorder (its own session, spool and ledger, acks after its own durable write), and a parent
process only starts them, starts again any that ends, and answers ``/health`` for all of them.

Worker 1 is the role's own login (``telemetry``) and keeps the single recorder's state folder;
worker k > 1 is ``telemetry.ingest-k`` (:data:`marsy.logins.INGEST_WORKERS`), in a folder of
that name. Every session is persistent: the broker keeps queueing a stopped worker's share for
it, and hands back what it had not acknowledged, when it comes back, which the parent sees to
at once. The workers' ledgers are merged (:func:`~ground.ingest.ledger.merged_entries`): one
source's numbers land on several workers, and a number any of them stored is no gap.

Writes need no ordering across workers: a point is keyed by its measurement, tags and
timestamp, so the store ends up the same whichever worker writes first, and a redelivery only
writes the same point again.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ground.ingest.ledger import merged_entries
from marsy.logins import MAX_INGEST_WORKERS, as_login, login_of
from marsy.settings import MqttSettings

logger = logging.getLogger(__name__)

Command = Callable[[int, int], list[str]]
"""The command line of worker ``index`` answering ``/health`` on ``port``."""

RESTART_FIRST = 0.5
RESTART_MAX = 10.0
"""Seconds before a worker that ended is started again: doubling while it keeps ending within
:data:`STEADY` seconds of its start, back to the first once it stayed up."""
STEADY = 30.0

RETIRED = "retired"
"""A file in a worker's folder once its session was drained and ended (it no longer runs)."""

SUMMED = (
    "received",
    "stored",
    "ignored",
    "dead_lettered",
    "rate_limited",
    "seq_refused",
    "duplicates",
    "written",
    "spooled",
    "replayed",
    "rejected",
    "pending",
    "queued",
    "unacknowledged",
    "heartbeats",
    "subscriptions_refused",
)
"""Counters of a worker's ``/health`` that add up to the service's."""


@dataclass(frozen=True)
class WorkerPlan:
    """Who worker ``index`` (1-based) of recorder ``name`` is: login, state folder, presence."""

    name: str
    index: int

    def __post_init__(self) -> None:
        if not 1 <= self.index <= MAX_INGEST_WORKERS:
            raise ValueError(f"worker {self.index}: 1 to {MAX_INGEST_WORKERS}")

    @property
    def login(self) -> str:
        return self.name if self.index == 1 else login_of(self.name, f"ingest-{self.index}")

    @property
    def state(self) -> str:
        """Its folder under ``state_dir``: worker 1 keeps the single recorder's."""
        return self.login

    @property
    def presence(self) -> bool:
        """Worker 1 stands for the service's online/offline status."""
        return self.index == 1

    def mqtt(self, settings: MqttSettings) -> MqttSettings:
        """The role's settings, as this worker's login."""
        return settings if self.index == 1 else as_login(settings, self.login)


def ledger_paths(name: str, state_dir: Path) -> list[Path]:
    """Every ledger a worker of ``name`` may have kept, whatever N it ran with."""
    plans = [WorkerPlan(name, index) for index in range(1, MAX_INGEST_WORKERS + 1)]
    return [state_dir / plan.state / "ledger.db" for plan in plans]


def free_local_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Worker:
    plan: WorkerPlan
    port: int
    process: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    restarts: int = 0
    delay: float = RESTART_FIRST
    due: float | None = None
    """When it is to be started again, once it ended."""
    exits: list[int] = field(default_factory=list)


class Workers:
    """``count`` worker processes of recorder ``name``; ``start`` and ``stop`` them, and any
    that ends in between is started again."""

    def __init__(
        self,
        name: str,
        count: int,
        command: Command,
        state_dir: Path,
        *,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.name = name
        self.state_dir = state_dir
        self._command = command
        self._env = dict(os.environ if env is None else env)
        self._env["MARSY_GROUND_HTTP_HOST"] = "127.0.0.1"  # the parent asks them, nobody else
        self.workers = [Worker(WorkerPlan(name, i), free_local_port()) for i in range(1, count + 1)]
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._watcher = threading.Thread(target=self._watch, name=f"{name}-workers", daemon=True)

    def start(self) -> None:
        with self._lock:
            for worker in self.workers:
                self._spawn(worker)
        self._watcher.start()

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM every worker (each finishes its writes and acks), SIGKILL what is left."""
        self._stopping.set()
        if self._watcher.is_alive():
            self._watcher.join(5)
        with self._lock:
            running = [w.process for w in self.workers if w.process and w.process.poll() is None]
        for process in running:
            process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for process in running:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                logger.error("%s: worker %d did not stop; killed", self.name, process.pid)
                process.kill()
                process.wait()

    def _spawn(self, worker: Worker) -> None:
        worker.process = subprocess.Popen(
            self._command(worker.plan.index, worker.port), env=self._env
        )
        worker.started = time.monotonic()
        worker.due = None
        logger.info(
            "%s: worker %d (%s) started, pid %d",
            self.name,
            worker.plan.index,
            worker.plan.login,
            worker.process.pid,
        )

    def _watch(self) -> None:
        while not self._stopping.wait(0.2):
            now = time.monotonic()
            with self._lock:
                for worker in self.workers:
                    self._look_after(worker, now)

    def _look_after(self, worker: Worker, now: float) -> None:
        process = worker.process
        if process is None or self._stopping.is_set():
            return
        code = process.poll()
        if code is None:
            return
        if worker.due is None:
            up = now - worker.started
            worker.delay = RESTART_FIRST if up >= STEADY else min(worker.delay * 2, RESTART_MAX)
            worker.due = now + (RESTART_FIRST if up >= STEADY else worker.delay)
            worker.exits.append(code)
            logger.warning(
                "%s: worker %d (pid %d) ended with %d after %.1f s; starting it again in %.1f s",
                self.name,
                worker.plan.index,
                process.pid,
                code,
                up,
                worker.due - now,
            )
        elif now >= worker.due:
            worker.restarts += 1
            self._spawn(worker)

    # --- health -------------------------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        """The workers' ``/health`` merged, with each one's and the merged ledger."""
        answers = [_ask(worker.port) for worker in self.workers]
        with self._lock:
            states = [
                {
                    "index": w.plan.index,
                    "login": w.plan.login,
                    "pid": w.process.pid if w.process else None,
                    "running": bool(w.process and w.process.poll() is None),
                    "restarts": w.restarts,
                    "exits": list(w.exits),
                }
                for w in self.workers
            ]
        ledger = merged_entries(ledger_paths(self.name, self.state_dir))
        return merge_health(self.name, states, answers) | {
            "ledger": [{**asdict(entry), "missing": entry.missing} for entry in ledger]
        }


def _ask(port: int) -> dict[str, Any] | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as answer:
            data: dict[str, Any] = json.load(answer)
            return data
    except (OSError, ValueError):
        return None


def merge_health(
    name: str, states: list[dict[str, Any]], answers: list[dict[str, Any] | None]
) -> dict[str, Any]:
    """One service's figures from its workers' (``None`` for one not answering): counters
    summed, the stalest freshness, the newest write, the worst store state."""
    live = [a for a in answers if a is not None]
    merged: dict[str, Any] = {
        "service": name,
        # A broker without shared subscriptions refuses them: connected, yet fed nothing.
        "connected": len(live) == len(answers)
        and all(a.get("connected") and not a.get("subscriptions_refused") for a in live),
        **{key: sum(int(a.get(key) or 0) for a in live) for key in SUMMED},
    }
    lags = [a["ingest_lag"] for a in live if a.get("ingest_lag") is not None]
    writes = [a["last_write"] for a in live if a.get("last_write") is not None]
    points = [a for a in live if a.get("last_point_ts") is not None]
    store = [a.get("store_ok") for a in live]
    newest = max(points, key=lambda a: a["last_point_ts"], default=None)
    merged |= {
        "ingest_lag": max(lags, default=None),
        "last_write": max(writes, default=None),
        "last_point_ts": newest["last_point_ts"] if newest else None,
        "mission_id": newest.get("mission_id") if newest else None,
        "store_ok": False if False in store else (True if store and all(store) else None),
        "restarts": sum(state["restarts"] for state in states),
        "sources": _sum_sources([a.get("sources", {}) for a in live]),
        "workers": [
            {
                **state,
                "answering": answer is not None,
                **({key: answer.get(key) for key in ("connected", *SUMMED)} if answer else {}),
            }
            for state, answer in zip(states, answers, strict=True)
        ],
    }
    return merged


def _sum_sources(tables: list[dict[str, dict[str, int]]]) -> dict[str, dict[str, int]]:
    total: dict[str, dict[str, int]] = {}
    for table in tables:
        for source, counts in table.items():
            mine = total.setdefault(source, {})
            for key, value in counts.items():
                mine[key] = mine.get(key, 0) + int(value)
    return dict(sorted(total.items()))
