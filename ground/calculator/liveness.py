"""What the bus itself says: when each vehicle was last heard, and whether our view of it is live.

Pure state, fed by the service's listener with every message it decodes (and the instant it
arrived), and by its beacon with the state of the connection. The calculator never judges a
vehicle from the store: a silent store may be a stale ground (InfluxDB down, a lagging ingest),
while a vehicle silent on a bus we demonstrably hear is silent indeed.

- Vehicles: any message of theirs (telemetry, vitals, heartbeat, event) counts as heard, whatever
  mission it carries: it proves the link is alive now. Their retained presence says whether the
  broker holds their connection (offline is their last will). What they said this mission (their
  newest sample and its phase, whether they retired by their own word) is kept apart, and
  forgotten when a new mission starts.
- Loopback: the calculator publishes its own heartbeat about every second and hears it back
  through the broker. The view is fresh while that heartbeat comes back; a frozen broker, a cut
  link or a backlog in our own queue all show as a heartbeat that does not return.
- Recorders: the ground recorders' heartbeats (ingest lag, store health), by service name.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from marsy.protocol import (
    RETIRING_EVENTS,
    AstronautVitals,
    Device,
    DeviceHealth,
    DevicePresence,
    DeviceTelemetry,
    EventType,
    FlightPhase,
    Message,
    MissionEvent,
    MissionState,
    MissionStatus,
    PresenceState,
    Service,
    ServiceHealth,
    may_report,
)

ENDED = frozenset({MissionState.COMPLETE, MissionState.ABORTED, MissionState.SCRUBBED})
"""Mission states after which no vehicle of the mission is watched for loss of signal."""
_DEVICES = {str(device): device for device in Device}


@dataclass
class DeviceLiveness:
    """One vehicle as heard on the bus. Times are mission seconds unless named ``_wall``."""

    heard: float | None = None
    """When any message of it last arrived."""
    heard_wall: float | None = None
    heartbeat: float | None = None
    """When its last heartbeat (agent health) arrived."""
    presence: PresenceState | None = None
    presence_seq: int = -1
    presence_since: float | None = None
    """When we learnt the current presence state."""
    spoke: bool = False
    """It sent something of the current mission."""
    first_sample: float | None = None
    newest_sample: float | None = None
    """Its own timestamp of the first and the newest sample of the current mission it sent."""
    phase: FlightPhase | None = None
    """The phase of that newest sample."""
    retired: EventType | None = None
    """The event by which it said it flies no more, this mission."""

    def new_mission(self) -> None:
        self.spoke = False
        self.first_sample = self.newest_sample = None
        self.phase = None
        self.retired = None


@dataclass
class Loopback:
    """The calculator's own heartbeat, through the broker and back."""

    watched: bool = False
    """Someone reports the bus's state: an evaluator fed only from the store judges no liveness."""
    connected: bool = False
    changed: float | None = None
    """When the connection last went up or down."""
    echo_sent: float | None = None
    """Send time of the newest own heartbeat heard back."""
    fresh_since: float | None = None
    """Arrival of the first echo of the current unbroken run of echoes."""
    backlog: int = 0
    """Deliveries waiting in our own queue when last reported."""
    rejoined: bool = False
    """The current run of echoes began after our connection dropped: the broker or the link
    went down, and the vehicles' agents may still be backing off before they reconnect."""
    dropped: bool = False
    """The connection dropped since the current run of echoes began."""

    def fresh(self, now: float, threshold: float) -> bool:
        """The bus carries our messages right now."""
        return (
            self.watched
            and self.connected
            and self.echo_sent is not None
            and now - self.echo_sent <= threshold
        )

    def settled(self, now: float, threshold: float, reconnect_grace: float = 0.0) -> bool:
        """Fresh for at least ``threshold`` (plus ``reconnect_grace`` after our connection
        dropped): a vehicle silent only because the bus was stale has had time to speak again."""
        need = threshold + (reconnect_grace if self.rejoined else 0.0)
        return (
            self.fresh(now, threshold)
            and self.fresh_since is not None
            and now - self.fresh_since >= need
        )


