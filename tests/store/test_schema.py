"""Line protocol derived from the dictionary: typed fields, stable identity."""

from __future__ import annotations

from marsy.protocol import AstronautVitals, Device, DeviceTelemetry, FlightPhase
from marsy.settings import InfluxSettings
from marsy.store import database_for, point_line


def test_fields_follow_the_dictionary_types() -> None:
    message = DeviceTelemetry(
        mission_id="m-1",
        source="rocket",
        seq=42,
        ts=1_800_000_000.25,
        device=Device.ROCKET,
        phase=FlightPhase.MAX_Q,
        values={"altitude": 12000, "engines_running": 9, "mach": 1.5},
    )
    assert point_line(message) == (
        "rocket,mission=m-1,source=rocket "
        'altitude=12000.0,engines_running=9i,mach=1.5,seq=42i,phase="max_q" '
        "1800000000250000000"
    )


def test_a_redelivery_is_the_same_point() -> None:
    vitals = AstronautVitals(
        mission_id="m",
        source="suit",
        seq=1,
        ts=1_800_000_000.1,
        astronaut="Thomas",
        phase=FlightPhase.ASCENT,
        values={"heart_rate": 120},
    )
    copy = AstronautVitals.model_validate_json(vitals.model_dump_json())
    assert point_line(vitals) == point_line(copy)
    assert point_line(vitals).startswith("suit,mission=m,source=suit heart_rate=120.0,")


def test_satellite_data_go_to_the_payload_database() -> None:
    settings = InfluxSettings(flight_db="f", payload_db="p")
    assert database_for(Device.SATELLITE, settings) == "p"
    assert {database_for(d, settings) for d in Device if d is not Device.SATELLITE} == {"f"}
