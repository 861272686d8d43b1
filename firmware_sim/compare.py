"""A recorded flight beside a simulated one: the marks a flight-dynamics engineer reads first.

A recorded flight is a CSV of ``time_s, altitude_m, velocity_m_s`` (seconds after lift-off,
metres above sea level, speed relative to the ground, as launch webcasts show it), its lines
starting with ``#`` saying where it comes from. Both flights are read at the same marks: T+60 s
and T+120 s, the first stage's cut-off (MECO: the peak of its speed) and Max-Q (the peak of the
dynamic pressure, computed from altitude and speed with the U.S. Standard Atmosphere 1976 for
both, so the two are judged alike).
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from firmware_sim.physics.atmosphere import atmosphere

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"
COLUMNS = ("time_s", "altitude_m", "velocity_m_s")
TOLERANCE = 10.0
"""% within which a simulated speed, altitude or pressure counts as matching the record."""
TIME_TOLERANCE = 5.0
"""s within which a simulated MECO or Max-Q counts as on time."""
MECO_AFTER = 100.0
"""s after lift-off before which no speed peak is taken for the cut-off."""
MECO_DROP = 0.98
"""The cut-off is the speed's peak once the speed has fallen 2 % below it."""
MAX_Q_BEFORE = 120.0
"""s after lift-off within which the dynamic-pressure peak is looked for."""


class FlightFileError(ValueError):
    """A recorded-flight file that cannot be read."""


@dataclass(frozen=True)
class Track:
    """A flight as times (s after lift-off), altitudes (m) and ground-relative speeds (m/s)."""

    times: tuple[float, ...]
    altitudes: tuple[float, ...]
    speeds: tuple[float, ...]

    def at(self, t: float) -> tuple[float, float]:
        """(speed, altitude) at ``t``, linear between samples."""
        times = self.times
        if not times or t < times[0] or t > times[-1]:
            raise ValueError(f"no sample around T+{t:g} s")
        i = next(i for i, time in enumerate(times) if time >= t)
        if times[i] == t or i == 0:
            return self.speeds[i], self.altitudes[i]
        share = (t - times[i - 1]) / (times[i] - times[i - 1])
        speed = self.speeds[i - 1] + share * (self.speeds[i] - self.speeds[i - 1])
        altitude = self.altitudes[i - 1] + share * (self.altitudes[i] - self.altitudes[i - 1])
        return speed, altitude


@dataclass(frozen=True)
class RecordedFlight:
    name: str
    """The file's stem (``saocom-1a``)."""
    notes: tuple[str, ...]
    """The file's ``#`` lines: the flight, its booster's recovery, the data's source."""
    track: Track


@dataclass(frozen=True)
class Marks:
    """The standard marks of one flight; times are s after lift-off."""

    t60: tuple[float, float]
    """(speed m/s, altitude m) at T+60 s."""
    t120: tuple[float, float]
    meco: tuple[float, float, float]
    """(time, speed, altitude) at the first stage's cut-off."""
    max_q: tuple[float, float, float, float]
    """(time, dynamic pressure Pa, altitude, speed) at Max-Q."""


@dataclass(frozen=True)
class MarkError:
    mark: str
    quantity: str
    recorded: float
    simulated: float
    unit: str
    relative: bool
    """True: the error is a share of the recorded value; False: a difference (times)."""

    @property
    def error(self) -> float:
        """% of the recorded value, or s for a time."""
        if self.relative:
            return 100.0 * (self.simulated - self.recorded) / self.recorded
        return self.simulated - self.recorded

    @property
    def within(self) -> bool:
        limit = TOLERANCE if self.relative else TIME_TOLERANCE
        return abs(self.error) <= limit


def reference_flight(name: str | Path) -> Path:
    """A bundled reference flight by name (``saocom-1a``), or any file by path."""
    path = Path(name)
    if isinstance(name, str) and not path.suffix and path.name == name:
        path = REFERENCE_DIR / f"{name}.csv"
        if not path.is_file():
            known = ", ".join(sorted(p.stem for p in REFERENCE_DIR.glob("*.csv")))
            raise FlightFileError(f"no reference flight {name!r} (known: {known})")
    return path


