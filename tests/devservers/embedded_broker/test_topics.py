"""Topic filters match as MQTT 5 says, and as Mosquitto's ACL lines do."""

from __future__ import annotations

import pytest

from devservers.embedded.broker.topics import matches, valid_filter, valid_topic


@pytest.mark.parametrize(
    ("topic_filter", "topic", "expected"),
    [
        ("a/b", "a/b", True),
        ("a/b", "a/c", False),
        ("a/+", "a/b", True),
        ("a/+", "a/b/c", False),
        ("a/+", "a/", True),
        ("+/+", "/x", True),
        ("a/#", "a", True),
        ("a/#", "a/b/c", True),
        ("a/#", "ab", False),
        ("#", "a/b", True),
        ("+/telemetry/rocket", "t1/telemetry/rocket", True),
        ("+/command/rocket", "t1/command/suit", False),
        ("#", "$SYS/uptime", False),
        ("+/uptime", "$SYS/uptime", False),
        ("+/#", "$SYS/uptime", False),
        ("$SYS/#", "$SYS/uptime", True),
        ("a/b", "a/b/", False),
    ],
)
def test_matches(topic_filter: str, topic: str, expected: bool) -> None:
    assert matches(topic_filter, topic) is expected


@pytest.mark.parametrize("topic_filter", ["#", "+", "a/+/b", "a/#", "/", "+/+/#", "$SYS/#"])
def test_valid_filters(topic_filter: str) -> None:
    assert valid_filter(topic_filter)


@pytest.mark.parametrize("topic_filter", ["", "a/#/b", "a#", "a/b+", "#/a", "a/+b"])
def test_invalid_filters(topic_filter: str) -> None:
    assert not valid_filter(topic_filter)


def test_topic_names_carry_no_wildcards() -> None:
    assert valid_topic("marsy/telemetry/rocket")
    assert not valid_topic("")
    assert not valid_topic("a/+")
    assert not valid_topic("a/#")
