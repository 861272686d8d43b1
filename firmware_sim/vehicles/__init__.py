"""Vehicle profiles: TOML files in this folder and the frozen model they load into."""

from firmware_sim.vehicles.loader import (
    VEHICLE_DIR,
    VehicleError,
    bundled_vehicles,
    load_vehicle,
    parse_vehicle,
    with_recovery,
)
from firmware_sim.vehicles.model import (
    Ascent,
    Booster,
    Capsule,
    Engine,
    Parachute,
    RecoveryProfile,
    Satellite,
    Stage,
    Vehicle,
)

__all__ = [
    "VEHICLE_DIR",
    "Ascent",
    "Booster",
    "Capsule",
    "Engine",
    "Parachute",
    "RecoveryProfile",
    "Satellite",
    "Stage",
    "Vehicle",
    "VehicleError",
    "bundled_vehicles",
    "load_vehicle",
    "parse_vehicle",
    "with_recovery",
]
