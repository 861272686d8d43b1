"""Writes a mission's report folder: ``index.html``, the plots, and the export (CSV per device,
``mission.json``) in ``csv/``."""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

from ground.grafana.links import DashboardLink, dashboard_links
from ground.report.alerts import alert_rows, alerts_html
from ground.report.data import MissionData
from ground.report.export import export
from ground.report.grounded import Grounded, grounded
from ground.report.plots import draw
from ground.webcaster.interview import OPENING
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


def mission_links(data: MissionData, grafana_url: str | None = None) -> list[DashboardLink]:
    """Each Grafana dashboard on this mission, over the time it has data (``grafana_url``
    defaults to the ``MARSY_GRAFANA_URL`` setting)."""
    times = data.timestamps()
    return dashboard_links(data.mission.mission_id, min(times), max(times), grafana_url)


def links_html(links: list[DashboardLink]) -> str:
    e = html.escape
    items = "".join(f'<li><a href="{e(link.url)}">{e(link.title)}</a></li>' for link in links)
    return (
        "<h2>Grafana</h2><p>Each dashboard on this mission, from just before its first "
        f'sample to just after its last:</p><ul class="grafana">{items}</ul>'
    )


def grounded_html(verdict: Grounded) -> str:
    e = html.escape
    reasons = "".join(f"<li>{e(reason)}</li>" for reason in verdict.reasons)
    answers = "".join(
        f"<li>{e(who)}: {'go' if go else 'no-go'}</li>" for who, go, _ in verdict.answers
    )
    return (
        f'<section class="grounded"><h2>Never flew</h2><p><b>{e(verdict.headline)}</b></p>'
        + (f"<p>Reasons given against the launch:</p><ul>{reasons}</ul>" if reasons else "")
        + (f"<p>Go/no-go poll:</p><ul>{answers}</ul>" if answers else "<p>no go/no-go answer</p>")
        + "</section>"
    )


def interview_lines(data: MissionData) -> list[str]:
    """The interview as the webcaster held it: its lines from the opening on (the webcaster's
    commentary before it is the flight's, not the interview's)."""
    spoken = [
        entry.text
        for entry in data.timeline
        if entry.kind == "webcast" and entry.source == "webcaster"
    ]
    start = next((i for i, text in enumerate(spoken) if text.startswith(OPENING)), len(spoken))
    return spoken[start:]


def write_report(
    data: MissionData,
    folder: Path,
    notes: list[str] | None = None,
    grafana_url: str | None = None,
) -> Path:
    """The report folder; ``notes`` (e.g. the faults a chaos run injected) get a section;
    ``grafana_url``: where the dashboards are linked to (default: the setting)."""
    folder.mkdir(parents=True, exist_ok=True)
    plots = draw(data, folder)
    export(data, folder / "csv")
    mission = data.mission
    kept_down = grounded(mission, data.timeline)
    e = html.escape
    rows = "".join(
        f"<tr><td>{r.device}</td><td>{r.sent}</td><td>{r.stored}</td><td>{r.missing}</td></tr>"
        for r in ledger(data)
    )
    ledger_html = (
        f"<table><tr><th>device</th><th>sent</th><th>stored</th><th>missing</th></tr>{rows}</table>"
        if rows
        else "<p>no telemetry stored</p>"
    )
    events = "".join(
        f"<tr><td>T{entry.ts - data.liftoff:+.1f} s</td><td>{e(entry.source)}</td>"
        f"<td>{e(entry.text)}</td><td>{e(str(entry.data.get('detail', '')))}</td></tr>"
        for entry in data.timeline
        if entry.kind in ("event", "decision", "go_no_go")
    )
    alerts = alerts_html(alert_rows(data.alerts, data.liftoff))
    interview = (
        "".join(f"<p>{e(text)}</p>" for text in interview_lines(data))
        or "<p>no interview recorded</p>"
    )
    faults = (
        ("<h2>Injected faults</h2><ul>" + "".join(f"<li>{e(n)}</li>" for n in notes) + "</ul>")
        if notes
        else ""
    )
    figures = "".join(f'<figure><img src="{p.name}" alt="{p.stem}"></figure>' for p in plots) or (
        "<p>no plots: the mission never flew</p>" if kept_down else "<p>no telemetry</p>"
    )
    never_flew = grounded_html(kept_down) if kept_down else ""
    links = links_html(mission_links(data, grafana_url))
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>MarsY mission {e(mission.mission_id)}</title>
<style>body{{font-family:sans-serif;max-width:960px;margin:2em auto}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:2px 8px}}
tr.ground td{{background:#e8f4fb}}
img{{max-width:100%}}</style></head><body>
<h1>Mission {e(mission.mission_id)}</h1>
<p>Scenario <b>{e(mission.scenario)}</b>: <b>{mission.state}</b>. {e(mission.detail)}</p>
{never_flew}
<h2>Delivery ledger</h2>
{ledger_html}
<h2>Timeline</h2><table>{events}</table>
<h2>Alerts</h2>{alerts}
<h2>Plots</h2>{figures}
<h2>Interview</h2>{interview}
{faults}
{links}
<p>Data: <a href="csv/mission.json">mission.json</a> and one CSV per device in
<a href="csv/">csv/</a>.</p>
</body></html>
"""
    index = folder / "index.html"
    index.write_text(page)
    return index
