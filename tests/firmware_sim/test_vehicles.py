"""Vehicle files load into frozen models; a bad file names the key at fault."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from pydantic import ValidationError

from firmware_sim.vehicles import (
    VEHICLE_DIR,
    Vehicle,
    VehicleError,
    bundled_vehicles,
    load_vehicle,
    parse_vehicle,
)


def raw(name: str) -> dict[str, object]:
    with (VEHICLE_DIR / f"{name}.toml").open("rb") as handle:
        return tomllib.load(handle)


def test_both_profiles_are_bundled() -> None:
    assert {"marsy", "falcon9"} <= set(bundled_vehicles())


def test_falcon9_is_built_from_its_public_figures(falcon9: Vehicle) -> None:
    assert falcon9.diameter == 3.7
    assert falcon9.stage1.engines * falcon9.stage1.engine.thrust_vac == pytest.approx(
        8.227e6, rel=1e-3
    )
    s1, s2 = falcon9.stage1, falcon9.stage2
    stack = s1.dry_mass + s1.propellant_mass + s2.dry_mass + s2.propellant_mass
    assert stack == pytest.approx(549_054.0)  # SpaceX's figure, without the payload
    assert falcon9.stage2.engine.isp_vac == 348.0


def test_models_are_frozen(marsy: Vehicle) -> None:
    with pytest.raises(ValidationError):
        marsy.stage1.dry_mass = 1.0  # type: ignore[misc]


def test_every_number_in_the_files_has_a_source_comment() -> None:
    for name in bundled_vehicles():
        lines = (VEHICLE_DIR / f"{name}.toml").read_text().splitlines()
        for before, line in zip(["#", *lines], lines, strict=False):
            code = line.split("#", 1)[0]
            if "=" not in code:
                continue
            value = code.split("=", 1)[1].strip()
            if value.startswith("["):  # a drag table: its source is the comment above it
                assert before.lstrip().startswith("#"), f"{name}.toml: {line.strip()!r}"
            elif value[:1].isdigit() or value[:1] == "-":
                assert "#" in line, f"{name}.toml: no source for {line.strip()!r}"


def test_a_bad_value_names_its_key() -> None:
    doc = raw("marsy")
    doc["stage1"]["dry_mass"] = -5.0  # type: ignore[index]
    with pytest.raises(VehicleError, match=r"stage1\.dry_mass"):
        parse_vehicle(doc, origin="marsy.toml")


def test_an_unknown_key_is_named() -> None:
    doc = raw("falcon9")
    doc["capsule"]["drogue"]["colour"] = "orange"  # type: ignore[index]
    with pytest.raises(VehicleError, match=r"capsule\.drogue\.colour"):
        parse_vehicle(doc)


def test_inconsistent_bucket_is_refused() -> None:
    doc = raw("marsy")
    doc["ascent"]["max_q_throttle_up"] = 90_000.0  # type: ignore[index]
    with pytest.raises(VehicleError, match="max_q_throttle_up"):
        parse_vehicle(doc)


def test_unsorted_drag_table_is_refused() -> None:
    doc = raw("marsy")
    doc["ascent"]["stack_cd"] = [[1.0, 0.5], [0.5, 0.3]]  # type: ignore[index]
    with pytest.raises(VehicleError, match=r"ascent\.stack_cd"):
        parse_vehicle(doc)


def test_unknown_name_lists_the_bundled_ones() -> None:
    with pytest.raises(VehicleError, match="falcon9"):
        load_vehicle("saturn5")


def test_broken_toml_is_reported(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("name = 'x'\n[stage1\n")
    with pytest.raises(VehicleError, match="not valid TOML"):
        load_vehicle(bad)


def test_a_file_by_path(tmp_path: Path) -> None:
    copy = tmp_path / "copy.toml"
    copy.write_text((VEHICLE_DIR / "falcon9.toml").read_text())
    assert load_vehicle(copy) == load_vehicle("falcon9")
