"""Flies simulated missions with every MarsY program as its own process on localhost.

A broker and a time-series store (see :mod:`marsy_sim.servers`); the ground services (weather,
launchpad, telemetry, calculator, staging, payload, webcaster, command); then, per mission, a new
vehicle: the firmware simulator on ptys and the four onboard agents. The simulation does what an
operator would: it asks Command to start a mission and watches the bus until the mission is
over, the interview included. Several missions fly in a row under the same ground, each with its
own id, each vehicle retired when its mission is over.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devservers.process import LocalServer
from marsy.clock import MissionClock
from marsy.logins import OBSERVER_CONSOLE, OBSERVER_PRESENCE, as_login
from marsy.mqtt import Delivery, MqttBus
from marsy.protocol import (
    ContractError,
    DeadLetter,
    Device,
    DevicePresence,
    EventType,
    PresenceState,
    Service,
    decode_delivery,
)
from marsy_sim.chaos import BROKER, TARGETS, ChaosMonkey, schedule
from marsy_sim.children import Supervisor
from marsy_sim.faults import ScriptedFault, check_plan, needs_relay
from marsy_sim.injector import FaultRecord, FaultRunner, Hands
from marsy_sim.plan import GROUND, Plan, Vehicle
from marsy_sim.relay import Relay
from marsy_sim.servers import Broker, RelayedBroker, Servers, open_servers
from marsy_sim.watch import DeviceTally, Watch

logger = logging.getLogger(__name__)

BOOT_DELAY = 2.0
"""Wall seconds between starting the children and mission time zero (the rocket waits on the
pad for the launch order anyway)."""
ENDED = ("complete", "aborted", "scrubbed")
KEPT_DEAD_LETTERS = 1000
"""Dead letters a mission result keeps (a flood makes many more; they are counted)."""


@dataclass(frozen=True)
class SimOptions:
    scenarios: tuple[str, ...] = ("nominal",)
    """Flown in a row, one mission each."""
    vehicle: str = "marsy"
    speed: float = 10.0
    seed: int = 0
    run_dir: Path = Path("runs")
    timeout: float = 1800.0
    """Mission seconds after which an unfinished mission is called off."""
    after_end: float = 120.0
    """Mission seconds to wait after the mission ended, for the interview."""
    chaos_seed: int | None = None
    """Fly with the chaos monkey, on the schedule this seed draws."""
    broker_url: str | None = None
    """A broker that already runs, instead of a private one."""
    broker_passwords: dict[str, str] = field(default_factory=dict)
    influx_url: str | None = None
    """An InfluxDB that already runs, instead of a private store."""
    embedded: bool = False
    """Use the embedded broker and store even where Mosquitto and influxd are installed."""
    faults: tuple[ScriptedFault, ...] = ()
    """Fly every mission through these faults (see :mod:`marsy_sim.faults`)."""


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
        return self.state in ("complete", "aborted")


def _http(
    method: str,
    url: str,
    token: str | None = None,
    payload: dict[str, Any] | None = None,
    timeout: float = 60.0,
) -> Any:
    request = urllib.request.Request(
        url, method=method, data=json.dumps(payload).encode() if payload else None
    )
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.load(response)


def _wait_healthy(plan: Plan, supervisor: Supervisor, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    waiting = set(GROUND)
    while waiting and time.monotonic() < deadline:
        for name in sorted(waiting):
            try:
                _http("GET", f"{plan.url(name)}/health", timeout=1.0)
                waiting.discard(name)
            except (OSError, ValueError):
                pass
        supervisor.check()
        time.sleep(0.1)
    if waiting:
        raise RuntimeError(
            f"services not answering: {', '.join(sorted(waiting))}; see {plan.run / 'logs'}"
        )


def wait_for_ports(folder: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all((folder / str(d)).exists() for d in Device):
            return
        time.sleep(0.05)
    raise RuntimeError(f"the firmware simulator made no ports in {folder} in {timeout} s")


Show = Callable[[Watch], None]
"""Called a few times a second with the mission's state, for a live console."""


