"""Settings: env over TOML file over defaults; bad values name the key; secrets stay secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from marsy.settings import GroundSettings, SettingsError


def test_file_then_env_then_keywords(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "ground.toml"
    config.write_text('[mqtt]\nport = 1999\nhost = "file-host"\n[influx]\nbatch_size = 10\n')
    monkeypatch.setenv("MARSY_GROUND_MQTT__HOST", "env-host")
    settings = GroundSettings.load(config, log_level="DEBUG")
    assert settings.mqtt.port == 1999
    assert settings.mqtt.host == "env-host"
    assert settings.influx.batch_size == 10
    assert settings.log_level == "DEBUG"


def test_defaults_without_a_file() -> None:
    settings = GroundSettings.load()
    assert settings.influx.flight_db == "flight"
    assert settings.clock.warp == 1.0


def test_bad_env_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARSY_GROUND_MQTT__PORT", "not-a-port")
    with pytest.raises(SettingsError, match=r"mqtt\.port \(env MARSY_GROUND_MQTT__PORT\)"):
        GroundSettings.load()


def test_unknown_key_in_file_is_named(tmp_path: Path) -> None:
    config = tmp_path / "ground.toml"
    config.write_text("[influx]\nbatchsize = 10\n")
    with pytest.raises(SettingsError, match=r"influx\.batchsize"):
        GroundSettings.load(config)


@pytest.mark.parametrize(
    ("text", "message"), [("[mqtt\nport=1", "config file"), (None, "No such file")]
)
def test_unreadable_file_is_reported(tmp_path: Path, text: str | None, message: str) -> None:
    config = tmp_path / "ground.toml"
    if text is not None:
        config.write_text(text)
    with pytest.raises(SettingsError, match=message):
        GroundSettings.load(config)


def test_secrets_are_redacted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARSY_GROUND_MQTT__PASSWORD", "hunter2")
    monkeypatch.setenv("MARSY_GROUND_INFLUX__PASSWORD", "s3cret")
    settings = GroundSettings.load()
    assert settings.mqtt.password is not None
    assert settings.mqtt.password.get_secret_value() == "hunter2"
    shown = repr(settings.redacted()) + repr(settings)
    assert "hunter2" not in shown
    assert "s3cret" not in shown
