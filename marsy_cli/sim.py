"""``marsy sim``: fly a simulated mission on this machine."""

from __future__ import annotations

import io
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from firmware_sim.scenario import bundled_scenarios

if TYPE_CHECKING:
    from marsy_sim.mission import MissionResult


@click.command()
@click.option(
    "--scenario",
    "scenarios",
    multiple=True,
    default=["nominal"],
    show_default=True,
    help="A bundled scenario ("
    + ", ".join(bundled_scenarios())
    + ") or a scenario file. Repeat it (or give a comma-separated list) to fly several"
    " missions in a row, each with its own id.",
)
@click.option(
    "--missions",
    type=click.IntRange(1, 100),
    default=None,
    help="How many missions to fly in a row, cycling through the scenarios.",
)
@click.option("--vehicle", default="marsy", show_default=True)
@click.option(
    "--speed",
    type=click.FloatRange(1, 100),
    default=10.0,
    show_default=True,
    help="Time warp: mission seconds per wall second.",
)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--run-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("runs"),
    show_default=True,
)
@click.option("--plain", is_flag=True, help="Timestamped lines even on a terminal.")
@click.option("--chaos", is_flag=True, help="Kill services, agents and the broker in flight.")
@click.option("--chaos-seed", type=int, default=1, show_default=True)
@click.option(
    "--fault",
    "fault_specs",
    multiple=True,
    metavar="KIND[:DEVICE]@AT[+FOR][,K=V]",
    help="Fly through this fault, AT mission seconds after the start, for FOR seconds: "
    "broker-kill, broker-freeze, store-kill, link-cut, agent-freeze:DEVICE, flood[,count=N], "
    "forge-abort, forge-complete, forge-ack, seq-jump[,seq=N], takeover[,client_id=ID]. "
    "Repeatable, e.g. --fault broker-kill@20+30.",
)
@click.option(
    "--broker",
    "broker_url",
    default=None,
    metavar="URL",
    help="Use this running broker, mqtt://[user:password@]host:port, instead of a private one.",
)
@click.option(
    "--broker-passwords",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="JSON or TOML table of MarsY role = password for --broker (each process signs in "
    "as its own login).",
)
@click.option(
    "--influx",
    "influx_url",
    default=None,
    metavar="URL",
    help="Use this running InfluxDB, http://[user:password@]host:port, instead of a private one.",
)
@click.option(
    "--embedded",
    is_flag=True,
    help="Fly on the embedded broker and store even where mosquitto and influxd are installed.",
)
@click.option(
    "--screenshot",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Save the console's last picture as SVG.",
)
def sim(
    scenarios: tuple[str, ...],
    missions: int | None,
    vehicle: str,
    speed: float,
    seed: int,
    run_dir: Path,
    plain: bool,
    chaos: bool,
    chaos_seed: int,
    fault_specs: tuple[str, ...],
    broker_url: str | None,
    broker_passwords: Path | None,
    influx_url: str | None,
    embedded: bool,
    screenshot: Path | None,
) -> None:
    """Fly a mission with every MarsY program as its own process on localhost.

    On a terminal it shows a live console; otherwise it prints timestamped lines. Mosquitto and
    influxd are used where installed, embedded stand-ins otherwise; it says which.
    """
    from marsy_sim.console import render
    from marsy_sim.faults import FaultPlanError, check_plan, parse_fault
    from marsy_sim.mission import SimOptions, fly
    from marsy_sim.watch import Watch

    # SIGTERM stops the simulation as Ctrl-C does: every child is stopped on the way out.
    signal.signal(signal.SIGTERM, _interrupt)
    last: list[Watch] = []

    def say(line: str) -> None:
        click.echo(f"{time.strftime('%H:%M:%S')} {line}")

    from marsy_sim.servers import read_passwords

    _check_inherited_settings()
    names = [name.strip() for item in scenarios for name in item.split(",") if name.strip()]
    if not names:
        raise click.BadParameter("no scenario given", param_hint="--scenario")
    count = missions or len(names)
    try:
        passwords = read_passwords(broker_passwords) if broker_passwords else {}
    except (OSError, ValueError) as exc:
        raise click.BadParameter(str(exc), param_hint="--broker-passwords") from None
    try:
        faults = tuple(parse_fault(spec) for spec in fault_specs)
        check_plan(faults, private_broker=broker_url is None, private_store=influx_url is None)
    except FaultPlanError as exc:
        raise click.BadParameter(str(exc), param_hint="--fault") from None
    options = SimOptions(
        scenarios=tuple(names[i % len(names)] for i in range(count)),
        vehicle=vehicle,
        speed=speed,
        seed=seed,
        run_dir=run_dir,
        chaos_seed=chaos_seed if chaos else None,
        broker_url=broker_url,
        broker_passwords=passwords,
        influx_url=influx_url,
        embedded=embedded,
        faults=faults,
    )
    if sys.stdout.isatty() and not plain:
        from rich.live import Live

        with Live(refresh_per_second=4, screen=False) as live:

            def show(watch: Watch) -> None:
                last[:] = [watch]
                live.update(render(watch))

            results = fly(options, live.console.print, show, echo=False)
    else:
        results = fly(
            options,
            say,
            (lambda watch: last.__setitem__(slice(None), [watch])) if screenshot else None,
        )
    if screenshot is not None and last:
        from rich.console import Console

        picture = Console(record=True, width=150, height=48, file=io.StringIO())
        picture.print(render(last[0]))
        picture.save_svg(str(screenshot), title=f"marsy sim: {results[-1].mission_id}")
    for result in results:
        _summary(result, say)
    if not all(result.completed for result in results):
        raise SystemExit(1)


def _check_inherited_settings() -> None:
    """Every program of the run inherits this environment: a bad ``MARSY_GROUND_*`` or
    ``MARSY_EDGE_*`` variable is refused here, once, instead of stopping each of them."""
    from marsy.protocol import Device
    from marsy.settings import EdgeSettings, GroundSettings
    from marsy_cli.settings import load_settings

    load_settings(GroundSettings, None)
    load_settings(EdgeSettings, None, device=Device.ROCKET)


def _summary(result: MissionResult, say: Callable[[str], None]) -> None:
    say(f"mission {result.mission_id} ({result.scenario}): {result.state}")
    for entry in result.ledger:
        say(
            f"  ledger {entry['source']:<9} {entry['received']:6d} points stored, "
            f"{entry['missing']} missing, {entry['duplicates']} duplicates"
        )
    for device, tally in result.tallies.items():
        say(f"  bus    {device:<9} {len(tally.seqs):6d} messages seen, {tally.gaps()} gaps")
    for line in result.interview:
        say(f"  interview: {line}")
    for line in result.chaos:
        say(f"  chaos: {line}")
    for record in result.faults:
        say(f"  fault: {record}")
    if result.dead_lettered:
        say(f"  dead letters: {result.dead_lettered} messages set aside by the ground")
    restarted = {name: n for name, n in result.restarts.items() if n}
    if restarted:
        say(f"  restarts: {restarted}")
    say(f"  logs and data in {result.run}")
    if result.report is not None:
        say(f"  post-flight report: {result.report}")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