def read_flight(source: str | Path) -> RecordedFlight:
    """Read a recorded flight: ``#`` lines, a header naming at least :data:`COLUMNS`, rows."""
    path = reference_flight(source)
    try:
        lines = path.read_text().splitlines()
    except OSError as exc:
        raise FlightFileError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    notes = tuple(line.lstrip("#").strip() for line in lines if line.startswith("#"))
    rows = list(csv.reader(line for line in lines if line.strip() and not line.startswith("#")))
    if not rows:
        raise FlightFileError(f"{path.name}: no header and no rows")
    header = [name.strip() for name in rows[0]]
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        raise FlightFileError(f"{path.name}: no column {missing[0]!r} (has {', '.join(header)})")
    where = [header.index(name) for name in COLUMNS]
    samples: list[tuple[float, float, float]] = []
    for number, row in enumerate(rows[1:], start=2):
        try:
            t, altitude, speed = (float(row[i]) for i in where)
        except (IndexError, ValueError):
            raise FlightFileError(f"{path.name}: row {number} is not three numbers") from None
        if samples and t <= samples[-1][0]:
            raise FlightFileError(f"{path.name}: row {number}: time does not increase")
        samples.append((t, altitude, speed))
    if not samples:
        raise FlightFileError(f"{path.name}: no rows")
    times, altitudes, speeds = (tuple(column) for column in zip(*samples, strict=True))
    return RecordedFlight(path.stem, notes, Track(times, altitudes, speeds))


def dynamic_pressure(altitude: float, speed: float) -> float:
    """Pa, from the standard atmosphere at ``altitude``."""
    return 0.5 * atmosphere(altitude).density * speed * speed


def marks_of(track: Track) -> Marks:
    """The standard marks of ``track`` (it must run past its first stage's cut-off)."""
    times, speeds = track.times, track.speeds
    peak = None
    for i, t in enumerate(times):
        if t < MECO_AFTER:
            continue
        if peak is None or speeds[i] > speeds[peak]:
            peak = i
        elif speeds[i] < MECO_DROP * speeds[peak]:
            break
    else:
        peak = None
    if peak is None:
        raise ValueError("the flight ends before its first stage's cut-off")
    pressures = [
        (dynamic_pressure(track.altitudes[i], speeds[i]), i)
        for i, t in enumerate(times)
        if 0.0 <= t <= MAX_Q_BEFORE
    ]
    q, at = max(pressures)
    return Marks(
        t60=track.at(60.0),
        t120=track.at(120.0),
        meco=(times[peak], speeds[peak], track.altitudes[peak]),
        max_q=(times[at], q, track.altitudes[at], speeds[at]),
    )


def compare(recorded: Marks, simulated: Marks) -> list[MarkError]:
    """Every mark's error, simulated against recorded."""
    errors = []
    pairs = (("T+60", recorded.t60, simulated.t60), ("T+120", recorded.t120, simulated.t120))
    for mark, rec, sim in pairs:
        errors.append(MarkError(mark, "speed", rec[0], sim[0], "m/s", True))
        errors.append(MarkError(mark, "altitude", rec[1], sim[1], "m", True))
    errors += [
        MarkError("MECO", "time", recorded.meco[0], simulated.meco[0], "s", False),
        MarkError("MECO", "speed", recorded.meco[1], simulated.meco[1], "m/s", True),
        MarkError("MECO", "altitude", recorded.meco[2], simulated.meco[2], "m", True),
        MarkError("Max-Q", "time", recorded.max_q[0], simulated.max_q[0], "s", False),
        MarkError("Max-Q", "pressure", recorded.max_q[1], simulated.max_q[1], "Pa", True),
        MarkError("Max-Q", "altitude", recorded.max_q[2], simulated.max_q[2], "m", True),
        MarkError("Max-Q", "speed", recorded.max_q[3], simulated.max_q[3], "m/s", True),
    ]
    return errors


def _shown(value: float, unit: str) -> str:
    if unit == "m":
        return f"{value / 1000:.1f} km"
    if unit == "Pa":
        return f"{value / 1000:.1f} kPa"
    if unit == "s":
        return f"T+{value:.0f} s"
    return f"{value:.0f} {unit}"


def table(errors: Sequence[MarkError]) -> list[str]:
    """The errors as aligned text lines, each marked ``ok`` or ``OFF``."""
    lines = [f"{'mark':<7}{'':<10}{'recorded':>12}{'simulated':>12}{'error':>10}"]
    for e in errors:
        error = f"{e.error:+.1f} %" if e.relative else f"{e.error:+.1f} s"
        lines.append(
            f"{e.mark:<7}{e.quantity:<10}{_shown(e.recorded, e.unit):>12}"
            f"{_shown(e.simulated, e.unit):>12}{error:>10}  {'ok' if e.within else 'OFF'}"
        )
    return lines


def worst(errors: Sequence[MarkError]) -> float:
    """The largest relative error (%), in absolute value."""
    return max((abs(e.error) for e in errors if e.relative), default=0.0)


def within(errors: Sequence[MarkError]) -> bool:
    return all(e.within for e in errors)
