"""Broker configuration generated from the contract, and kept in step with mosquitto/."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from marsy.brokerconf import POLICY, acl_rules, acl_text, password_file_text, password_hash
from marsy.logins import fixed_logins
from marsy.protocol import Device, Service, Topics
from marsy.settings import EdgeSettings

REPO = Path(__file__).resolve().parents[1]


def test_committed_broker_files_are_current() -> None:
    assert (REPO / "mosquitto" / "marsy.conf").read_text() == POLICY
    assert (REPO / "mosquitto" / "acl").read_text() == acl_text("+")


def test_policy_forbids_anonymous_and_persists() -> None:
    lines = set(POLICY.splitlines())
    assert {"allow_anonymous false", "persistence true", "set_tcp_nodelay true"} <= lines


def test_the_committed_acl_names_every_login_of_a_deployment() -> None:
    users = [line.split()[1] for line in acl_text().splitlines() if line.startswith("user ")]
    assert users == fixed_logins()


def test_a_device_writes_only_its_own_topics() -> None:
    topics = Topics("marsy")
    for device in Device:
        writes = [r.topic for r in acl_rules(device, topics) if r.access != "read"]
        assert writes
        assert all(topic.endswith(f"/{device}") for topic in writes), writes
        reads = [r.topic for r in acl_rules(device, topics) if r.access == "read"]
        assert topics.command(device) in reads
        others = [topics.command(d) for d in Device if d is not device]
        assert not set(others) & set(reads)


def test_the_suit_hears_the_rocket_directly() -> None:
    reads = {r.topic for r in acl_rules(Device.SUIT, Topics("marsy")) if r.access == "read"}
    assert "marsy/events/rocket" in reads


def test_observer_cannot_command() -> None:
    writes = [r.topic for r in acl_rules(Service.OBSERVER, Topics("m")) if r.access != "read"]
    assert writes == ["m/presence/observer"]


def test_password_hash_is_mosquittos_pbkdf2_format_and_deterministic() -> None:
    line = password_hash("rocket", "secret")
    assert line == password_hash("rocket", "secret")
    assert line != password_hash("booster", "secret")
    _, seven, iterations, salt, digest = line.split("$")
    assert (seven, iterations) == ("7", "101")
    expected = hashlib.pbkdf2_hmac("sha512", b"secret", base64.b64decode(salt), 101)
    assert base64.b64decode(digest) == expected


def test_password_file_has_one_line_per_user() -> None:
    text = password_file_text([("rocket", "a"), ("suit", "b")])
    assert [line.split(":")[0] for line in text.splitlines()] == ["rocket", "suit"]


def test_agents_keep_acknowledged_messages_for_three_broker_saves() -> None:
    (line,) = [line for line in POLICY.splitlines() if line.startswith("autosave_interval ")]
    autosave = float(line.split()[1])
    window = EdgeSettings.model_fields["replay_window"].default
    assert window >= 3 * autosave, "a broker killed before its save loses what it acknowledged"
