"""What a steering service must not forget across a restart: its orders and the milestones seen.

An order is written here *before* it is sent, under a fresh command id with a random part
(:func:`command_id`): nobody who has not seen the command can answer it. Until the device
answers, the order is sent again with that same stored id, also by the next run of the service
after a crash; the agent answers a repeated id from its journal and never executes it twice. So
a step is ordered once per mission, whatever restarts. Only a refusal (the device did not act on
it) lets the step be placed again, as a new attempt with a new id.

Milestones are the vehicle's own events a step depends on (the rocket's stage separation before
a payload detach): they arrive once on the bus, so they are kept here too.

Shared by the staging and payload services; SQLite, one file per service under ``state_dir``.
"""

from __future__ import annotations

import sqlite3
import threading
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from ground.devices import new_command_id
from marsy.protocol import CommandAction, Device, EventType

_SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
    mission_id TEXT NOT NULL,
    step TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    command_id TEXT NOT NULL UNIQUE,
    device TEXT NOT NULL,
    action TEXT NOT NULL,
    level REAL,
    origin TEXT NOT NULL,
    why TEXT NOT NULL,
    ordered_at REAL NOT NULL,
    outcome TEXT NOT NULL,
    answer TEXT,
    answered_at REAL,
    forced INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (mission_id, step, attempt)
);
CREATE TABLE IF NOT EXISTS milestones (
    mission_id TEXT NOT NULL,
    event TEXT NOT NULL,
    source TEXT NOT NULL,
    at REAL NOT NULL,
    detail TEXT NOT NULL,
    PRIMARY KEY (mission_id, event)
);
"""
_COLUMNS = (
    "mission_id, step, attempt, command_id, device, action, level, origin, why, ordered_at, "
    "outcome, answer, answered_at, forced"
)


class Outcome(StrEnum):
    PENDING = "pending"
    """Sent (or about to be), not answered yet: it is sent again, same id, until it is."""
    ACCEPTED = "accepted"
    REFUSED = "refused"
    ABANDONED = "abandoned"
    """Its mission was over before the device answered; never sent again."""


AUTO = "auto"
"""The origin of an order the service's own rules gave (else the REST caller's name)."""


class Order(BaseModel):
    """One attempt at one step of one mission, and what the device answered."""

    model_config = ConfigDict(frozen=True)

    mission_id: str
    step: str
    attempt: int
    command_id: str
    device: Device
    action: CommandAction
    level: float | None = None
    origin: str
    why: str
    """Why it was ordered: the rule's figures, or the operator's reason."""
    forced: bool = False
    """An operator's order outside the envelope the rules keep to, given with ``force``."""
    ordered_at: float
    outcome: Outcome = Outcome.PENDING
    answer: str | None = None
    answered_at: float | None = None


def command_id(source: str, step: str) -> str:
    """A new attempt's command id: who orders which step, and 64 random bits. Never derived
    again: the id is stored with the order before it is sent, and read back after a restart."""
    return new_command_id(f"{source}-{step}")


class OrderStore:
    """One connection used by the bus loop and the HTTP threads, behind a lock."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")  # an order must be on disk before sent
            self._db.executescript(_SCHEMA)
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(orders)")}
            if "forced" not in columns:  # a store written before forced orders existed
                self._db.execute("ALTER TABLE orders ADD COLUMN forced INTEGER NOT NULL DEFAULT 0")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # --- orders -------------------------------------------------------------------------------

    def place(self, order: Order) -> bool:
        """Record a new attempt; ``False`` if this attempt of this step exists already."""
        with self._lock:
            cursor = self._db.execute(
                f"INSERT OR IGNORE INTO orders ({_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    order.mission_id,
                    order.step,
                    order.attempt,
                    order.command_id,
                    str(order.device),
                    str(order.action),
                    order.level,
                    order.origin,
                    order.why,
                    order.ordered_at,
                    str(order.outcome),
                    order.answer,
                    order.answered_at,
                    int(order.forced),
                ),
            )
            return cursor.rowcount == 1

    def settle(self, order: Order, outcome: Outcome, answer: str | None, at: float) -> Order:
        """Record the answer to a pending order (a settled order keeps its first answer)."""
        with self._lock:
            self._db.execute(
                "UPDATE orders SET outcome = ?, answer = ?, answered_at = ? "
                "WHERE command_id = ? AND outcome = ?",
                (str(outcome), answer, at, order.command_id, str(Outcome.PENDING)),
            )
            row = self._db.execute(
                f"SELECT {_COLUMNS} FROM orders WHERE command_id = ?", (order.command_id,)
            ).fetchone()
        return _order(row)

    def abandon_others(self, mission_id: str, at: float) -> list[Order]:
        """Mark the pending orders of every mission but ``mission_id`` abandoned: a command for
        a mission that is over must not reach the vehicle flying the next one."""
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_COLUMNS} FROM orders WHERE outcome = ? AND mission_id != ?",
                (str(Outcome.PENDING), mission_id),
            ).fetchall()
            self._db.execute(
                "UPDATE orders SET outcome = ?, answer = ?, answered_at = ? "
                "WHERE outcome = ? AND mission_id != ?",
                (
                    str(Outcome.ABANDONED),
                    f"mission {mission_id} started before an answer came",
                    at,
                    str(Outcome.PENDING),
                    mission_id,
                ),
            )
        return [_order(row) for row in rows]

    def orders(self, mission_id: str) -> list[Order]:
        """Every attempt of every step of a mission, in the order they were placed."""
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_COLUMNS} FROM orders WHERE mission_id = ? ORDER BY ordered_at, attempt",
                (mission_id,),
            ).fetchall()
        return [_order(row) for row in rows]

    # --- milestones ---------------------------------------------------------------------------

    def note(self, mission_id: str, event: EventType, source: str, at: float, detail: str) -> bool:
        """Record that ``event`` happened in a mission; ``False`` if it was known already."""
        with self._lock:
            cursor = self._db.execute(
                "INSERT OR IGNORE INTO milestones VALUES (?, ?, ?, ?, ?)",
                (mission_id, str(event), source, at, detail),
            )
            return cursor.rowcount == 1

    def milestones(self, mission_id: str) -> dict[EventType, float]:
        """Events of a mission and when they happened (the source's time)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT event, at FROM milestones WHERE mission_id = ?", (mission_id,)
            ).fetchall()
        return {EventType(event): at for event, at in rows}


def _order(row: tuple[object, ...]) -> Order:
    names = [name.strip() for name in _COLUMNS.split(",")]
    return Order.model_validate(dict(zip(names, row, strict=True)))
