"""The report's alerts section: every stored alert row, marked ground or vehicle, and a count.

A ground alert (the calculator's own view was stale or cut: broker, ingest, store) is not
something the vehicle did, so the section says at the top how many of each there were. A fault
is counted once however many devices it was raised for and however often its severity changed:
from the first raise while none was open to the last all-clear. Pure: stored rows in, rows and
HTML out.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from marsy.protocol import AlertRule

GROUND = "ground"
VEHICLE = "vehicle"
LEVELS = {0: "cleared", 1: "yellow", 2: "red"}
"""The stored ``level`` field (see ``marsy.store.schema.alert_line``)."""
NO_PARAMETER = "none"
"""The ``parameter`` tag of an alert that named none."""


@dataclass(frozen=True)
class AlertRow:
    t: float
    """Seconds after lift-off."""
    kind: str
    """``ground`` or ``vehicle``."""
    device: str
    rule: str
    parameter: str | None
    level: str
    message: str

    @property
    def raised(self) -> bool:
        return self.level != "cleared"

    @property
    def where(self) -> str:
        """The ground part at fault, or the device (and parameter) the alert is about."""
        if self.kind == GROUND:
            return self.parameter or GROUND
        return f"{self.device} {self.parameter}" if self.parameter else self.device


def alert_rows(stored: Iterable[Mapping[str, Any]], liftoff: float) -> list[AlertRow]:
    """Stored alert rows (InfluxDB ``time`` in ns), in time order."""
    rows = []
    for row in sorted(stored, key=lambda r: r["time"]):
        parameter = row.get("parameter")
        level = row.get("level")
        rows.append(
            AlertRow(
                t=row["time"] / 1e9 - liftoff,
                kind=GROUND if row.get("rule") == AlertRule.GROUND else VEHICLE,
                device=str(row.get("device", "")),
                rule=str(row.get("rule", "")),
                parameter=None if parameter in (None, NO_PARAMETER) else str(parameter),
                level=LEVELS.get(int(level), "?") if level is not None else "?",
                message=str(row.get("message") or ""),
            )
        )
    return rows


@dataclass(frozen=True)
class AlertSummary:
    ground: Counter[str]
    """Ground faults per part at fault."""
    vehicle: int

    def line(self) -> str:
        """``ground faults: 2 (broker 1, store 1), vehicle alerts: 3``"""
        parts = ", ".join(f"{part} {count}" for part, count in sorted(self.ground.items()))
        ground = f"ground faults: {self.ground.total()}" + (f" ({parts})" if parts else "")
        return f"{ground}, vehicle alerts: {self.vehicle}"


def summarize(rows: Iterable[AlertRow]) -> AlertSummary:
    """Faults, not rows: a ground part counts when it goes from no open alert to one (whichever
    devices it names), a vehicle alert when its device, rule and parameter had none open."""
    open_keys: set[tuple[str, str, str, str | None]] = set()
    ground: Counter[str] = Counter()
    vehicle = 0
    for row in rows:
        key = (row.kind, row.device, row.rule, row.parameter)
        if not row.raised:
            open_keys.discard(key)
            continue
        if key in open_keys:
            continue  # a change of severity, the same alert
        if row.kind == GROUND:
            if not any(k[0] == GROUND and k[3] == row.parameter for k in open_keys):
                ground[row.where] += 1
        else:
            vehicle += 1
        open_keys.add(key)
    return AlertSummary(ground, vehicle)


def alerts_html(rows: list[AlertRow]) -> str:
    """The section's body: the summary line, then one table row per stored alert row."""
    e = html.escape
    summary = f'<p class="alert-summary">{e(summarize(rows).line())}</p>'
    if not rows:
        return summary + "<p>no alerts</p>"
    body = "".join(
        f'<tr class="{row.kind}"><td>T{row.t:+.1f} s</td><td>{row.kind}</td>'
        f"<td>{e(row.where)}</td><td>{e(row.rule)}</td><td>{e(row.level)}</td>"
        f"<td>{e(row.message)}</td></tr>"
        for row in rows
    )
    head = (
        "<tr><th>time</th><th>ground / vehicle</th><th>part or device</th><th>rule</th>"
        "<th>level</th><th>message</th></tr>"
    )
    return f'{summary}<table class="alerts">{head}{body}</table>'
