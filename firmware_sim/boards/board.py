"""A sensor board: samples the world for one device and speaks the serial frame format.

Pure: bytes in (:meth:`SensorBoard.feed`), bytes out (:meth:`SensorBoard.poll`); the runner owns
the serial ports. Commands execute on the world and are answered with an ack or a nack with the
reason; a command token seen before is answered again without executing twice (a retransmission
after a garbled ack must not fire a second separation). Every frame produced takes the board's
next frame number, read or not: the runner polls the board whether the line has room or not, so
the agent finds what it never got in the gaps.
"""

from __future__ import annotations

import random
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from firmware_sim.boards.sensors import measure
from firmware_sim.physics.events import WorldEvent
from firmware_sim.physics.world import CommandResult, World
from firmware_sim.scenario import (
    BoardFault,
    BoardReboot,
    LineCorruption,
    NoiseBurst,
    PadReading,
    SensorDropout,
    StuckSensor,
)
from marsy.protocol import CommandAction, Device, parameters_of
from marsy.protocol.framing import (
    AckFrame,
    CommandFrame,
    EventFrame,
    Frame,
    TelemetryFrame,
    encode,
    parse,
)
from marsy.protocol.parameters import Value

_TOKEN_MEMORY = 256
EVENT_REPEATS = 3
F = TypeVar("F", bound=BoardFault)


@dataclass
class BoardStats:
    frames_sent: int = 0
    commands: int = 0
    repeated_commands: int = 0
    bad_frames_in: int = 0
    reboots: int = 0
    corrupted_bytes: int = 0


Action = Callable[[float], CommandResult]


def _world_actions(world: World, device: Device) -> dict[CommandAction, Action]:
    if device is Device.ROCKET:
        return {
            CommandAction.IGNITE: lambda _: world.ignite(),
            CommandAction.THROTTLE: world.set_throttle,
            CommandAction.SEPARATE: lambda _: world.separate(),
            CommandAction.DETACH: lambda _: world.detach(),
            CommandAction.DESTRUCT: lambda _: world.destruct(),
        }
    if device is Device.SUIT:
        return {CommandAction.EJECT: lambda _: world.eject()}
    return {}


