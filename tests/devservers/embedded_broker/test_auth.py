"""Mosquitto's password and ACL files as marsy.brokerconf renders them, read back."""

from __future__ import annotations

import base64
import hashlib

import pytest

from devservers.embedded.broker.auth import Access, Acl, ConfigError, PasswordFile, verify_hash
from marsy.brokerconf import acl_text, password_file_text, password_hash
from marsy.protocol import Channel, Device, Topics


def test_a_brokerconf_hash_verifies_its_password_only() -> None:
    hashed = password_hash("rocket", "s3cret")
    assert verify_hash(hashed, b"s3cret")
    assert not verify_hash(hashed, b"s3cret ")
    assert not verify_hash(hashed, b"")


def test_an_explicit_salt_and_the_older_sha512_form_verify() -> None:
    assert verify_hash(password_hash("u", "pw", salt=b"0123456789ab"), b"pw")
    salt = b"salt"
    digest = hashlib.sha512(b"pw" + salt).digest()
    old = f"$6${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"
    assert verify_hash(old, b"pw")
    assert not verify_hash(old, b"pW")


@pytest.mark.parametrize("hashed", ["", "plain", "$7$x$y$z", "$7$101$!!$??", "$5$a$b"])
def test_unusable_hashes_never_verify(hashed: str) -> None:
    assert not verify_hash(hashed, b"pw")


def test_the_password_file_names_each_user() -> None:
    passwords = PasswordFile.parse(password_file_text([("rocket", "r"), ("command", "c")]))
    assert passwords.verify("rocket", b"r")
    assert not passwords.verify("rocket", b"c")
    assert not passwords.verify("nobody", b"r")


def test_a_password_line_without_hash_is_refused() -> None:
    with pytest.raises(ConfigError, match="line 2"):
        PasswordFile.parse("# users\nrocket\n")


TOPICS = Topics("t1")
ACL = Acl.parse(acl_text())


def test_a_device_writes_only_under_its_own_name() -> None:
    assert ACL.allows("rocket", "c", TOPICS.topic(Channel.TELEMETRY, "rocket"), Access.WRITE)
    assert not ACL.allows("rocket", "c", TOPICS.topic(Channel.VITALS, "suit"), Access.WRITE)
    assert not ACL.allows("rocket", "c", TOPICS.command(Device.SUIT), Access.WRITE)
    assert not ACL.allows("rocket", "c", TOPICS.topic(Channel.TELEMETRY, "rocket"), Access.READ)


def test_a_device_reads_only_its_own_commands() -> None:
    assert ACL.allows("rocket", "c", TOPICS.command(Device.ROCKET), Access.READ)
    assert not ACL.allows("rocket", "c", TOPICS.command(Device.SUIT), Access.READ)
    assert ACL.allows("suit", "c", TOPICS.topic(Channel.EVENTS, "rocket"), Access.READ)


def test_services_read_everything_under_any_root_but_not_system_topics() -> None:
    assert ACL.allows("observer", "c", "t1/telemetry/rocket", Access.READ)
    assert ACL.allows("observer", "c", "other/mission/status", Access.READ)
    assert not ACL.allows("observer", "c", "$SYS/broker/uptime", Access.READ)
    assert not ACL.allows("observer", "c", "t1/telemetry/rocket", Access.WRITE)
    assert ACL.allows("command", "c", TOPICS.command(Device.SUIT), Access.WRITE)


def test_unknown_users_may_do_nothing() -> None:
    assert not ACL.allows("stranger", "c", "t1/telemetry/rocket", Access.READ)


def test_patterns_deny_and_default_access() -> None:
    acl = Acl.parse(
        "topic read before/any/user\n"
        "user ops\n"
        "topic ops/#\n"
        "topic deny ops/secret\n"
        "pattern write clients/%c/%u\n"
    )
    assert acl.allows("ops", "c1", "ops/a", Access.READ | Access.WRITE)
    assert not acl.allows("ops", "c1", "ops/secret", Access.READ)
    assert acl.allows("ops", "c1", "clients/c1/ops", Access.WRITE)
    assert not acl.allows("ops", "c2", "clients/c1/ops", Access.WRITE)
    assert not acl.allows("ops", "c1", "before/any/user", Access.READ)
    with pytest.raises(ConfigError, match="line 1"):
        Acl.parse("topics read a\n")
