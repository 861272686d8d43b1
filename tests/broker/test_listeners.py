"""Listener and drop-in rendering of the broker configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

from devservers.certs import subject_alt_names
from marsy.brokerconf import (
    POLICY,
    Listener,
    TlsFiles,
    dropin_config,
    instance_config,
    listener_text,
)

TLS = TlsFiles(Path("/etc/m/ca.crt"), Path("/etc/m/server.crt"), Path("/etc/m/server.key"))


def test_a_plain_listener_binds_client_ids_to_logins() -> None:
    assert listener_text(Listener(1883, "127.0.0.1")).splitlines() == [
        "listener 1883 127.0.0.1",
        "use_username_as_clientid true",
    ]
    assert listener_text(Listener(1883, "")).startswith("listener 1883\n")


def test_a_tls_listener_names_its_files_and_needs_no_client_certificate() -> None:
    assert listener_text(Listener(8883, "", TLS)).splitlines() == [
        "listener 8883",
        "use_username_as_clientid true",
        "cafile /etc/m/ca.crt",
        "certfile /etc/m/server.crt",
        "keyfile /etc/m/server.key",
        "require_certificate false",
    ]


def test_instance_config_without_extra_listeners_ends_with_the_plain_one() -> None:
    conf = instance_config(
        port=1884, data_dir=Path("/d"), password_file=Path("/p"), acl_file=Path("/a")
    )
    assert conf.endswith("listener 1884 127.0.0.1\nuse_username_as_clientid true\n")
    with_tls = instance_config(
        port=1884,
        data_dir=Path("/d"),
        password_file=Path("/p"),
        acl_file=Path("/a"),
        extra_listeners=[Listener(8884, "127.0.0.1", TLS)],
    )
    assert with_tls.startswith(conf.removesuffix("\n"))
    assert "listener 8884 127.0.0.1\nuse_username_as_clientid true\ncafile" in with_tls


def test_the_dropin_leaves_the_distributions_settings_alone() -> None:
    text = dropin_config(
        password_file=Path("/etc/m/passwd"),
        acl_file=Path("/etc/m/acl"),
        listeners=[Listener(1883, "127.0.0.1"), Listener(8883, "", TLS)],
    )
    assert text.startswith(POLICY)
    keys = {line.split()[0] for line in text.splitlines() if line and not line.startswith("#")}
    assert not keys & {"pid_file", "persistence_location", "log_dest", "user"}
    assert {"password_file", "acl_file", "listener", "certfile"} <= keys
    with pytest.raises(ValueError, match="listener"):
        dropin_config(password_file=Path("/p"), acl_file=Path("/a"), listeners=[])


def test_certificate_names_tell_addresses_from_host_names() -> None:
    assert subject_alt_names(["broker.lan", "127.0.0.1", "::1"]) == (
        "DNS:broker.lan, IP:127.0.0.1, IP:::1"
    )
    with pytest.raises(ValueError):
        subject_alt_names([])
