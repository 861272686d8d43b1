"""Criteria files: the defaults without one, its values with one, the key named when wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from ground.payload.rules import DetachCriteria
from ground.staging.rules import StagingCriteria
from ground.steering.config import load_criteria
from marsy.settings import SettingsError


def test_no_file_means_the_specifications_figures(tmp_path: Path) -> None:
    assert load_criteria(tmp_path / "staging.toml", StagingCriteria).separate_below == 8.0


def test_a_file_overrides_what_it_names(tmp_path: Path) -> None:
    path = tmp_path / "payload.toml"
    path.write_text("target_periapsis = 180000.0\n")
    assert load_criteria(path, DetachCriteria).target_periapsis == 180_000.0


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("separate_below = -1.0\n", "separate_below"),
        ("separate_bellow = 7.0\n", "separate_bellow"),
        ("separate_below = \n", "staging.toml"),
    ],
)
def test_a_bad_file_stops_the_service_naming_the_key(tmp_path: Path, text: str, named: str) -> None:
    path = tmp_path / "staging.toml"
    path.write_text(text)
    with pytest.raises(SettingsError, match=named):
        load_criteria(path, StagingCriteria)
