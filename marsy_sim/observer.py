"""One mission as the operator lives it: ask Command to start it, watch the bus until it is over
(the interview included), and gather what happened into a :class:`MissionResult`.

Where the mission stands is Command's retained status on the bus, handled in bus order with the
rest, so its end is told after the events that brought it. Command is asked over HTTP only when
the bus has said nothing from it for a while (Command restarting, the broker down), and then at
most once every :data:`QUIET` seconds.

Apart from the supervisor (:mod:`marsy_sim.mission`), which brings processes up and down, because
this is the only part that reads the bus during a flight; the chaos monkey and the fault plan it
is handed are ticked from its loop, since their clock is the mission's.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from marsy.logins import OBSERVER_CONSOLE, as_login
from marsy.mqtt import Delivery, MqttBus
from marsy.protocol import (
    ContractError,
    DeadLetter,
    Device,
    EventType,
    MissionState,
    Service,
    decode_delivery,
)
from marsy_sim.chaos import ChaosMonkey
from marsy_sim.children import Supervisor
from marsy_sim.injector import FaultRecord, FaultRunner
from marsy_sim.options import SimOptions
from marsy_sim.plan import Plan
from marsy_sim.postflight import collect
from marsy_sim.rest import call
from marsy_sim.watch import DeviceTally, Watch

QUIET = 5.0
"""Wall seconds without a word from Command on the bus before it is asked over HTTP instead."""
KEPT_DEAD_LETTERS = 1000
"""Dead letters a mission result keeps (a flood makes many more; they are counted)."""

Show = Callable[[Watch], None]
"""Called a few times a second with the mission's state, for a live console."""


@dataclass
class MissionResult:
    scenario: str
    mission_id: str
    state: str
    run: Path
    tallies: dict[Device, DeviceTally]
    events: list[tuple[float, EventType, str]]
    timeline: list[dict[str, Any]] = field(default_factory=list)
    ledger: list[dict[str, Any]] = field(default_factory=list)
    interview: list[str] = field(default_factory=list)
    restarts: dict[str, int] = field(default_factory=dict)
    report: Path | None = None
    chaos: list[str] = field(default_factory=list)
    faults: list[FaultRecord] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    """The first dead letters the ground published during the mission."""
    dead_lettered: int = 0
    """All of them."""

    @property
    def completed(self) -> bool:
        return self.state in (MissionState.COMPLETE, MissionState.ABORTED)


@dataclass
class Fallback:
    """When to ask Command over HTTP where the mission stands: only once the bus has brought
    nothing from it for ``quiet`` seconds, and then at most once every ``quiet`` seconds."""

    since: float
    """When Command was last heard on the bus, or last asked."""
    quiet: float = QUIET
    heard: int = 0

    def due(self, now: float, heard: int) -> bool:
        """``heard``: how many of the mission's messages from Command the watch has had."""
        if heard != self.heard:
            self.heard, self.since = heard, now
            return False
        if now - self.since < self.quiet:
            return False
        self.since = now
        return True


@dataclass
class DeadLetters:
    """What the ground set aside during a mission: the first ones, and how many in all."""

    kept: list[DeadLetter] = field(default_factory=list)
    count: int = 0

    def add(self, letter: DeadLetter) -> None:
        self.count += 1
        if len(self.kept) < KEPT_DEAD_LETTERS:
            self.kept.append(letter)


