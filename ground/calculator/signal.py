"""Loss of signal and the ground's own view of the bus, pure: liveness in, findings out.

A ground fault is never a vehicle emergency. The calculator says a vehicle is lost only when its
own view of the bus is demonstrably live (its loopback heartbeat has been coming back for the
whole threshold) and the vehicle is silent on that bus, or its broker connection is gone (its
last will). Anything else that looks like silence (a frozen or dead broker, a cut link, our own
backlog) is a GROUND alert naming the broker, and no vehicle is judged meanwhile.
"""

from __future__ import annotations

from ground.calculator.liveness import DeviceLiveness, Loopback
from ground.calculator.rules import Finding
from marsy.protocol import RETIRED_PHASES, AlertRule, Device, PresenceState, Severity

BROKER = "broker"
VIEW_DEVICE = Device.ROCKET
"""The contract's alert names a device; a stale bus blinds us to every vehicle, and the alert is
filed under the crewed one, whose view matters most. Its message says it is about all of them."""


def view_finding(loop: Loopback, now: float, threshold: float) -> Finding | None:
    """GROUND ``broker`` while the bus view is stale: disconnected at once, or connected and our
    own heartbeat not back for ``threshold``. ``None`` when nobody watches the bus."""
    if not loop.watched:
        return None
    since = loop.echo_sent if loop.echo_sent is not None else loop.changed
    age = max(0.0, now - since) if since is not None else 0.0
    waiting = f", {loop.backlog} messages waiting in the calculator" if loop.backlog else ""
    if not loop.connected:
        cause = f"disconnected{waiting}"
    elif age > threshold:
        cause = f"connected, our own heartbeat not relayed{waiting}"
    else:
        return Finding(VIEW_DEVICE, AlertRule.GROUND, BROKER, Severity.NOMINAL)
    duration = f" for {age:.0f} s" if age >= 1.0 else ""
    return Finding(
        VIEW_DEVICE,
        AlertRule.GROUND,
        BROKER,
        Severity.YELLOW,
        age,
        threshold,
        f"broker unreachable{duration} ({cause}): no view of the vehicles",
    )


def signal_finding(
    device: Device,
    heard: DeviceLiveness,
    proven: float,
    threshold: float,
    heartbeat_timeout: float,
    *,
    mission_over: bool = False,
) -> Finding:
    """Loss of signal of one vehicle, judged on a bus view that has been live for ``threshold``.

    ``proven`` is the latest instant the bus demonstrably carried messages: the send time of our
    newest heartbeat that came back. Silence is counted up to it, not up to now, so a broker
    that froze a moment ago cannot pass for a silent vehicle before its own silence shows.

    Lost: it spoke this mission, is neither retired nor landed or destroyed, the mission is not
    over, and either its presence has been offline (its last will) for ``threshold``, or nothing
    of it arrived for ``threshold`` and it is not heartbeating (online, a heartbeat within
    ``heartbeat_timeout``): a device online and heartbeating is never lost.
    """
    nominal = Finding(device, AlertRule.LOSS_OF_SIGNAL, None, Severity.NOMINAL)
    if mission_over or not heard.spoke or heard.heard is None:
        return nominal
    if heard.retired is not None or heard.phase in RETIRED_PHASES:
        return nominal
    silent = proven - heard.heard
    offline_for: float | None = None
    if heard.presence is PresenceState.OFFLINE and heard.presence_since is not None:
        offline_for = proven - heard.presence_since
    heartbeating = (
        offline_for is None
        and heard.heartbeat is not None
        and proven - heard.heartbeat <= heartbeat_timeout
    )
    if offline_for is not None and offline_for >= threshold:
        message = (
            f"the {device} is offline (its last will) for {offline_for:.0f} s, no data from it "
            f"on the bus for {silent:.0f} s while the ground's view is live"
        )
    elif silent > threshold and not heartbeating:
        message = (
            f"no data from the {device} on the bus for {silent:.0f} s while the ground's view "
            "is live"
        )
    else:
        return nominal
    return Finding(device, AlertRule.LOSS_OF_SIGNAL, None, Severity.RED, silent, threshold, message)
