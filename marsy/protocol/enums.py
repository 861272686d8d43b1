"""Closed vocabularies shared by every MarsY process: devices, services, phases, severities."""

from __future__ import annotations

from enum import StrEnum


class Device(StrEnum):
    """An onboard computer with its own sensor board, serial port and MQTT identity."""

    ROCKET = "rocket"
    BOOSTER = "booster"
    SATELLITE = "satellite"
    SUIT = "suit"


class Service(StrEnum):
    """A ground process with its own MQTT identity."""

    COMMAND = "command"
    WEATHER = "weather"
    LAUNCHPAD = "launchpad"
    STAGING = "staging"
    PAYLOAD = "payload"
    TELEMETRY = "telemetry"
    CALCULATOR = "calculator"
    WEBCASTER = "webcaster"
    OBSERVER = "observer"
    """Read-only view of the whole bus: the simulation console, dashboards, test probes."""


class FlightPhase(StrEnum):
    """Where a body is in its flight; limits in the parameter dictionary depend on it."""

    PAD = "pad"
    ASCENT = "ascent"
    MAX_Q = "max_q"
    UPPER_STAGE = "upper_stage"
    ORBIT = "orbit"
    COAST = "coast"
    REENTRY = "reentry"
    LANDING_BURN = "landing_burn"
    ABORT = "abort"
    PARACHUTES = "parachutes"
    LANDED = "landed"
    DESTROYED = "destroyed"


class Severity(StrEnum):
    """How far a value is from nominal, ordered: ``NOMINAL < YELLOW < RED``."""

    NOMINAL = "nominal"
    YELLOW = "yellow"
    RED = "red"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.NOMINAL: 0, Severity.YELLOW: 1, Severity.RED: 2}


class CommandAction(StrEnum):
    """What a ground service (or another device) may ask a device to do."""

    STATUS = "status"
    IGNITE = "ignite"
    THROTTLE = "throttle"
    SEPARATE = "separate"
    DETACH = "detach"
    EJECT = "eject"
    DESTRUCT = "destruct"
    INTERVIEW = "interview"


class EventType(StrEnum):
    """Mission events, in the order a nominal flight meets them, then the off-nominal ones."""

    MISSION_STARTED = "mission_started"
    GO_NO_GO = "go_no_go"
    LIFTOFF = "liftoff"
    MAX_Q = "max_q"
    THROTTLE_DOWN = "throttle_down"
    THROTTLE_UP = "throttle_up"
    MECO = "meco"
    STAGE_SEPARATION = "stage_separation"
    BOOSTBACK_BURN = "boostback_burn"
    """The booster's engines turn it back toward the launch site (a return to the launch site)."""
    ENTRY_BURN = "entry_burn"
    """The booster brakes before the thick air."""
    LANDING_BURN = "landing_burn"
    """The booster's last burn, down to touchdown."""
    BOOSTER_LANDED = "booster_landed"
    BOOSTER_LOST = "booster_lost"
    SECO = "seco"
    ORBIT = "orbit"
    PAYLOAD_DETACHED = "payload_detached"
    INTERVIEW = "interview"
    MISSION_COMPLETE = "mission_complete"
    ENGINE_FAILURE = "engine_failure"
    EXPLOSION_IMMINENT = "explosion_imminent"
    ABORT = "abort"
    EJECTION = "ejection"
    DROGUE_DEPLOYED = "drogue_deployed"
    MAIN_DEPLOYED = "main_deployed"
    CAPSULE_LANDED = "capsule_landed"
    SELF_DESTRUCT = "self_destruct"
    EXPLOSION = "explosion"


class MissionState(StrEnum):
    """The life of a mission as Command sees it."""

    PLANNED = "planned"
    POLLING = "polling"
    HELD = "held"
    """On the pad, waiting for the weather: polled again until the launch window closes."""
    SCRUBBED = "scrubbed"
    FLYING = "flying"
    COMPLETE = "complete"
    ABORTED = "aborted"


class PresenceState(StrEnum):
    ONLINE = "online"
    OFFLINE = "offline"


class AlertRule(StrEnum):
    """Which of the calculator's checks raised an alert."""

    LIMIT = "limit"
    RATE = "rate"
    LOSS_OF_SIGNAL = "loss_of_signal"
    """The vehicle is silent on the bus itself while the ground's own view of the bus is live."""
    VITALS = "vitals"
    GROUND = "ground"
    """The ground's view is stale or cut (store, ingest, broker): never a vehicle emergency.
    ``parameter`` names the part at fault."""


class LogLevel(StrEnum):
    DEBUG = "debug"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"
    CRITICAL = "critical"