def observe(
    options: SimOptions,
    scenario: str,
    plan: Plan,
    supervisor: Supervisor,
    say: Callable[[str], None],
    show: Show | None,
    monkey: ChaosMonkey | None = None,
    faults: FaultRunner | None = None,
    header: Callable[[str], None] | None = None,
) -> MissionResult:
    """Fly one mission of ``scenario`` on the vehicle already on the pad, until it is over
    (``header`` prints the mission's separator where ``say`` would not, e.g. a live console)."""
    # persistent: a broker restart (the chaos monkey's) must not cost the observer a message
    observer = MqttBus(as_login(plan.broker.settings_for(str(Service.OBSERVER)), OBSERVER_CONSOLE))
    observer.subscribe(observer.topics.everything)
    observer.start()
    watch = Watch(say)
    shown = 0.0
    command = plan.url("command")
    letters = DeadLetters()
    try:
        started = call(
            "POST", f"{command}/missions", plan.tokens["operator"], {"scenario": scenario}
        )
        mission_id = started["mission_id"]
        (header or say)(watch.begin(mission_id, scenario))
        ended_at: float | None = None
        began = time.monotonic()
        fallback = Fallback(began)
        _begin(mission_id, began, faults, monkey)
        while True:
            for name in supervisor.check():
                say(f"{name} exited and was restarted")
            delivery = observer.receive(timeout=0.2)
            if delivery is not None:
                _take(observer, delivery, watch, letters)
            elapsed = (time.monotonic() - began) * options.speed
            if monkey is not None:
                monkey.tick(elapsed)
            if show is not None and time.monotonic() - shown > 0.25:
                show(watch)
                shown = time.monotonic()
            if not watch.over and fallback.due(time.monotonic(), watch.heard):
                _ask(command, observer, watch, letters)
            if watch.over and ended_at is None:
                ended_at = elapsed
            done_waiting = ended_at is not None and (
                watch.state == MissionState.SCRUBBED
                or watch.interview
                or elapsed - ended_at > options.after_end
            )
            if done_waiting or elapsed > options.timeout:
                break
        if watch.interview:
            _drain(observer, watch, letters, seconds=2.0)
        if monkey is not None:
            monkey.settle()
    finally:
        _wind_down(faults, monkey)
        observer.stop()
    timeline, ledger = collect(plan, mission_id)
    result = MissionResult(
        scenario,
        mission_id,
        watch.state,
        plan.run,
        watch.tallies,
        watch.events,
        timeline,
        ledger,
        watch.interview,
        {name: child.restarts for name, child in supervisor.children.items()},
        faults=faults.records if faults is not None else [],
        dead_letters=letters.kept,
        dead_lettered=letters.count,
    )
    if monkey is not None:
        result.chaos = monkey.summary()
    return result


def _begin(
    mission_id: str, began: float, faults: FaultRunner | None, monkey: ChaosMonkey | None
) -> None:
    """The fault plan and the chaos monkey learn the mission they strike."""
    if faults is not None:
        faults.begin(mission_id, began)
    if monkey is not None:
        monkey.begin(mission_id)


def _wind_down(faults: FaultRunner | None, monkey: ChaosMonkey | None) -> None:
    """Whatever happened: the faults still in force undone, the monkey's probes closed."""
    if faults is not None:
        faults.settle()
    if monkey is not None:
        monkey.close()


def _ask(command: str, observer: MqttBus, watch: Watch, letters: DeadLetters) -> None:
    """Command's answer on the mission, once the bus has been quiet about it: what the bus has
    already brought is told first; a Command that does not answer leaves the state as it was."""
    try:
        answer = call("GET", f"{command}/missions/{watch.mission_id}", timeout=2.0)
    except (OSError, ValueError):
        return
    _drain(observer, watch, letters, seconds=0.0)
    watch.follow(str(answer["state"]), str(answer.get("detail") or ""))


def _drain(observer: MqttBus, watch: Watch, letters: DeadLetters, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while (delivery := observer.receive(max(0.0, deadline - time.monotonic()))) is not None:
        _take(observer, delivery, watch, letters)


def _take(observer: MqttBus, delivery: Delivery, watch: Watch, letters: DeadLetters) -> None:
    """One delivery to the observer: dead letters are kept apart, the rest is watched."""
    observer.ack(delivery)
    try:
        message = decode_delivery(observer.topics, delivery.topic, delivery.payload)
    except ContractError:
        return
    if isinstance(message, DeadLetter):
        letters.add(message)
    else:
        watch.handle(message)
