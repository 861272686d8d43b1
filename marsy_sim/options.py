"""What the operator asks of a simulation run: which missions, how fast, on which servers, with
which chaos and faults.

Its own module because the supervisor (:mod:`marsy_sim.mission`), the observer and the command
line all read it, and none of them should have to import another to get it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from marsy_sim.faults import ScriptedFault


@dataclass(frozen=True)
class SimOptions:
    scenarios: tuple[str, ...] = ("nominal",)
    """Flown in a row, one mission each."""
    vehicle: str = "marsy"
    speed: float = 10.0
    seed: int = 0
    run_dir: Path = Path("runs")
    timeout: float = 1800.0
    """Mission seconds after which an unfinished mission is called off."""
    after_end: float = 120.0
    """Mission seconds to wait after the mission ended, for the interview."""
    chaos_seed: int | None = None
    """Fly with the chaos monkey, on the schedule this seed draws."""
    broker_url: str | None = None
    """A broker that already runs, instead of a private one."""
    broker_passwords: dict[str, str] = field(default_factory=dict)
    influx_url: str | None = None
    """An InfluxDB that already runs, instead of a private store."""
    embedded: bool = False
    """Use the embedded broker and store even where Mosquitto and influxd are installed."""
    faults: tuple[ScriptedFault, ...] = ()
    """Fly every mission through these faults (see :mod:`marsy_sim.faults`)."""
