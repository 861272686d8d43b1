"""Flies one simulated mission with every MarsY program as its own process on localhost.

A private Mosquitto and influxd; the firmware simulator on ptys; the four onboard agents; the
ground services (weather, launchpad, telemetry, calculator, staging, payload, webcaster,
command). The simulation then does what an operator would: it asks Command to start a mission
and watches the bus until the mission is over, the interview included.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from marsy.local import LocalInfluxd, LocalMosquitto
from marsy.mqtt import MqttBus
from marsy.protocol import ContractError, Device, EventType, Service, decode_message
from marsy.sim.chaos import ChaosMonkey, schedule
from marsy.sim.children import Supervisor
from marsy.sim.plan import GROUND, Plan
from marsy.sim.watch import DeviceTally, Watch

logger = logging.getLogger(__name__)

BOOT_DELAY = 2.0
"""Wall seconds between starting the children and mission time zero (the rocket waits on the
pad for the launch order anyway)."""
ENDED = ("complete", "aborted", "scrubbed")


@dataclass(frozen=True)
class SimOptions:
    scenario: str = "nominal"
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


@dataclass
class MissionResult:
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
) -> MissionResult:
    """Fly one mission; every child process is stopped on the way out, whatever happens."""
    run = (options.run_dir / time.strftime("%Y%m%d-%H%M%S")).resolve()
    run.mkdir(parents=True, exist_ok=True)
    say(f"run folder {run}")
    supervisor = Supervisor(run / "logs")
    with LocalMosquitto(run / "mosquitto") as broker, LocalInfluxd(run / "influxd") as influxd:
        say(
            f"mosquitto on 127.0.0.1:{broker.port}, influxd on 127.0.0.1:{influxd.port} "
            "(private instances, the project's configuration)"
        )
        plan = Plan(run, broker, influxd, epoch=time.time() + BOOT_DELAY, warp=options.speed)
        try:
            supervisor.start(plan.firmware(options.scenario, options.vehicle, options.seed))
            wait_for_ports(run / "ports")
            for device in Device:
                supervisor.start(plan.agent(device))
            for name in GROUND:
                supervisor.start(plan.service(name))
            _wait_healthy(plan, supervisor)
            say("firmware, 4 agents and 8 ground services up; asking Command for a mission")
            result = _mission(options, plan, supervisor, say if echo else _quiet, show)
            result.report = _report(plan, result.mission_id, result.chaos)
            say(f"report: {result.report}")
            return result
        finally:
            supervisor.stop()
            say("every process stopped")


def _mission(
    options: SimOptions,
    plan: Plan,
    supervisor: Supervisor,
    say: Callable[[str], None],
    show: Show | None,
) -> MissionResult:
    # persistent: a broker restart (the chaos monkey's) must not cost the observer a message
    observer = MqttBus(plan.broker.settings_for(str(Service.OBSERVER)), "sim-observer")
    observer.subscribe(observer.topics.everything)
    observer.start()
    watch = Watch(say)
    shown = 0.0
    monkey = _monkey(options, supervisor, plan, say)
    command = plan.url("command")
    state = "planned"
    try:
        started = _http(
            "POST", f"{command}/missions", plan.tokens["operator"], {"scenario": options.scenario}
        )
        watch.mission_id = mission_id = started["mission_id"]
        state = started["state"]
        say(f"mission {mission_id}: {state} ({started['detail'] or 'go'})")
        ended_at: float | None = None
        began = time.monotonic()
        while True:
            for name in supervisor.check():
                say(f"{name} exited and was restarted")
            delivery = observer.receive(timeout=0.2)
            if delivery is not None:
                observer.ack(delivery)
                try:
                    watch.handle(decode_message(delivery.payload))
                except ContractError:
                    pass
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
            _drain(observer, watch, seconds=2.0)
        if monkey is not None:
            monkey.settle()
        timeline, ledger = _collect(plan, mission_id)
    finally:
        observer.stop()
    result = MissionResult(
        mission_id,
        state,
        plan.run,
        watch.tallies,
        watch.events,
        timeline,
        ledger,
        watch.interview,
        {name: child.restarts for name, child in supervisor.children.items()},
    )
    if monkey is not None:
        result.chaos = monkey.summary()
    return result


def _quiet(line: str) -> None:
    """For a live console: the mission's lines are in its panels, not printed."""


def _monkey(
    options: SimOptions, supervisor: Supervisor, plan: Plan, say: Callable[[str], None]
) -> ChaosMonkey | None:
    if options.chaos_seed is None:
        return None
    faults = schedule(options.chaos_seed)
    say("chaos schedule: " + ", ".join(f"+{f.at:.0f} s {f.target}" for f in faults))
    return ChaosMonkey(faults, supervisor, plan.broker, plan, say)


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
    from ground.influx import InfluxHttp
    from ground.report.build import write_report
    from ground.report.data import load
    from marsy.settings import InfluxSettings

    settings = plan.influxd.settings()
    http = InfluxHttp(settings.url, username=settings.username, password=settings.password)
    try:
        data = load(
            mission_id, plan.run / "state" / "command" / "missions.db", http, InfluxSettings()
        )
    finally:
        http.close()
    return write_report(data, plan.run / "report" / mission_id, notes)


def _drain(observer: MqttBus, watch: Watch, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while (delivery := observer.receive(max(0.0, deadline - time.monotonic()))) is not None:
        observer.ack(delivery)
        try:
            watch.handle(decode_message(delivery.payload))
        except ContractError:
            continue
