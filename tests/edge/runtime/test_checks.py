"""The agent's guards on a command's time and mission, as pure functions."""

from __future__ import annotations

import pytest

from edge.runtime.checks import mission_refusal, timing_refusal
from marsy.protocol import CommandAction, Device, DeviceCommand
from marsy.protocol.commanding import COMMAND_CLOCK_SKEW, STANDBY

NOW = 1_800_000_000.0


def command(
    action: CommandAction = CommandAction.IGNITE, *, mission: str = "M1", ts: float = NOW
) -> DeviceCommand:
    return DeviceCommand(
        mission_id=mission,
        source="launchpad",
        seq=1,
        ts=ts,
        command_id="launchpad-ignite-M1",
        device=Device.ROCKET,
        action=action,
        level=50.0 if action is CommandAction.THROTTLE else None,
    )


@pytest.mark.parametrize(
    "offset",
    [0.0, -59.0, COMMAND_CLOCK_SKEW, 0.5],
)
def test_a_command_within_its_time_is_taken(offset: float) -> None:
    assert timing_refusal(command(ts=NOW + offset), NOW, ttl=60.0) is None


def test_a_stale_command_is_refused() -> None:
    assert timing_refusal(command(ts=NOW - 600), NOW, ttl=60.0) == (
        "stale: issued 600 s ago (limit 60 s)"
    )


def test_a_command_stamped_ahead_of_the_clock_is_refused_never_fresh() -> None:
    assert timing_refusal(command(ts=NOW + 3600), NOW, ttl=60.0) == (
        "from the future: stamped 3600 s ahead of the device's clock (limit 5 s)"
    )
    assert timing_refusal(command(ts=NOW + COMMAND_CLOCK_SKEW + 1), NOW, ttl=60.0) is not None


def test_a_command_for_the_mission_flown_is_taken() -> None:
    assert mission_refusal(command(mission="M1"), "M1") is None


@pytest.mark.parametrize("action", [CommandAction.IGNITE, CommandAction.DESTRUCT])
def test_an_order_for_another_mission_is_refused(action: CommandAction) -> None:
    assert mission_refusal(command(action, mission="M0"), "M1") == (
        "for mission M0, not the one flown (M1)"
    )


def test_a_status_question_is_answered_for_any_mission() -> None:
    assert mission_refusal(command(CommandAction.STATUS, mission=STANDBY), "M1") is None
    assert mission_refusal(command(CommandAction.STATUS, mission="M0"), "M1") is None


def test_in_standby_only_the_launch_opens_a_mission() -> None:
    assert mission_refusal(command(CommandAction.IGNITE, mission="M1"), STANDBY) is None
    assert mission_refusal(command(CommandAction.THROTTLE, mission="M1"), STANDBY) == (
        "no mission announced yet: throttle for mission M1 refused"
    )
