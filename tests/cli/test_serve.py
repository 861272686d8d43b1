"""``marsy serve``'s workers: only the telemetry ingest runs as several, and up to the logins the
broker has for it."""

from __future__ import annotations

from click.testing import CliRunner

from marsy.logins import INGEST_WORKERS, MAX_INGEST_WORKERS
from marsy_cli.serve import SCALED, serve


def test_only_the_telemetry_ingest_runs_as_workers() -> None:
    assert SCALED == ("telemetry",)
    refused = CliRunner().invoke(serve, ["calculator", "--workers", "2"])
    assert refused.exit_code == 2
    assert "calculator runs as one process" in refused.output


def test_workers_stop_at_the_logins_the_broker_has() -> None:
    assert len(INGEST_WORKERS) == MAX_INGEST_WORKERS - 1  # worker 1 is telemetry itself
    too_many = CliRunner().invoke(serve, ["telemetry", "--workers", str(MAX_INGEST_WORKERS + 1)])
    assert too_many.exit_code == 2