def fly(
    options: SimOptions,
    say: Callable[[str], None],
    show: Show | None = None,
    *,
    echo: bool = True,
) -> list[MissionResult]:
    """Fly every mission of ``options``; every child process is stopped on the way out, and
    every server this started, whatever happens."""
    check_plan(
        options.faults,
        private_broker=options.broker_url is None,
        private_store=options.influx_url is None,
    )
    run = (options.run_dir / time.strftime("%Y%m%d-%H%M%S")).resolve()
    run.mkdir(parents=True, exist_ok=True)
    say(f"run folder {run}")
    supervisor = Supervisor(run / "logs")
    with (
        open_servers(
            run,
            broker_url=options.broker_url,
            broker_passwords=options.broker_passwords,
            influx_url=options.influx_url,
            embedded=options.embedded,
        ) as servers,
        ExitStack() as stack,
    ):
        for line in servers.lines:
            say(line)
        relay = _relay(options, servers.broker, stack)
        if relay is not None:
            say(f"clients reach the broker through a relay on 127.0.0.1:{relay.port}")
        broker = servers.broker if relay is None else RelayedBroker(servers.broker, relay.port)
        plan = Plan(run, broker, servers.store, time.time() + BOOT_DELAY, options.speed)
        results: list[MissionResult] = []
        try:
            for name in GROUND:
                supervisor.start(plan.service(name))
            _wait_healthy(plan, supervisor)
            say("8 ground services up")
            for number, scenario in enumerate(options.scenarios, 1):
                vehicle = plan.vehicle(number)
                onboard = _roll_out(plan, supervisor, vehicle, scenario, options)
                say(f"vehicle {number}: firmware ({scenario}) and 4 agents up; asking Command")
                result = _mission(
                    options,
                    scenario,
                    plan,
                    supervisor,
                    servers.restartable_broker,
                    say if echo else _quiet,
                    show,
                    _faults(options, plan, supervisor, servers, relay, say),
                )
                supervisor.retire(onboard)
                notes = result.chaos + [str(record) for record in result.faults]
                result.report = _report(plan, result.mission_id, notes)
                say(f"mission {result.mission_id}: {result.state}; report: {result.report}")
                results.append(result)
            return results
        finally:
            supervisor.stop()
            say("every process stopped")


def _relay(options: SimOptions, broker: Broker, stack: ExitStack) -> Relay | None:
    """The relay every client reaches the broker through, when the plan cuts the link."""
    if not needs_relay(options.faults):
        return None
    upstream = broker.settings_for(str(Service.OBSERVER))
    return stack.enter_context(Relay((upstream.host, upstream.port)))


def _faults(
    options: SimOptions,
    plan: Plan,
    supervisor: Supervisor,
    servers: Servers,
    relay: Relay | None,
    say: Callable[[str], None],
) -> FaultRunner | None:
    """A mission's run of the fault plan (each mission of a row flies through all of it)."""
    if not options.faults:
        return None
    hands = Hands(
        supervisor,
        servers.restartable_broker,
        servers.restartable_store,
        relay,
        servers.broker,
        plan.url,
    )
    say("fault plan: " + ", ".join(str(fault) for fault in options.faults))
    return FaultRunner(options.faults, hands, MissionClock(plan.epoch, plan.warp), say)


def _roll_out(
    plan: Plan, supervisor: Supervisor, vehicle: Vehicle, scenario: str, options: SimOptions
) -> list[str]:
    """A new vehicle on the pad: its boards (the firmware simulator) and its four agents."""
    firmware = plan.firmware(scenario, options.vehicle, options.seed, vehicle)
    supervisor.start(firmware)
    wait_for_ports(vehicle.ports)
    agents = [plan.agent(device, vehicle) for device in Device]
    since = MissionClock(plan.epoch, plan.warp).now()
    for agent in agents:
        supervisor.start(agent)
    _wait_online(plan, supervisor, since)
    return [firmware.name, *(agent.name for agent in agents)]


def _wait_online(plan: Plan, supervisor: Supervisor, since: float, timeout: float = 30.0) -> None:
    """Until every agent of the new vehicle says it is online (a retained "online" older than
    ``since`` is a previous vehicle's), so Command does not find the rocket offline."""
    observer = MqttBus(
        as_login(plan.broker.settings_for(str(Service.OBSERVER)), OBSERVER_PRESENCE),
        persistent=False,
    )
    waiting = {str(device) for device in Device}
    for name in waiting:
        observer.subscribe(observer.topics.presence(name))
    observer.start()
    deadline = time.monotonic() + timeout
    try:
        while waiting and time.monotonic() < deadline:
            supervisor.check()
            delivery = observer.receive(timeout=0.2)
            if delivery is None:
                continue
            observer.ack(delivery)
            try:
                message = decode_delivery(observer.topics, delivery.topic, delivery.payload)
            except ContractError:
                continue
            online = isinstance(message, DevicePresence) and message.state is PresenceState.ONLINE
            if online and message.ts >= since:
                waiting.discard(message.source)
    finally:
        observer.stop()
    if waiting:
        raise RuntimeError(
            f"agents not online after {timeout:.0f} s: {', '.join(sorted(waiting))}; "
            f"see {plan.run / 'logs'}"
        )


