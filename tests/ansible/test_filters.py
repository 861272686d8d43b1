"""The roles' filter plugins, called as plain functions."""

from __future__ import annotations

import importlib.util
from types import ModuleType

import pytest

from marsy.brokerconf import all_users, password_hash
from marsy.logins import PAYLOAD_RECORDER, fixed_logins, login_password
from tests.ansible.deployment import ANSIBLE


def plugin(role: str, name: str) -> ModuleType:
    path = ANSIBLE / "roles" / role / "filter_plugins" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"filter_{role}_{name}", path)
    assert spec is not None and spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def broker() -> ModuleType:
    return plugin("mosquitto", "marsy_broker")


@pytest.fixture(scope="module")
def influxql() -> ModuleType:
    return plugin("influxdb", "influxql")


def test_the_password_file_is_marsys_and_needs_every_user(broker: ModuleType) -> None:
    users = {str(user): f"pw-{user}" for user in all_users()}
    text = broker.marsy_mosquitto_passwd(users)
    assert f"rocket:{password_hash('rocket', 'pw-rocket')}\n" in text
    assert text == broker.marsy_mosquitto_passwd(dict(reversed(users.items())))
    del users["suit"]
    with pytest.raises(ValueError, match="no MQTT password for suit"):
        broker.marsy_mosquitto_passwd(users)


def test_the_password_file_holds_every_login_with_derived_second_ones(
    broker: ModuleType,
) -> None:
    users = {str(user): f"pw-{user}" for user in all_users()}
    text = broker.marsy_mosquitto_passwd(users)
    assert [line.split(":")[0] for line in text.splitlines()] == sorted(fixed_logins())
    derived = login_password("pw-payload", PAYLOAD_RECORDER)
    assert f"{PAYLOAD_RECORDER}:{password_hash(PAYLOAD_RECORDER, derived)}\n" in text
    with pytest.raises(ValueError, match="per role"):
        broker.marsy_mosquitto_passwd({**users, PAYLOAD_RECORDER: "set by hand"})


def test_the_dropin_gets_its_listeners(broker: ModuleType) -> None:
    tls = {"ca_file": "/m/ca.crt", "cert_file": "/m/server.crt", "key_file": "/m/server.key"}
    text = broker.marsy_mosquitto_dropin(
        [{"port": "1883", "bind": "127.0.0.1"}, {"port": 8883, "bind": "", "tls": tls}],
        password_file="/m/passwd",
        acl_file="/m/acl",
    )
    bound = "use_username_as_clientid true"
    assert f"listener 1883 127.0.0.1\n{bound}\nlistener 8883\n{bound}\ncafile /m/ca.crt\n" in text
    assert "password_file /m/passwd\nacl_file /m/acl\n" in text


def test_influxql_strings_escape_quotes_and_backslashes(influxql: ModuleType) -> None:
    assert influxql.influxql_string("it's a \\ test") == "'it\\'s a \\\\ test'"


def test_influxql_rows_are_empty_when_influxdb_leaves_them_out(influxql: ModuleType) -> None:
    rows = [["flight"], ["payload"]]
    answer = {"results": [{"series": [{"columns": ["name"], "values": rows}]}, {}]}
    assert influxql.influxql_rows(answer) == rows
    assert influxql.influxql_rows(answer, 1) == []
    no_grants = {"results": [{"series": [{"columns": ["database", "privilege"]}]}]}
    assert influxql.influxql_rows(no_grants) == []
    with pytest.raises(ValueError, match="database not found"):
        influxql.influxql_rows({"results": [{"error": "database not found: x"}]})
