"""Settings: env over TOML file over defaults; a bad value is named where it was set; unknown
environment variables are warned about and set nothing; secrets stay secret."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from marsy.settings import EdgeSettings, GroundSettings, SettingsError


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
    with pytest.raises(SettingsError, match=r"^invalid ground settings: MARSY_GROUND_MQTT__PORT: "):
        GroundSettings.load()


def test_bad_key_inside_a_json_variable_names_both(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARSY_GROUND_MQTT", '{"port": 0, "hots": "x"}')
    with pytest.raises(SettingsError) as caught:
        GroundSettings.load()
    assert "MARSY_GROUND_MQTT:port: Input should be greater than or equal to 1" in str(caught.value)
    assert "MARSY_GROUND_MQTT:hots: unknown setting" in str(caught.value)


@pytest.mark.parametrize("name", ["MARSY_GROUND_API_TOKENS", "MARSY_GROUND_MQTT"])
def test_json_that_does_not_parse_is_named_not_shown(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.setenv(name, "{hunter2")
    with pytest.raises(SettingsError, match=rf": {name}: not valid JSON") as caught:
        GroundSettings.load()
    assert "hunter2" not in str(caught.value)


def test_bad_file_value_names_the_file_not_the_variable(tmp_path: Path) -> None:
    config = tmp_path / "ground.toml"
    config.write_text('[mqtt]\nport = "x"\n')
    with pytest.raises(SettingsError) as caught:
        GroundSettings.load(config)
    assert f"{config}:mqtt.port: Input should be a valid integer" in str(caught.value)
    assert "MARSY_GROUND" not in str(caught.value)


def test_a_bad_file_value_the_environment_overrides_is_no_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "ground.toml"
    config.write_text('[mqtt]\nhost = "999.1.1.1"\n')
    monkeypatch.setenv("MARSY_GROUND_MQTT__HOST", "broker.example.org")
    assert GroundSettings.load(config).mqtt.host == "broker.example.org"


def test_unknown_key_in_file_is_refused_and_named(tmp_path: Path) -> None:
    config = tmp_path / "ground.toml"
    config.write_text("bogus = 1\n[influx]\nbatchsize = 10\n")
    with pytest.raises(SettingsError) as caught:
        GroundSettings.load(config)
    assert f"{config}:influx.batchsize: unknown setting" in str(caught.value)
    assert f"{config}:bogus: unknown setting" in str(caught.value)


def test_unknown_variables_are_warned_about_and_set_nothing(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("MARSY_GROUND_BOGUS", "1")
    monkeypatch.setenv("MARSY_GROUND_MQTT__PORTT", "1999")
    monkeypatch.setenv("MARSY_GROUND_MQTT__PORT", "1884")
    monkeypatch.setenv("MARSY_GROUND_SERVICES__WEATHER", "http://weather:8000")
    with caplog.at_level(logging.WARNING, logger="marsy.settings"):
        settings = GroundSettings.load()
    assert settings.mqtt.port == 1884
    assert settings.services == {"weather": "http://weather:8000"}
    assert [record.getMessage() for record in caplog.records] == [
        "ignoring environment MARSY_GROUND_BOGUS, MARSY_GROUND_MQTT__PORTT: "
        "no ground setting of that name"
    ]


def test_another_familys_variables_are_not_unknown(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("MARSY_GROUND_HTTP_PORT", "8000")
    with caplog.at_level(logging.WARNING, logger="marsy.settings"):
        EdgeSettings.load(device="rocket")
    assert caplog.records == []


def test_a_missing_field_names_the_variable_to_set() -> None:
    with pytest.raises(SettingsError, match=r"MARSY_EDGE_DEVICE \(or device in a config file\)"):
        EdgeSettings.load()


@pytest.mark.parametrize(
    "host", ["localhost", "0.0.0.0", "::1", "broker-1.example.org", "ground_1"]
)
def test_hosts_that_are_names_or_addresses(monkeypatch: pytest.MonkeyPatch, host: str) -> None:
    monkeypatch.setenv("MARSY_GROUND_HTTP_HOST", host)
    assert GroundSettings.load().http_host == host


@pytest.mark.parametrize("host", ["999.1.1.1", "10.0.0", "bad host", "", "-x.org", "a..b"])
def test_hosts_refused_at_start(monkeypatch: pytest.MonkeyPatch, host: str) -> None:
    monkeypatch.setenv("MARSY_GROUND_HTTP_HOST", host)
    with pytest.raises(SettingsError, match="MARSY_GROUND_HTTP_HOST: not an IP address or a host"):
        GroundSettings.load()


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
