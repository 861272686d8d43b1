"""The order store: an attempt is placed once, keeps its first answer, survives a reopen (with
its command id: ids are random, so the stored one is the only way back to it)."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from ground.steering.store import AUTO, Order, OrderStore, Outcome, command_id
from marsy.protocol import CommandAction, Device, EventType

T0 = 1_800_000_000.0


def separation(mission: str = "M1", attempt: int = 1) -> Order:
    return Order(
        mission_id=mission,
        step="separate",
        attempt=attempt,
        command_id=command_id("staging", "separate"),
        device=Device.ROCKET,
        action=CommandAction.SEPARATE,
        origin=AUTO,
        why="first-stage propellant at 7.9 %",
        ordered_at=T0,
    )


def test_command_ids_name_service_and_step_and_cannot_be_guessed() -> None:
    ids = {command_id("payload", "detach") for _ in range(1000)}
    assert len(ids) == 1000
    for cid in ids:
        assert re.fullmatch(r"payload-detach-[0-9a-f]{16}", cid), cid
    long = command_id("a" * 60, "b" * 60)
    assert re.fullmatch(r"[A-Za-z0-9_-]{8,64}", long) and len(long) == 64
    assert re.fullmatch(r"a+-[0-9a-f]{16}", long), "the random part is never cut"


def test_an_attempt_is_placed_once_and_keeps_its_first_answer(tmp_path: Path) -> None:
    store = OrderStore(tmp_path / "orders.db")
    order = separation()
    assert store.place(order)
    assert not store.place(order.model_copy(update={"origin": "operator"}))
    accepted = store.settle(order, Outcome.ACCEPTED, "stage separation", T0 + 1)
    assert (accepted.outcome, accepted.answer, accepted.answered_at) == (
        Outcome.ACCEPTED,
        "stage separation",
        T0 + 1,
    )
    again = store.settle(order, Outcome.REFUSED, "already separated", T0 + 2)
    assert again == accepted
    store.close()

    reopened = OrderStore(tmp_path / "orders.db")
    assert reopened.orders("M1") == [accepted]
    assert reopened.orders("M1")[0].command_id == order.command_id
    assert reopened.orders("M2") == []
    reopened.close()


def test_pending_orders_of_other_missions_are_abandoned(tmp_path: Path) -> None:
    store = OrderStore(tmp_path / "orders.db")
    store.place(separation("M1"))
    store.place(separation("M2"))
    (abandoned,) = store.abandon_others("M2", T0 + 5)
    assert abandoned.mission_id == "M1"
    (old,) = store.orders("M1")
    assert old.outcome is Outcome.ABANDONED
    assert old.answer == "mission M2 started before an answer came"
    assert [o.outcome for o in store.orders("M2")] == [Outcome.PENDING]
    store.close()


def test_milestones_are_noted_once_per_mission(tmp_path: Path) -> None:
    store = OrderStore(tmp_path / "orders.db")
    assert store.note("M1", EventType.STAGE_SEPARATION, "rocket", T0 + 120, "booster away")
    assert not store.note("M1", EventType.STAGE_SEPARATION, "rocket", T0 + 121, "again")
    assert store.milestones("M1") == {EventType.STAGE_SEPARATION: T0 + 120}
    assert store.milestones("M2") == {}
    store.close()


def test_a_forced_order_is_kept_as_forced_also_in_a_store_from_before_forced_orders(
    tmp_path: Path,
) -> None:
    path = tmp_path / "orders.db"
    old = sqlite3.connect(path)
    old.executescript(
        "CREATE TABLE orders (mission_id TEXT NOT NULL, step TEXT NOT NULL, "
        "attempt INTEGER NOT NULL, command_id TEXT NOT NULL UNIQUE, device TEXT NOT NULL, "
        "action TEXT NOT NULL, level REAL, origin TEXT NOT NULL, why TEXT NOT NULL, "
        "ordered_at REAL NOT NULL, outcome TEXT NOT NULL, answer TEXT, answered_at REAL, "
        "PRIMARY KEY (mission_id, step, attempt));"
        "INSERT INTO orders VALUES ('M0', 'separate', 1, 'staging-separate-0', 'rocket', "
        "'separate', NULL, 'auto', 'below 8 %', 1.0, 'accepted', 'done', 2.0);"
    )
    old.close()
    store = OrderStore(path)
    forced = separation().model_copy(update={"origin": "operator", "forced": True})
    assert store.place(forced)
    assert [o.forced for o in store.orders("M0")] == [False]
    assert store.orders("M1") == [forced]
    store.close()