def _mission(
    options: SimOptions,
    scenario: str,
    plan: Plan,
    supervisor: Supervisor,
    broker: LocalServer | None,
    say: Callable[[str], None],
    show: Show | None,
    faults: FaultRunner | None = None,
) -> MissionResult:
    # persistent: a broker restart (the chaos monkey's) must not cost the observer a message
    observer = MqttBus(as_login(plan.broker.settings_for(str(Service.OBSERVER)), OBSERVER_CONSOLE))
    observer.subscribe(observer.topics.everything)
    observer.start()
    watch = Watch(say)
    shown = 0.0
    monkey = _monkey(options, supervisor, plan, broker, say)
    command = plan.url("command")
    state = "planned"
    letters = DeadLetters()
    try:
        started = _http(
            "POST", f"{command}/missions", plan.tokens["operator"], {"scenario": scenario}
        )
        watch.mission_id = mission_id = started["mission_id"]
        state = started["state"]
        say(f"mission {mission_id}: {state} ({started['detail'] or 'go'})")
        ended_at: float | None = None
        began = time.monotonic()
        if faults is not None:
            faults.begin(mission_id, began)
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
            if ended_at is None:
                state = _state(command, mission_id, state)
                if state in ENDED:
                    ended_at = elapsed
                    say(f"mission {mission_id} {state}")
            done_waiting = ended_at is not None and (
                state == "scrubbed" or watch.interview or elapsed - ended_at > options.after_end
            )
            if done_waiting or elapsed > options.timeout:
                break
        if watch.interview:
            _drain(observer, watch, letters, seconds=2.0)
        if monkey is not None:
            monkey.settle()
    finally:
        if faults is not None:
            faults.settle()  # undo what is still in force, whatever happened
        observer.stop()
    timeline, ledger = _collect(plan, mission_id)
    result = MissionResult(
        scenario,
        mission_id,
        state,
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


def _quiet(line: str) -> None:
    """For a live console: the mission's lines are in its panels, not printed."""


def _monkey(
    options: SimOptions,
    supervisor: Supervisor,
    plan: Plan,
    broker: LocalServer | None,
    say: Callable[[str], None],
) -> ChaosMonkey | None:
    if options.chaos_seed is None:
        return None
    targets = TARGETS if broker is not None else tuple(t for t in TARGETS if t != BROKER)
    faults = schedule(options.chaos_seed, targets=targets)
    say("chaos schedule: " + ", ".join(f"+{f.at:.0f} s {f.target}" for f in faults))
    return ChaosMonkey(faults, supervisor, broker, plan, say)


def _collect(plan: Plan, mission_id: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Command's timeline of the mission, and the recorders' delivery ledgers for it."""
    timeline = _http("GET", f"{plan.url('command')}/missions/{mission_id}/timeline")["entries"]
    ledger = []
    for recorder in ("telemetry", "payload"):
        health = _http("GET", f"{plan.url(recorder)}/health")
        ledger += [e for e in health.get("ledger", []) if e["mission_id"] == mission_id]
    return timeline, ledger


def _state(command: str, mission_id: str, last: str) -> str:
    """The mission's state from Command; the last known one while Command restarts."""
    try:
        return str(_http("GET", f"{command}/missions/{mission_id}", timeout=2.0)["state"])
    except (OSError, ValueError):
        return last


def _report(plan: Plan, mission_id: str, notes: list[str]) -> Path:
    """The post-flight report, from what the services stored (also rebuilt by ``marsy report``)."""
    from ground.report.build import write_report
    from ground.report.data import load
    from marsy.settings import InfluxSettings
    from marsy.store import InfluxHttp

    settings = plan.store.settings()
    http = InfluxHttp(settings.url, username=settings.username, password=settings.password)
    try:
        data = load(
            mission_id, plan.run / "state" / "command" / "missions.db", http, InfluxSettings()
        )
    finally:
        http.close()
    return write_report(data, plan.run / "report" / mission_id, notes)


def _drain(observer: MqttBus, watch: Watch, letters: DeadLetters, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while (delivery := observer.receive(max(0.0, deadline - time.monotonic()))) is not None:
        _take(observer, delivery, watch, letters)


@dataclass
class DeadLetters:
    """What the ground set aside during a mission: the first ones, and how many in all."""

    kept: list[DeadLetter] = field(default_factory=list)
    count: int = 0

    def add(self, letter: DeadLetter) -> None:
        self.count += 1
        if len(self.kept) < KEPT_DEAD_LETTERS:
            self.kept.append(letter)


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
