"""Read a vehicle TOML file into a :class:`Vehicle`, with errors that name the bad key."""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import ValidationError

from firmware_sim.vehicles.model import RecoveryProfile, Vehicle

VEHICLE_DIR = Path(__file__).resolve().parent


class VehicleError(ValueError):
    """A vehicle file that cannot be read or does not describe a valid vehicle."""


def bundled_vehicles() -> tuple[str, ...]:
    """Names of the vehicle files shipped with the simulator (``marsy``, ``falcon9``)."""
    return tuple(sorted(p.stem for p in VEHICLE_DIR.glob("*.toml")))


def load_vehicle(source: str | Path) -> Vehicle:
    """Load a bundled vehicle by name (``"falcon9"``) or any vehicle file by path.

    A plain name (a string without a suffix or a folder) always means a bundled vehicle.
    """
    path = Path(source)
    if isinstance(source, str) and not path.suffix and path.name == source:
        path = VEHICLE_DIR / f"{source}.toml"
        if not path.is_file():
            known = ", ".join(bundled_vehicles())
            raise VehicleError(f"no bundled vehicle {source!r} (known: {known})")
    try:
        with path.open("rb") as handle:
            raw = tomllib.load(handle)
    except OSError as exc:
        raise VehicleError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise VehicleError(f"{path.name}: not valid TOML: {exc}") from exc
    return parse_vehicle(raw, origin=path.name)


def parse_vehicle(raw: dict[str, object], origin: str = "<vehicle>") -> Vehicle:
    """Validate an already-parsed TOML document; ``origin`` prefixes every error."""
    try:
        return Vehicle.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            key = ".".join(str(part) for part in error["loc"]) or "<root>"
            problems.append(f"{key}: {error['msg']}")
        raise VehicleError(f"{origin}: " + "; ".join(problems)) from None


def with_recovery(vehicle: Vehicle, profile: RecoveryProfile | str) -> Vehicle:
    """``vehicle`` flying another recovery profile, checked as a file saying so would be."""
    raw = vehicle.model_dump(mode="python")
    raw["recovery"] = str(profile)
    return parse_vehicle(raw, origin=vehicle.name)