@dataclass(frozen=True)
class RecorderHealth:
    """A ground recorder's last heartbeat, and when it arrived."""

    heard: float
    message: ServiceHealth


@dataclass
class Liveness:
    """The bus's word on the current mission, its vehicles and our own view of them."""

    threshold: float
    """Seconds of silence that make a view stale (the loss-of-signal threshold)."""
    own_name: str = Service.CALCULATOR
    mission_id: str | None = None
    mission_state: MissionState | None = None
    devices: dict[Device, DeviceLiveness] = field(
        default_factory=lambda: {device: DeviceLiveness() for device in Device}
    )
    loopback: Loopback = field(default_factory=Loopback)
    recorders: dict[str, RecorderHealth] = field(default_factory=dict)

    @property
    def mission_over(self) -> bool:
        return self.mission_state in ENDED

    def follow_mission(self, mission_id: str, state: MissionState | None = None) -> None:
        """The mission Command says is current; a new one forgets what the vehicles said."""
        if mission_id != self.mission_id:
            self.mission_id = mission_id
            for device in self.devices.values():
                device.new_mission()
        self.mission_state = state

    def connection(self, connected: bool, at: float, backlog: int = 0) -> None:
        """The bus's connection state, as the service sees it now."""
        loop = self.loopback
        if loop.connected and not connected:
            loop.dropped = True  # not before our first connection: the vehicles were not cut
        loop.watched = True
        loop.backlog = backlog
        if connected != loop.connected:
            loop.connected = connected
            loop.changed = at
        if not connected:
            loop.fresh_since = None

    def hear(self, message: Message, at: float, wall: float) -> None:
        """A message decoded from the bus (its origin checked), arrived at mission time ``at``."""
        if isinstance(message, MissionStatus):
            self.follow_mission(message.mission_id, message.state)
        elif isinstance(message, ServiceHealth):
            if message.source == self.own_name:
                self._echo(message.ts, at)
            else:
                self.recorders[message.source] = RecorderHealth(at, message)
        elif isinstance(message, DevicePresence):
            self._presence(message, at)
        elif (device := _DEVICES.get(message.source)) is not None:
            self._vehicle(device, message, at, wall)

    def _echo(self, sent: float, at: float) -> None:
        loop = self.loopback
        broken = (
            loop.fresh_since is None
            or loop.echo_sent is None
            or at - loop.echo_sent > self.threshold
        )
        if broken:
            loop.fresh_since = at
            loop.rejoined, loop.dropped = loop.dropped, False
        loop.echo_sent = sent if loop.echo_sent is None else max(loop.echo_sent, sent)

    def _presence(self, message: DevicePresence, at: float) -> None:
        device = _DEVICES.get(message.source)
        if device is None:
            return
        state = self.devices[device]
        if message.seq < state.presence_seq:
            return  # an earlier connection's word, arrived late
        state.presence_seq = message.seq
        if message.state is not state.presence:
            state.presence = message.state
            state.presence_since = at

    def _vehicle(self, device: Device, message: Message, at: float, wall: float) -> None:
        state = self.devices[device]
        state.heard, state.heard_wall = at, wall
        if isinstance(message, DeviceHealth):
            state.heartbeat = at
        if getattr(message, "mission_id", None) != self.mission_id:
            return
        state.spoke = True
        if isinstance(message, DeviceTelemetry | AstronautVitals):
            if state.first_sample is None:
                state.first_sample = message.ts
            if state.newest_sample is None or message.ts >= state.newest_sample:
                state.newest_sample = message.ts
                state.phase = message.phase
        elif (
            isinstance(message, MissionEvent)
            and message.event in RETIRING_EVENTS
            and may_report(message.source, message.event)
        ):
            state.retired = message.event
