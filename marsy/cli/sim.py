"""``marsy sim``: fly a simulated mission on this machine."""

from __future__ import annotations

import io
import signal
import sys
import time
from pathlib import Path

import click


@click.command()
@click.option(
    "--scenario",
    default="nominal",
    show_default=True,
    help="nominal, explosion, rough-line, or a scenario file.",
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
    "--screenshot",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Save the console's last picture as SVG.",
)
def sim(
    scenario: str,
    vehicle: str,
    speed: float,
    seed: int,
    run_dir: Path,
    plain: bool,
    chaos: bool,
    chaos_seed: int,
    screenshot: Path | None,
) -> None:
    """Fly a mission with every MarsY program as its own process on localhost.

    On a terminal it shows a live console; otherwise it prints timestamped lines.
    """
    from marsy.sim.console import render
    from marsy.sim.mission import SimOptions, fly
    from marsy.sim.watch import Watch

    # SIGTERM stops the simulation as Ctrl-C does: every child is stopped on the way out.
    signal.signal(signal.SIGTERM, _interrupt)
    last: list[Watch] = []

    def say(line: str) -> None:
        click.echo(f"{time.strftime('%H:%M:%S')} {line}")

    options = SimOptions(
        scenario=scenario,
        vehicle=vehicle,
        speed=speed,
        seed=seed,
        run_dir=run_dir,
        chaos_seed=chaos_seed if chaos else None,
    )
    if sys.stdout.isatty() and not plain:
        from rich.live import Live

        with Live(refresh_per_second=4, screen=False) as live:

            def show(watch: Watch) -> None:
                last[:] = [watch]
                live.update(render(watch))

            result = fly(options, live.console.print, show, echo=False)
    else:
        result = fly(
            options,
            say,
            (lambda watch: last.__setitem__(slice(None), [watch])) if screenshot else None,
        )
    if screenshot is not None and last:
        from rich.console import Console

        picture = Console(record=True, width=150, height=48, file=io.StringIO())
        picture.print(render(last[0]))
        picture.save_svg(str(screenshot), title=f"marsy sim: {result.mission_id}")
    say(f"mission {result.mission_id}: {result.state}")
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
    restarted = {name: n for name, n in result.restarts.items() if n}
    if restarted:
        say(f"  restarts: {restarted}")
    say(f"logs and data in {result.run}")
    if result.report is not None:
        say(f"post-flight report: {result.report}")
    if not result.completed:
        raise SystemExit(1)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