class SensorBoard:
    """The board of one device, sampling at ``rate_hz`` of world time."""

    def __init__(
        self,
        device: Device,
        world: World,
        *,
        time_origin: float,
        rate_hz: float = 10.0,
        seed: int = 0,
        faults: Sequence[BoardFault] = (),
    ) -> None:
        if not 0.1 <= rate_hz <= 100.0:
            raise ValueError("rate_hz must lie between 0.1 and 100")
        self.device = device
        self.world = world
        self.time_origin = time_origin
        self.period = 1.0 / rate_hz
        self.faults = list(faults)
        self.stats = BoardStats()
        self._rng = random.Random(f"{seed}:{device}")
        self._params = parameters_of(device)
        self._actions = _world_actions(world, device)
        self._next_sample = world.t
        self._seq = 0
        self._inbox = b""
        self._out = bytearray()
        self._answered: OrderedDict[int, AckFrame] = OrderedDict()
        self._stuck: dict[str, Value] = {}
        self._rebooting = False

    # --- time and faults ---------------------------------------------------------------------

    def _now(self) -> float:
        return self.time_origin + self.world.physics_t

    def _t_plus(self) -> float | None:
        liftoff = self.world.liftoff_time
        return None if liftoff is None else self.world.physics_t - liftoff

    def _active(self, kind: type[F]) -> list[F]:
        t_plus = self._t_plus()
        return [f for f in self.faults if isinstance(f, kind) and f.active(t_plus)]

    @property
    def numbered(self) -> int:
        """Frame numbers taken since the board (re)booted: the next frame's number."""
        return self._seq

    def _next_seq(self) -> int:
        seq = self._seq
        self._seq = (self._seq + 1) % 2**32
        return seq

    def _send(self, frame: Frame) -> None:
        self._out += encode(frame)
        self.stats.frames_sent += 1

    # --- the world's side ---------------------------------------------------------------------

    def on_event(self, event: WorldEvent) -> None:
        """Report a world event that concerns this board's device.

        Events happen once, so each frame goes out ``EVENT_REPEATS`` times with the same
        sequence number: a burst of line noise must not swallow "explosion imminent". The
        agent keeps the first copy that arrives intact.
        """
        if event.device is self.device and not self._rebooting:
            detail = event.detail.encode("ascii", "replace").decode()
            frame = EventFrame(self.device, self._next_seq(), self._now(), event.event, detail)
            for _ in range(EVENT_REPEATS):
                self._send(frame)

    def poll(self) -> bytes:
        """Bytes the board puts on the line now: due samples, events and acks."""
        rebooting = bool(self._active(BoardReboot))
        if rebooting and not self._rebooting:
            self.stats.reboots += 1
            self._out.clear()
            self._answered.clear()
        if self._rebooting and not rebooting:
            self._seq = 0  # the board came back from a reboot with a fresh counter
        self._rebooting = rebooting
        if rebooting:
            self._next_sample = self.world.t + self.period
            return b""
        if self.world.t + 1e-9 >= self._next_sample:
            self._next_sample += self.period * max(
                1, int((self.world.t - self._next_sample) / self.period) + 1
            )
            self._sample()
        out = bytes(self._out)
        self._out.clear()
        corruption = self._active(LineCorruption)
        if corruption and out:
            out = self._corrupt(out, max(f.rate for f in corruption))
        return out

    def _sample(self) -> None:
        if not self.world.active(self.device):
            return
        dropouts = self._active(SensorDropout)
        if any(f.parameter is None for f in dropouts):
            return
        missing = {f.parameter for f in dropouts}
        stuck = {f.parameter for f in self._active(StuckSensor)}
        noise = max([f.factor for f in self._active(NoiseBurst)] or [1.0])
        truth = self.world.truth(self.device)
        values: dict[str, Value] = {}
        for param in self._params:
            if param.name in missing:
                continue
            if param.name in stuck and param.name in self._stuck:
                values[param.name] = self._stuck[param.name]
                continue
            values[param.name] = measure(param, truth[param.name], self._rng, noise)
        self._stuck = {name: values[name] for name in stuck if name in values} | {
            name: value for name, value in self._stuck.items() if name in stuck
        }
        for reading in self._active(PadReading):
            values[reading.parameter] = reading.value
        phase = self.world.phase(self.device)
        self._send(TelemetryFrame(self.device, self._next_seq(), self._now(), phase, values))

    def _corrupt(self, data: bytes, rate: float) -> bytes:
        garbled = bytearray(data)
        for i in range(len(garbled)):
            if self._rng.random() < rate:
                garbled[i] ^= self._rng.randrange(1, 256)
                self.stats.corrupted_bytes += 1
        return bytes(garbled)

    # --- the agent's side ---------------------------------------------------------------------

    def feed(self, data: bytes) -> None:
        """Bytes from the agent: commands are executed and answered."""
        if self._rebooting:
            return
        result = parse(self._inbox + data)
        self._inbox = result.rest
        self.stats.bad_frames_in += result.bad_frames
        for frame in result.frames:
            if isinstance(frame, CommandFrame):
                self._command(frame)

    def _command(self, frame: CommandFrame) -> None:
        previous = self._answered.get(frame.token)
        if previous is not None:
            self.stats.repeated_commands += 1
            self._send(previous)
            return
        self.stats.commands += 1
        accepted, reason = self._execute(frame)
        ack = AckFrame(
            self.device, self._next_seq(), self._now(), frame.token, frame.action, accepted, reason
        )
        self._answered[frame.token] = ack
        while len(self._answered) > _TOKEN_MEMORY:
            self._answered.popitem(last=False)
        self._send(ack)

    def _execute(self, frame: CommandFrame) -> tuple[bool, str]:
        if frame.device is not self.device:
            return False, f"this is the {self.device} board, not the {frame.device} one"
        if frame.action is CommandAction.STATUS:
            phase = self.world.phase(self.device)
            return True, f"board ok; phase {phase}"
        action = self._actions.get(frame.action)
        if action is None:
            return False, f"the {self.device} board cannot {frame.action}"
        result = action(frame.level)
        return result.accepted, result.reason
