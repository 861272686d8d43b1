"""Writes a mission's report folder: ``index.html``, the plots, and CSV exports per device."""

from __future__ import annotations

import csv
import html
from dataclasses import dataclass
from pathlib import Path

from ground.report.alerts import alert_rows, alerts_html
from ground.report.data import MissionData
from ground.report.plots import draw
from marsy.protocol import Device


@dataclass(frozen=True)
class LedgerRow:
    device: Device
    sent: int
    """Highest sequence number + 1: an agent numbers each mission's samples from 0 (its standby
    samples have numbers of their own), so this is every sample of the mission up to the last
    one stored."""
    stored: int
    missing: int


def ledger(data: MissionData) -> list[LedgerRow]:
    """Sent / stored / missing per device, from the stored sequence numbers themselves."""
    rows = []
    for device, series in data.devices.items():
        seqs = {int(s) for s in series.columns.get("seq", []) if s is not None}
        if not seqs:
            continue
        sent = max(seqs) + 1
        rows.append(LedgerRow(device, sent, len(seqs), sent - len(seqs)))
    return rows


def export_csv(data: MissionData, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for device, series in data.devices.items():
        if not series.t:
            continue
        path = folder / f"{data.mission.mission_id}-{device}.csv"
        names = sorted(series.columns)
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["t_after_liftoff_s", *names])
            for i, t in enumerate(series.t):
                writer.writerow([f"{t:.3f}", *[series.columns[n][i] for n in names]])
        written.append(path)
    return written


def write_report(data: MissionData, folder: Path, notes: list[str] | None = None) -> Path:
    """The report folder; ``notes`` (e.g. the faults a chaos run injected) get a section."""
    folder.mkdir(parents=True, exist_ok=True)
    plots = draw(data, folder)
    export_csv(data, folder / "csv")
    mission = data.mission
    e = html.escape
    rows = "".join(
        f"<tr><td>{r.device}</td><td>{r.sent}</td><td>{r.stored}</td><td>{r.missing}</td></tr>"
        for r in ledger(data)
    )
    events = "".join(
        f"<tr><td>T{entry.ts - data.liftoff:+.1f} s</td><td>{e(entry.source)}</td>"
        f"<td>{e(entry.text)}</td><td>{e(str(entry.data.get('detail', '')))}</td></tr>"
        for entry in data.timeline
        if entry.kind in ("event", "decision", "go_no_go")
    )
    alerts = alerts_html(alert_rows(data.alerts, data.liftoff))
    interview = (
        "".join(
            f"<p>{e(entry.text)}</p>"
            for entry in data.timeline
            if entry.kind == "webcast" and entry.source == "webcaster"
        )
        or "<p>no interview recorded</p>"
    )
    faults = (
        ("<h2>Injected faults</h2><ul>" + "".join(f"<li>{e(n)}</li>" for n in notes) + "</ul>")
        if notes
        else ""
    )
    figures = "".join(f'<figure><img src="{p.name}" alt="{p.stem}"></figure>' for p in plots)
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>MarsY mission {e(mission.mission_id)}</title>
<style>body{{font-family:sans-serif;max-width:960px;margin:2em auto}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:2px 8px}}
tr.ground td{{background:#e8f4fb}}
img{{max-width:100%}}</style></head><body>
<h1>Mission {e(mission.mission_id)}</h1>
<p>Scenario <b>{e(mission.scenario)}</b>: <b>{mission.state}</b>. {e(mission.detail)}</p>
<h2>Delivery ledger</h2>
<table><tr><th>device</th><th>sent</th><th>stored</th><th>missing</th></tr>{rows}</table>
<h2>Timeline</h2><table>{events}</table>
<h2>Alerts</h2>{alerts}
<h2>Plots</h2>{figures}
<h2>Interview</h2>{interview}
{faults}
</body></html>
"""
    index = folder / "index.html"
    index.write_text(page)
    return index
