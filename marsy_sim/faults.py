"""A fault plan: the faults a user or an attacker can cause, each at a set time of the flight.

Beside the chaos monkey's seeded kills (:mod:`marsy_sim.chaos`), a plan names every fault: its
kind, when it starts (mission seconds after the mission started), how long it lasts (mission
seconds) and its options. On the command line one fault reads ``KIND[:DEVICE]@AT[+FOR][,K=V...]``,
e.g. ``broker-kill@60+40``, ``agent-freeze:rocket@200+40`` or ``flood@100,count=80000``.

This module is the plan alone (no I/O): its spelling and the checks it must pass before a flight.
:class:`marsy_sim.injector.FaultRunner` carries it out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum

from marsy.protocol import Device


class FaultKind(StrEnum):
    BROKER_KILL = "broker-kill"
    """SIGKILL the broker; start it again after ``for``."""
    BROKER_FREEZE = "broker-freeze"
    """SIGSTOP the broker; SIGCONT after ``for``."""
    STORE_KILL = "store-kill"
    """SIGKILL the time-series store; start it again after ``for``."""
    LINK_CUT = "link-cut"
    """Every client's link to the broker holds its bytes for ``for``, connections open."""
    AGENT_FREEZE = "agent-freeze"
    """SIGSTOP one onboard agent; SIGCONT after ``for``."""
    FLOOD = "flood"
    """The satellite's computer is compromised: its agent is stopped (SIGSTOP) while ``count``
    junk messages go out through its login on its own telemetry topic, as fast as the broker
    takes them (those not taken after ``for`` are given up); then the agent is continued."""
    FORGE_ABORT = "forge-abort"
    """The satellite's login says the rocket aborts."""
    FORGE_COMPLETE = "forge-complete"
    """The satellite's login says in its own name that the payload is away (before staging: out
    of order), and, for the booster, that it is lost."""
    FORGE_ACK = "forge-ack"
    """The satellite's login refuses, for the rocket, every payload detach order it sees
    during ``for``."""
    SEQ_JUMP = "seq-jump"
    """Telemetry numbered ``seq`` from the satellite's login, rocket-looking and its own."""
    TAKEOVER = "takeover"
    """The satellite's login asks for the ingest's client id (``client_id``), keeping its
    session, and stays connected for ``for``."""


OUTAGES = frozenset(
    {
        FaultKind.BROKER_KILL,
        FaultKind.BROKER_FREEZE,
        FaultKind.STORE_KILL,
        FaultKind.LINK_CUT,
        FaultKind.AGENT_FREEZE,
    }
)
"""Faults of the ground or the vehicle that last ``for`` and are then undone."""
ATTACKS = frozenset(FaultKind) - OUTAGES
"""Faults made of messages sent with a device's real login."""
NEEDS_PRIVATE_BROKER = frozenset({FaultKind.BROKER_KILL, FaultKind.BROKER_FREEZE})
NEEDS_PRIVATE_STORE = frozenset({FaultKind.STORE_KILL})

DEFAULT_FOR: dict[FaultKind, float] = {
    **dict.fromkeys(OUTAGES, 40.0),
    FaultKind.FLOOD: 100.0,
    FaultKind.FORGE_ACK: 120.0,
    FaultKind.TAKEOVER: 20.0,
}
"""Mission seconds. Outages outlast the calculator's loss-of-signal threshold at speed 10
(30 mission seconds); a flood gives up after this long, a forged ack watches for orders so
long, a takeover holds the connection so long; other kinds take no time of their own."""

FLOODER = Device.SATELLITE
"""The device whose computer a flood takes over (the attacks' stolen login)."""
INGEST_CLIENT_ID = "telemetry"
"""The telemetry ingest's client id: its login, now that the broker binds the two (it asked
for ``marsy-telemetry`` before; ``client_id=`` asks for that one)."""


class FaultPlanError(ValueError):
    """A fault that cannot be spelled so, or cannot fly with the servers at hand."""


@dataclass(frozen=True)
class ScriptedFault:
    kind: FaultKind
    at: float
    """Mission seconds after the mission started."""
    duration: float = 0.0
    """Mission seconds (``for``)."""
    device: Device | None = None
    """The agent an ``agent-freeze`` stops."""
    count: int = 50_000
    """Junk messages of a ``flood``."""
    seq: int = 10**12
    """The sequence number of a ``seq-jump``."""
    client_id: str = INGEST_CLIENT_ID
    """The client id a ``takeover`` asks for."""

    @property
    def name(self) -> str:
        return f"{self.kind}:{self.device}" if self.device is not None else str(self.kind)

    @property
    def ends(self) -> float:
        return self.at + self.duration

    @property
    def stops(self) -> Device | None:
        """The agent this fault stops while it lasts, if any."""
        if self.kind is FaultKind.AGENT_FREEZE:
            return self.device
        return FLOODER if self.kind is FaultKind.FLOOD else None

    def __str__(self) -> str:
        text = f"{self.name}@{self.at:g}"
        if self.duration:
            text += f"+{self.duration:g}"
        for key, default in _OPTIONS.get(self.kind, {}).items():
            value = getattr(self, key)
            if value != default:
                text += f",{key}={value}"
        return text


