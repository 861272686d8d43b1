"""How a simulation reaches servers it did not start, and the chaos schedule without a broker."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from marsy.logins import PAYLOAD_RECORDER, login_password
from marsy_cli.main import cli
from marsy_sim.chaos import BROKER, TARGETS, schedule
from marsy_sim.servers import ExternalBroker, ExternalStore, read_passwords


def test_an_external_broker_signs_each_user_in_with_its_own_password() -> None:
    broker = ExternalBroker("mqtt://broker.lan:1884", {"rocket": "r0ck", "command": "c0m"})
    rocket = broker.settings_for("rocket")
    assert (rocket.host, rocket.port, rocket.username) == ("broker.lan", 1884, "rocket")
    assert rocket.password is not None and rocket.password.get_secret_value() == "r0ck"
    with pytest.raises(ValueError, match="no password for MQTT login 'suit'"):
        broker.settings_for("suit")


def test_a_second_connection_signs_in_as_its_own_login_with_a_derived_password() -> None:
    broker = ExternalBroker("mqtt://broker.lan:1884", {"payload": "p4y"})
    recorder = broker.settings_for(PAYLOAD_RECORDER)
    assert recorder.username == PAYLOAD_RECORDER, "the login is the client id: never shared"
    assert recorder.password is not None
    assert recorder.password.get_secret_value() == login_password("p4y", PAYLOAD_RECORDER)


def test_the_url_login_is_one_role_never_a_login_for_everyone() -> None:
    broker = ExternalBroker("mqtt://observer:s%40cret@127.0.0.1")
    observer = broker.settings_for("observer")
    assert (observer.port, observer.username) == (1883, "observer")
    assert observer.password is not None and observer.password.get_secret_value() == "s@cret"
    with pytest.raises(ValueError, match="one password per MarsY role"):
        broker.settings_for("suit")


@pytest.mark.parametrize("url", ["http://127.0.0.1:1883", "mqtt://", "127.0.0.1:1883"])
def test_a_broker_url_that_is_not_mqtt_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="expected mqtt://"):
        ExternalBroker(url)


def test_an_external_store_keeps_its_login_out_of_its_url() -> None:
    store = ExternalStore("http://admin:pw@127.0.0.1:8087")
    settings = store.settings()
    assert store.url == settings.url == "http://127.0.0.1:8087"
    assert settings.username == "admin"
    assert settings.password is not None and settings.password.get_secret_value() == "pw"
    assert ExternalStore("https://tsdb.lan").settings().username is None
    with pytest.raises(ValueError, match="expected http"):
        ExternalStore("influx://127.0.0.1")


def test_passwords_files_in_json_or_toml_name_only_marsy_users(tmp_path: Path) -> None:
    toml = tmp_path / "passwords.toml"
    toml.write_text('[mqtt]\nrocket = "a"\ncommand = "b"\n')
    assert read_passwords(toml) == {"rocket": "a", "command": "b"}
    data = tmp_path / "passwords.json"
    data.write_text(json.dumps({"suit": "c"}))
    assert read_passwords(data) == {"suit": "c"}
    data.write_text(json.dumps({"rockett": "c"}))
    with pytest.raises(ValueError, match="no MarsY user named 'rockett'"):
        read_passwords(data)
    data.write_text(json.dumps({"rocket": 1}))
    with pytest.raises(ValueError, match="expected a table"):
        read_passwords(data)


def test_without_a_broker_to_restart_the_chaos_schedule_keeps_its_times() -> None:
    every = schedule(3, count=40)
    assert any(f.target == BROKER for f in every)
    spared = schedule(3, count=40, targets=tuple(t for t in TARGETS if t != BROKER))
    assert [f.at for f in spared] == [f.at for f in every]
    assert all(f.target != BROKER for f in spared)
    assert [f for f in every if f.target != BROKER] == [f for f in spared if f in every]


def test_sim_refuses_a_bad_passwords_file_before_starting_anything(tmp_path: Path) -> None:
    bad = tmp_path / "passwords.json"
    bad.write_text(json.dumps({"nobody": "x"}))
    runs = tmp_path / "runs"
    result = CliRunner().invoke(
        cli,
        [
            "sim",
            "--broker",
            "mqtt://127.0.0.1:1",
            "--broker-passwords",
            str(bad),
            "--run-dir",
            str(runs),
        ],
    )
    assert result.exit_code == 2
    assert "no MarsY user named 'nobody'" in result.output
    assert not runs.exists()
