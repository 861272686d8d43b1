"""``marsy report`` and ``marsy export``: rebuild a past mission's report (HTML, PNG plots) or its
CSV from stored data. A simulated run keeps everything in its run folder; while it still flies,
its store is read through the running server (:func:`marsy_sim.servers.open_store`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click


def find_run(mission_id: str, runs: Path) -> Path:
    """The run folder whose mission log holds ``mission_id``."""
    import sqlite3

    for db in sorted(runs.glob("*/state/command/missions.db"), reverse=True):
        with sqlite3.connect(db) as conn:
            if conn.execute(
                "SELECT 1 FROM missions WHERE mission_id = ?", (mission_id,)
            ).fetchone():
                return db.parents[2]
    raise click.ClickException(f"no run under {runs} has mission {mission_id}")


def build(
    mission_id: str, run: Path, out: Path | None, csv_only: bool, influx_url: str | None = None
) -> Path:
    from ground.report.build import write_report
    from ground.report.data import load
    from ground.report.export import export
    from marsy.store import connect_store
    from marsy_sim.servers import StoreBusy, open_store

    try:
        with open_store(run, influx_url) as server, connect_store(server.settings()) as store:
            data = load(mission_id, run / "state" / "command" / "missions.db", store)
    except (LookupError, StoreBusy) as exc:
        raise click.ClickException(str(exc)) from None
    target = out or run / "report" / mission_id
    if csv_only:
        export(data, target)
        return target
    return write_report(data, target)


_run_option = click.option(
    "--run",
    "run",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Run folder (found under --runs if not given).",
)
_runs_option = click.option(
    "--runs",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("runs"),
    show_default=True,
)
_out_option = click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None)
_influx_option = click.option(
    "--influx",
    "influx_url",
    default=None,
    metavar="URL",
    help="The InfluxDB the mission was stored in, http://[user:password@]host:port "
    "(default: the run's own store).",
)


def _stored_mission(command: Callable[..., None]) -> Callable[..., None]:
    """The arguments of a command about one stored mission: its id, where to find its run and
    its store."""
    for option in (_influx_option, _runs_option, _run_option, click.argument("mission_id")):
        command = option(command)
    return command


@click.command()
@_stored_mission
@_out_option
def report(
    mission_id: str, run: Path | None, runs: Path, out: Path | None, influx_url: str | None
) -> None:
    """Write MISSION_ID's post-flight report (index.html, plots, the export, links to each
    Grafana dashboard on the mission: MARSY_GRAFANA_URL, default http://localhost:3000)."""
    path = build(mission_id, run or find_run(mission_id, runs), out, False, influx_url)
    click.echo(f"report: {path}")


@click.command()
@_stored_mission
@_out_option
def export(
    mission_id: str, run: Path | None, runs: Path, out: Path | None, influx_url: str | None
) -> None:
    """Write MISSION_ID's telemetry as CSV, one file per device, each value at the dictionary's
    precision under a ``name_unit`` header, and mission.json (the mission, its events and
    alerts) beside them."""
    path = build(mission_id, run or find_run(mission_id, runs), out, True, influx_url)
    click.echo(f"CSV in {path}")


@click.command()
@_stored_mission
@click.option("--speed", type=click.FloatRange(1, 100), default=10.0, show_default=True)
def replay(
    mission_id: str, run: Path | None, runs: Path, speed: float, influx_url: str | None
) -> None:
    """Feed MISSION_ID's recorded telemetry back through the bus to the calculator, and put its
    verdicts on the replay beside the live ones."""
    import time

    from marsy_sim.replay import replay as run_replay
    from marsy_sim.servers import StoreBusy

    try:
        result = run_replay(
            mission_id,
            run or find_run(mission_id, runs),
            speed,
            lambda line: click.echo(f"{time.strftime('%H:%M:%S')} {line}"),
            influx_url,
        )
    except StoreBusy as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{result.published} samples replayed as {result.replay_id}")
    keys = sorted(set(result.live) | set(result.replayed))
    click.echo(f"{'device':<10}{'rule':<16}{'parameter':<20}{'verdict':<9}{'live':>6}{'replay':>8}")
    for key in keys:
        device, rule, parameter, verdict = key
        click.echo(
            f"{device:<10}{rule:<16}{parameter:<20}{verdict:<9}"
            f"{result.live.get(key, 0):>6}{result.replayed.get(key, 0):>8}"
        )
    if not keys:
        click.echo("no alert, live or on replay")