_SPEC = re.compile(
    r"^(?P<kind>[a-z-]+)(?::(?P<device>[a-z]+))?@(?P<at>\d+(?:\.\d+)?)"
    r"(?:\+(?P<for>\d+(?:\.\d+)?))?(?P<options>(?:,[a-z_]+=[^,]+)*)$"
)
_OPTIONS: dict[FaultKind, dict[str, object]] = {
    FaultKind.FLOOD: {"count": ScriptedFault.count},
    FaultKind.SEQ_JUMP: {"seq": ScriptedFault.seq},
    FaultKind.TAKEOVER: {"client_id": ScriptedFault.client_id},
}
_CLIENT_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def parse_fault(spec: str) -> ScriptedFault:
    """``KIND[:DEVICE]@AT[+FOR][,KEY=VALUE...]`` as a fault; :class:`FaultPlanError` naming
    what is wrong otherwise."""
    match = _SPEC.match(spec.strip())
    if match is None:
        raise FaultPlanError(
            f"{spec!r}: expected KIND[:DEVICE]@AT[+FOR][,KEY=VALUE...], e.g. broker-kill@60+40"
        )
    try:
        kind = FaultKind(match["kind"])
    except ValueError:
        kinds = ", ".join(k.value for k in FaultKind)
        raise FaultPlanError(
            f"{spec!r}: no fault kind {match['kind']!r} (one of {kinds})"
        ) from None
    device = _device(spec, kind, match["device"])
    duration = float(match["for"]) if match["for"] else DEFAULT_FOR.get(kind, 0.0)
    if kind in OUTAGES and duration <= 0:
        raise FaultPlanError(f"{spec!r}: an outage lasts some time (+FOR, mission seconds)")
    fault = ScriptedFault(kind, float(match["at"]), duration, device)
    for item in filter(None, match["options"].split(",")):
        key, _, value = item.partition("=")
        fault = _with_option(spec, fault, key, value)
    return fault


def _device(spec: str, kind: FaultKind, name: str | None) -> Device | None:
    if kind is not FaultKind.AGENT_FREEZE:
        if name is not None:
            raise FaultPlanError(f"{spec!r}: only agent-freeze names a device")
        return None
    try:
        return Device(name or "")
    except ValueError:
        devices = ", ".join(d.value for d in Device)
        raise FaultPlanError(
            f"{spec!r}: agent-freeze:DEVICE names the agent to stop ({devices})"
        ) from None


def _with_option(spec: str, fault: ScriptedFault, key: str, value: str) -> ScriptedFault:
    allowed = _OPTIONS.get(fault.kind, {})
    if key not in allowed:
        known = ", ".join(allowed) or "none"
        raise FaultPlanError(f"{spec!r}: {fault.kind} has no option {key!r} (options: {known})")
    if key == "client_id":
        if not _CLIENT_ID.match(value):
            raise FaultPlanError(f"{spec!r}: client_id: 1-64 letters, digits, '.', '-' or '_'")
        return replace(fault, client_id=value)
    try:
        number = int(value)
    except ValueError:
        raise FaultPlanError(f"{spec!r}: {key}: a whole number, not {value!r}") from None
    if key == "count":
        if not 1 <= number <= 10_000_000:
            raise FaultPlanError(f"{spec!r}: count: 1 to 10,000,000 messages")
        return replace(fault, count=number)
    if not 0 <= number < 2**63:
        raise FaultPlanError(f"{spec!r}: seq: 0 to 2^63-1")
    return replace(fault, seq=number)


def check_plan(
    faults: Iterable[ScriptedFault], *, private_broker: bool, private_store: bool
) -> None:
    """:class:`FaultPlanError` unless every fault can be caused with the servers at hand: the
    simulation kills, freezes and restarts only the broker and store it started itself."""
    for fault in faults:
        if fault.kind in NEEDS_PRIVATE_BROKER and not private_broker:
            raise FaultPlanError(
                f"{fault}: needs the broker this simulation starts; it does not kill or freeze "
                "a broker given with --broker"
            )
        if fault.kind in NEEDS_PRIVATE_STORE and not private_store:
            raise FaultPlanError(
                f"{fault}: needs the store this simulation starts; it does not kill a store "
                "given with --influx"
            )


def needs_relay(faults: Iterable[ScriptedFault]) -> bool:
    """Whether the clients must reach the broker through the relay a link cut cuts."""
    return any(fault.kind is FaultKind.LINK_CUT for fault in faults)
