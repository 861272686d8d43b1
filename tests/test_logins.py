"""Broker logins: each connection its own login, the role deciding what it may do."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from marsy.brokerconf import acl_rules, acl_text
from marsy.logins import (
    OBSERVER_CONSOLE,
    PAYLOAD_RECORDER,
    LoginError,
    as_login,
    fixed_logins,
    login_of,
    login_password,
    login_passwords,
    role_of,
)
from marsy.protocol import Device, Service, Topics
from marsy.settings import MqttSettings


def test_a_login_is_a_role_or_a_tagged_role() -> None:
    assert role_of("rocket") is Device.ROCKET
    assert role_of(PAYLOAD_RECORDER) is Service.PAYLOAD
    assert login_of(Device.SUIT, "a1") == "suit.a1" and login_of("observer") == "observer"
    for bad in ("rocket-2", "nobody.x", "rocket.", "rocket.a b", "rocket.#", "observer.c+"):
        with pytest.raises(LoginError):
            role_of(bad)


def test_a_deployment_has_every_role_and_the_second_connections() -> None:
    logins = fixed_logins()
    assert len(set(logins)) == len(logins)
    assert {str(role) for role in [*Device, *Service]} < set(logins)
    assert {PAYLOAD_RECORDER, OBSERVER_CONSOLE} < set(logins)


def test_every_login_gets_its_roles_rules_under_its_own_name() -> None:
    text = acl_text("m", logins=["suit", "payload.recorder"])
    blocks = [block.splitlines() for block in text.split("\n\n")[1:]]
    expected = [f"topic {r.access} {r.topic}" for r in acl_rules(Service.PAYLOAD, Topics("m"))]
    assert blocks[1] == ["user payload.recorder", *expected]
    assert "topic write m/deadletter/payload" in blocks[1]
    assert blocks[0][0] == "user suit"


def test_a_second_login_has_a_password_of_its_own_derived_from_its_roles() -> None:
    derived = login_password("secret", PAYLOAD_RECORDER)
    assert derived == login_password("secret", PAYLOAD_RECORDER)
    assert derived not in {"secret", login_password("other", PAYLOAD_RECORDER)}
    assert derived != login_password("secret", "payload.other")
    assert login_password("secret", "payload") == "secret"


def test_passwords_are_given_per_role_and_derived_per_login() -> None:
    passwords = login_passwords({"payload": "p", "rocket": "r"}, extra=["rocket.t1"])
    assert passwords == {
        "rocket": "r",
        "payload": "p",
        PAYLOAD_RECORDER: login_password("p", PAYLOAD_RECORDER),
        "rocket.t1": login_password("r", "rocket.t1"),
    }
    with pytest.raises(LoginError, match="per role"):
        login_passwords({"payload": "p", PAYLOAD_RECORDER: "q"})


def test_a_process_opens_its_second_login_from_its_own_settings() -> None:
    payload = MqttSettings(username="payload", password=SecretStr("p"), port=1884)
    recorder = as_login(payload, PAYLOAD_RECORDER)
    assert (recorder.username, recorder.port) == (PAYLOAD_RECORDER, 1884)
    assert recorder.password is not None
    assert recorder.password.get_secret_value() == login_password("p", PAYLOAD_RECORDER)
    with pytest.raises(LoginError, match="another role"):
        as_login(payload, OBSERVER_CONSOLE)
    with pytest.raises(LoginError, match="role's own login"):
        as_login(recorder, "payload.again")
