"""After a mission: what the ground kept of it, and the post-flight report built from the store.

Apart from the observer because it reads what the services stored once the flight is over
(Command's timeline, the recorders' ledgers, the time series), never the bus; ``marsy report``
rebuilds the same report later from the same sources.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from marsy_sim.plan import Plan
from marsy_sim.rest import call


def collect(plan: Plan, mission_id: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Command's timeline of the mission, and the recorders' delivery ledgers for it."""
    timeline = call("GET", f"{plan.url('command')}/missions/{mission_id}/timeline")["entries"]
    ledger = []
    for recorder in ("telemetry", "payload"):
        health = call("GET", f"{plan.url(recorder)}/health")
        ledger += [e for e in health.get("ledger", []) if e["mission_id"] == mission_id]
    return timeline, ledger


def report(plan: Plan, mission_id: str, notes: list[str]) -> tuple[Path, list[str]]:
    """The post-flight report, from what the services stored (also rebuilt by ``marsy report``),
    and a line per Grafana dashboard opened on the mission over its own time."""
    from ground.report.build import mission_links, write_report
    from ground.report.data import load
    from marsy.store import connect_store

    with connect_store(plan.store.settings()) as store:
        data = load(mission_id, plan.run / "state" / "command" / "missions.db", store)
    path = write_report(data, plan.run / "report" / mission_id, notes)
    return path, [f"Grafana {link.title}: {link.url}" for link in mission_links(data)]
