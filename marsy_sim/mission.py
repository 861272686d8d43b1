"""Flies simulated missions with every MarsY program as its own process on localhost.

A broker and a time-series store (see :mod:`marsy_sim.servers`); the ground services (weather,
launchpad, telemetry, calculator, staging, payload, webcaster, command); then, per mission, a new
vehicle: the firmware simulator on ptys and the four onboard agents. The simulation does what an
operator would: it asks Command to start a mission and watches the bus until the mission is
over, the interview included. Several missions fly in a row under the same ground, each with its
own id, each vehicle retired when its mission is over.

This module is the supervisor: servers, relay, children, chaos and fault plan, in order, and all
stopped on the way out. Bringing processes up is :mod:`marsy_sim.rollout`, a mission's flight
:mod:`marsy_sim.observer`, what comes after it :mod:`marsy_sim.postflight`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

from devservers.process import LocalServer
from marsy.clock import MissionClock
from marsy.protocol import Service
from marsy_sim.chaos import BROKER, TARGETS, ChaosMonkey, schedule
from marsy_sim.children import Supervisor
from marsy_sim.console import addresses
from marsy_sim.faults import check_plan, needs_relay
from marsy_sim.injector import FaultRunner, Hands
from marsy_sim.observer import MissionResult, Show, observe
from marsy_sim.options import SimOptions
from marsy_sim.plan import GROUND, Plan
from marsy_sim.postflight import report
from marsy_sim.relay import Relay
from marsy_sim.rollout import roll_out, wait_for_ports, wait_healthy
from marsy_sim.servers import Broker, RelayedBroker, Servers, open_servers

__all__ = ["MissionResult", "Show", "SimOptions", "fly", "wait_for_ports"]

logger = logging.getLogger(__name__)

BOOT_DELAY = 2.0
"""Wall seconds between starting the children and mission time zero (the rocket waits on the
pad for the launch order anyway)."""


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
    run = new_run_folder(options.run_dir)
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
            wait_healthy(plan, supervisor)
            say("8 ground services up")
            for line in addresses(plan.url("webcaster")):
                say(line)
            for number, scenario in enumerate(options.scenarios, 1):
                vehicle = plan.vehicle(number)
                onboard = roll_out(
                    plan, supervisor, vehicle, scenario, options.vehicle, options.seed
                )
                say(f"vehicle {number}: firmware ({scenario}) and 4 agents up; asking Command")
                faults = _faults(options, plan, supervisor, servers, relay, say)
                told = say if echo else _quiet
                monkey = _monkey(options, supervisor, plan, servers.restartable_broker, told)
                result = observe(
                    options, scenario, plan, supervisor, told, show, monkey, faults, header=say
                )
                supervisor.retire(onboard)
                notes = result.chaos + [str(record) for record in result.faults]
                result.report, dashboards = report(plan, result.mission_id, notes)
                say(f"mission {result.mission_id}: {result.state}; report: {result.report}")
                for line in dashboards:
                    say(line)
                results.append(result)
            return results
        finally:
            supervisor.stop()
            say("every process stopped")


def new_run_folder(runs: Path) -> Path:
    """A folder of this run's own under ``runs``, named by the time it started; a second run
    started in the same second (another ``marsy sim`` on the same ``--run-dir``) gets the next
    free suffix (``-2``, ``-3``...): each name is taken by creating it, which only one can."""
    runs.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    number = 1
    while True:
        run = runs / (stamp if number == 1 else f"{stamp}-{number}")
        try:
            run.mkdir()
        except FileExistsError:
            number += 1
            continue
        return run.resolve()


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


def _monkey(
    options: SimOptions,
    supervisor: Supervisor,
    plan: Plan,
    broker: LocalServer | None,
    say: Callable[[str], None],
) -> ChaosMonkey | None:
    """The chaos monkey of a mission, when the options ask for one (never the broker's restart
    when the broker is not ours)."""
    if options.chaos_seed is None:
        return None
    targets = TARGETS if broker is not None else tuple(t for t in TARGETS if t != BROKER)
    faults = schedule(options.chaos_seed, targets=targets)
    say("chaos schedule: " + ", ".join(f"+{f.at:.0f} s {f.target}" for f in faults))
    return ChaosMonkey(faults, supervisor, broker, plan, say)


def _quiet(line: str) -> None:
    """For a live console: the mission's lines are in its panels, not printed."""
