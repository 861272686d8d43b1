"""``marsy firmware``: the sensor firmware simulator, on ptys or real serial devices."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path

import click


def _parse_boards(values: tuple[str, ...]) -> dict[str, str]:
    boards: dict[str, str] = {}
    for value in values:
        name, sep, url = value.partition("=")
        if not sep or not url:
            raise click.BadParameter(f"{value!r}: expected DEVICE=PORT", param_hint="--board")
        boards[name] = url
    return boards


@click.command()
@click.option("--vehicle", default="marsy", show_default=True, help="Bundled name or TOML file.")
@click.option("--scenario", default="nominal", show_default=True, help="Bundled name or file.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--warp", type=click.FloatRange(0.1, 1000), default=1.0, show_default=True)
@click.option("--rate", type=click.FloatRange(0.1, 100), default=10.0, show_default=True)
@click.option("--epoch", type=float, default=None, help="Wall time of mission time zero.")
@click.option(
    "--links",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Make DIR/<device> symlinks to the ptys.",
)
@click.option(
    "--board",
    "boards",
    multiple=True,
    metavar="DEVICE=PORT",
    help="Put a board on a real serial device instead of a pty.",
)
@click.option(
    "--autopilot/--no-autopilot",
    default=False,
    show_default=True,
    help="Fly without the ground: ignite, stage and detach by themselves.",
)
@click.option(
    "--state",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The vehicle's state folder: lift-off is marked there, and a simulator restarted "
    "after lift-off reports the vehicle lost (an explosion from the rocket) instead of flying "
    "a fresh rocket from the pad.",
)
@click.option("--duration", type=float, default=None, help="Stop after this many mission s.")
@click.option(
    "--trajectory",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Headless: fly as fast as possible, write the true trajectory as CSV, exit.",
)
@click.option(
    "--recovery",
    type=click.Choice(["rtls", "asds", "expendable"]),
    default=None,
    help="Fly this booster recovery in place of the vehicle file's.",
)
@click.option(
    "--compare",
    "reference",
    metavar="FLIGHT",
    default=None,
    help="Headless: fly and read against a recorded flight (CSV of time_s, altitude_m, "
    "velocity_m_s, or a bundled name such as saocom-1a) at T+60, T+120, MECO and Max-Q; "
    "exit status 1 when a mark is off.",
)
@click.option(
    "--plot",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="With --compare: draw both flights to this PNG.",
)
def firmware(
    vehicle: str,
    scenario: str,
    seed: int,
    warp: float,
    rate: float,
    epoch: float | None,
    links: Path | None,
    boards: tuple[str, ...],
    autopilot: bool,
    state: Path | None,
    duration: float | None,
    trajectory: Path | None,
    recovery: str | None,
    reference: str | None,
    plot: Path | None,
) -> None:
    """Start the world with one serial port per sensor board (or fly it headless)."""
    from firmware_sim.compare import FlightFileError
    from firmware_sim.scenario import ScenarioError, load_scenario
    from firmware_sim.simulator import LOST_DETAIL, build_simulator
    from firmware_sim.vehicles import VehicleError

    if plot is not None and reference is None:
        raise click.UsageError("--plot draws a comparison: give --compare FLIGHT too")
    try:
        if reference is not None:
            from firmware_sim.simulator import compare_headless

            result = compare_headless(vehicle, reference, recovery=recovery, seed=seed, plot=plot)
            click.echo(result.text)
            if not result.within:
                raise SystemExit(1)
            return
        chosen = load_scenario(scenario)
        if trajectory is not None:
            from firmware_sim.simulator import fly_headless

            click.echo(fly_headless(vehicle, chosen, seed=seed, out=trajectory, recovery=recovery))
            return
        sim = build_simulator(
            vehicle,
            chosen,
            seed=seed,
            warp=warp,
            rate=rate,
            epoch=epoch,
            real_ports=_parse_boards(boards),
            autopilot=autopilot,
            recovery=recovery,
            state=state,
        )
    except (ScenarioError, VehicleError, FlightFileError, RuntimeError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    for device, port in sim.runner.ports.items():
        if links is not None and port.path.startswith("/dev/pts/"):
            from firmware_sim.ports import link

            link(port, links / str(device))
        click.echo(f"{device}: {port.path}", err=False)
    if sim.lost:
        click.echo(f"{LOST_DETAIL}: reporting the rocket lost (Ctrl-C to stop)", err=True)
    else:
        click.echo(f"flying {chosen.name} at {warp:g}x (Ctrl-C to stop)", err=True)
    began = time.monotonic()
    try:
        sim.fly(
            stop,
            until=(lambda world: world.t >= duration) if duration is not None else None,
        )
    finally:
        sim.runner.close()
    click.echo(
        f"stopped after {time.monotonic() - began:.1f} s wall, {sim.world.t:.1f} s flown", err=True
    )
