"""The steering core: each step placed once per mission whoever asks, resent under the same id
(also by a restarted service) until answered, tried again under a new id only after a refusal,
never sent for a mission that is over."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from ground.payload import rules as payload
from ground.staging.rules import SEPARATE, WATCHED, StagingCriteria, manual_separation, propose
from ground.steering.flight import FlightView
from ground.steering.steps import OutOfOrder, Proposal, Steps
from ground.steering.store import AUTO, Order, OrderStore, Outcome
from marsy.clock import MissionClock
from marsy.protocol import CommandAction, EventType, FlightPhase, MissionState
from tests.ground.steering.messages import T0, ack, event, rocket, status


class Clock:
    """Mission time the test moves by hand."""

    def __init__(self) -> None:
        self.t = 200.0
        self.clock = MissionClock(epoch=0.0, origin=T0, wall=lambda: self.t)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[OrderStore]:
    opened = OrderStore(tmp_path / "orders.db")
    yield opened
    opened.close()


def make(store: OrderStore, clock: Clock) -> Steps:
    criteria = StagingCriteria()
    return Steps(
        "staging",
        store,
        lambda view, orders: propose(view, orders, criteria),
        clock.clock,
        watched=WATCHED,
        figures=("fuel_stage1",),
    )


def low_fuel(steps: Steps, mission: str = "M1", at: float = 121.0) -> None:
    steps.observe(status(mission))
    steps.observe(rocket(mission, FlightPhase.ASCENT, at, fuel_stage1=7.5, throttle=100.0))


def test_a_step_is_placed_once_and_handed_out_until_answered(
    store: OrderStore, clock: Clock
) -> None:
    steps = make(store, clock)
    low_fuel(steps)
    first = steps.due()
    (placed,) = first.placed
    assert placed.command_id.startswith("staging-separate-")
    assert first.pending == [placed]
    steps.observe(rocket("M1", FlightPhase.ASCENT, 121.1, fuel_stage1=7.4))
    second = steps.due()
    assert second.placed == [] and second.pending == [placed]
    settled = steps.settle(placed, ack("M1", placed.command_id, CommandAction.SEPARATE))
    assert settled.outcome is Outcome.ACCEPTED
    assert steps.due().pending == []
    assert [o.outcome for o in steps.status().orders] == [Outcome.ACCEPTED]


def test_a_restarted_core_resends_the_pending_order_under_the_same_id(
    tmp_path: Path, clock: Clock
) -> None:
    before = OrderStore(tmp_path / "orders.db")
    steps = make(before, clock)
    low_fuel(steps)
    (placed,) = steps.due().placed
    before.close()

    after = OrderStore(tmp_path / "orders.db")
    restarted = make(after, clock)
    restarted.observe(status("M1"))  # the retained status, first thing after a restart
    due = restarted.due()
    assert due.placed == []
    assert [o.command_id for o in due.pending] == [placed.command_id]
    after.close()


def test_a_refused_order_is_placed_again_later_under_a_new_id_three_times_at_most(
    store: OrderStore, clock: Clock
) -> None:
    steps = make(store, clock)
    low_fuel(steps)
    ids = []
    for _ in range(3):
        due = steps.due()
        (order,) = due.placed
        ids.append(order.command_id)
        steps.settle(order, ack("M1", order.command_id, CommandAction.SEPARATE, False, "stale"))
        assert steps.due().placed == [], "not at once: the rocket's own event may still come"
        clock.t += 10.0
    assert len(set(ids)) == 3 and all(i.startswith("staging-separate-") for i in ids)
    assert [o.command_id for o in steps.status().orders] == ids
    assert steps.due().placed == []
    assert [o.outcome for o in steps.status().orders] == [Outcome.REFUSED] * 3


def test_the_rules_and_an_operator_cannot_both_order_a_step(
    store: OrderStore, clock: Clock
) -> None:
    steps = make(store, clock)
    steps.observe(status("M1"))
    steps.observe(rocket("M1", FlightPhase.ASCENT, 100.0, fuel_stage1=7.9))

    def manual(view: FlightView, orders: Mapping[str, Order]) -> Proposal:
        return manual_separation(view, orders, "M1", "engine trouble")

    order = steps.manual(manual, "operator")
    assert (order.origin, order.why) == ("operator", "manual order: engine trouble")
    steps.observe(rocket("M1", FlightPhase.ASCENT, 121.0, fuel_stage1=7.0))
    assert steps.due().placed == []
    with pytest.raises(OutOfOrder, match="already ordered"):
        steps.manual(manual, "operator")
    assert [o.origin for o in steps.status().orders] == ["operator"]


def test_a_new_mission_abandons_the_unanswered_order_of_the_last_one(
    store: OrderStore, clock: Clock
) -> None:
    steps = make(store, clock)
    low_fuel(steps, "M1")
    (old,) = steps.due().placed
    steps.observe(status("M2"))
    assert steps.due().pending == []
    assert [o.outcome for o in store.orders("M1")] == [Outcome.ABANDONED]
    steps.observe(rocket("M1", FlightPhase.ASCENT, 130.0, fuel_stage1=6.0))
    assert steps.status().rocket is None, "telemetry of another mission is not followed"
    assert old.command_id not in {o.command_id for o in steps.due().pending}


def test_nothing_is_ordered_once_the_mission_is_over(store: OrderStore, clock: Clock) -> None:
    steps = make(store, clock)
    low_fuel(steps)
    steps.observe(status("M1", MissionState.ABORTED))
    assert steps.due().placed == []


def test_the_rockets_own_event_is_kept_and_a_services_echo_is_not(
    tmp_path: Path, clock: Clock
) -> None:
    store = OrderStore(tmp_path / "orders.db")
    steps = make(store, clock)
    steps.observe(status("M1"))
    assert steps.observe(event("M1", EventType.STAGE_SEPARATION, source="staging")) == []
    assert steps.observe(event("M1", EventType.STAGE_SEPARATION, source="satellite")) == [], (
        "only the vehicle that owns the event proves it"
    )
    assert steps.observe(event("M1", EventType.STAGE_SEPARATION)) == [EventType.STAGE_SEPARATION]
    assert steps.observe(event("M1", EventType.STAGE_SEPARATION)) == [], "once"
    store.close()

    reopened = OrderStore(tmp_path / "orders.db")
    restarted = make(reopened, clock)
    restarted.observe(status("M1"))
    assert restarted.status().milestones == {EventType.STAGE_SEPARATION: T0 + 120.0}
    restarted.observe(rocket("M1", FlightPhase.COAST, 125.0, fuel_stage1=0.0))
    assert restarted.due().placed == [], "0 % after the separation is no reason to separate"
    reopened.close()


def test_a_release_before_the_separation_is_not_a_milestone_and_the_detach_still_comes(
    tmp_path: Path, clock: Clock
) -> None:
    store = OrderStore(tmp_path / "orders.db")
    criteria = payload.DetachCriteria()
    steps = Steps(
        "payload",
        store,
        lambda view, orders: payload.propose(view, orders, criteria),
        clock.clock,
        watched=payload.WATCHED,
    )
    steps.observe(status("M1"))
    steps.observe(event("M1", EventType.LIFTOFF, at=0.0))
    early = event("M1", EventType.PAYLOAD_DETACHED, source="satellite", at=40.0)
    assert steps.observe(early) == [], "the satellite is not free before the stages are apart"
    assert steps.observe(event("M1", EventType.STAGE_SEPARATION)) == [EventType.STAGE_SEPARATION]
    assert steps.observe(early) == [], "nor before the upper stage's cut-off"
    assert steps.observe(event("M1", EventType.SECO, at=450.0)) == [], "followed, not watched"
    assert steps.status().milestones == {
        EventType.STAGE_SEPARATION: T0 + 120.0,
        EventType.SECO: T0 + 450.0,
    }

    orbit = {"apoapsis": 205_400.0, "periapsis": 196_200.0, "altitude": 199_900.0}
    steps.observe(rocket("M1", FlightPhase.ORBIT, 460.0, **orbit))
    (order,) = steps.due().placed
    assert order.step == payload.DETACH, "the detach is still due: the early word changed nothing"
    steps.settle(order, ack("M1", order.command_id, CommandAction.DETACH))
    real = event("M1", EventType.PAYLOAD_DETACHED, source="satellite", at=470.0)
    assert steps.observe(real) == [EventType.PAYLOAD_DETACHED]
    assert store.milestones("M1")[EventType.PAYLOAD_DETACHED] == T0 + 470.0
    store.close()


def test_wait_returns_the_order_once_answered(store: OrderStore, clock: Clock) -> None:
    steps = make(store, clock)
    low_fuel(steps)
    (order,) = steps.due().placed
    assert steps.wait(order, 0.05).outcome is Outcome.PENDING
    answer = ack("M1", order.command_id, CommandAction.SEPARATE)
    timer = threading.Timer(0.1, lambda: steps.settle(order, answer))
    timer.start()
    assert steps.wait(order, 5.0).outcome is Outcome.ACCEPTED
    timer.join()


def test_the_status_shows_the_figures_asked_for(store: OrderStore, clock: Clock) -> None:
    steps = make(store, clock)
    low_fuel(steps)
    shown = steps.status()
    assert shown.mission_id == "M1" and shown.mission_state is MissionState.FLYING
    assert shown.rocket is not None and dict(shown.rocket.values) == {"fuel_stage1": 7.5}
    assert steps.latest(SEPARATE) is None
    steps.due()
    latest = steps.latest(SEPARATE)
    assert latest is not None and latest.origin == AUTO
