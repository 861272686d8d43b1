"""The onboard agent: serial in, QoS-1 MQTT out, acknowledged commands, store-and-forward.

Four threads, each with one job:

- reader: frames from the board → contract messages → outbox (telemetry, events, board acks);
- forwarder (:mod:`edge.runtime.forwarder`): outbox → broker, in order, keeping what the broker
  acknowledged until it must have saved it, and publishing that again after every reconnect;
- inbox: deliveries from the broker (commands, mission status, subscribed topics), each MQTT-acked
  only once handled and its answer is in the outbox;
- heartbeat: a health message every ``heartbeat_interval`` seconds.

A command id seen before is answered again from the journal, never executed twice; the token sent
to the board is derived from the command id, so the board too recognises a repeat.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import zlib
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from edge.runtime.behaviour import Behaviour, FlightState
from edge.runtime.checks import mission_refusal, timing_refusal
from edge.runtime.forwarder import Forwarder
from edge.runtime.outbox import Outbox
from edge.runtime.serial_link import SerialLink
from marsy.clock import MissionClock
from marsy.mqtt import Delivery, MqttBus
from marsy.protocol import (
    CommandAck,
    CommandAction,
    ContractError,
    Device,
    DeviceCommand,
    DeviceHealth,
    EventType,
    LogLevel,
    LogRecord,
    MissionEvent,
    MissionStatus,
    decode_delivery,
    encode_message,
    measurement,
)
from marsy.protocol.commanding import STANDBY
from marsy.protocol.framing import AckFrame, CommandFrame, EventFrame, Frame, TelemetryFrame
from marsy.settings import EdgeSettings

logger = logging.getLogger(__name__)


@dataclass
class AgentStats:
    telemetry: int = 0
    invalid_frames: int = 0
    commands: int = 0
    repeated_commands: int = 0
    refused_commands: int = 0
    malformed_messages: int = 0


@dataclass
class _BoardCall:
    done: threading.Event
    answer: AckFrame | None = None


def board_token(command_id: str) -> int:
    """The 32-bit token the board sees for a command id: the same id, the same token."""
    return zlib.crc32(command_id.encode())


class Agent:
    """One device's agent; :meth:`run` until ``stop`` is set."""

    def __init__(
        self,
        settings: EdgeSettings,
        behaviour: Behaviour,
        *,
        link: SerialLink | None = None,
        bus: MqttBus | None = None,
        clock: MissionClock | None = None,
    ) -> None:
        self.settings = settings
        self.device: Device = settings.device
        self.behaviour = behaviour
        self.clock = clock or settings.clock.clock()
        self.link = link or SerialLink(settings.serial_url, baudrate=settings.baudrate)
        self.bus = bus or MqttBus(settings.mqtt, presence=str(self.device), clock=self.clock)
        self.topics = self.bus.topics
        settings.state_dir.mkdir(parents=True, exist_ok=True)
        self.outbox = Outbox(
            settings.state_dir / f"{self.device}-outbox.db", capacity=settings.outbox_capacity
        )
        self.forwarder = Forwarder(
            self.outbox, self.bus, replay_window=settings.replay_window, name=str(self.device)
        )
        self.state = FlightState()
        # A restarted agent carries on with the mission it flew: its first samples must not
        # wait for (or miss) the retained mission status.
        self.mission_id = self.outbox.meta("mission") or STANDBY
        self.state.events = {EventType(e) for e in json.loads(self.outbox.meta("events") or "[]")}
        self.stats = AgentStats()
        self._started = time.monotonic()
        self._calls: dict[int, _BoardCall] = {}
        self._calls_lock = threading.Lock()
        self._stop = threading.Event()
        self._reader_done = threading.Event()
        self._last_board_frame = 0.0
        self._seen_events: deque[tuple[int, EventType]] = deque(maxlen=64)

    # --- lifecycle ----------------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Start everything, wait for ``stop``, then flush and shut down cleanly."""
        self.bus.subscribe(self.topics.command(self.device))
        self.bus.subscribe(self.topics.mission_status)
        for topic in self.behaviour.subscriptions(self.topics):
            self.bus.subscribe(topic)
        self.bus.start(wait=None)
        threads = [
            threading.Thread(target=self._guard(self._read_loop), name="reader", daemon=True),
            threading.Thread(target=self._guard(self._inbox_loop), name="inbox", daemon=True),
            threading.Thread(target=self._guard(self._heartbeat_loop), name="health", daemon=True),
        ]
        forwarder = threading.Thread(
            target=self._guard(self._forward_loop), name="forwarder", daemon=True
        )
        for thread in [*threads, forwarder]:
            thread.start()
        logger.info("%s agent up: board %s", self.device, self.settings.serial_url)
        stop.wait()
        logger.info("%s agent stopping", self.device)
        self._stop.set()
        for thread in threads:
            thread.join(timeout=5)
        self.outbox.wake()
        forwarder.join(timeout=5)
        self.bus.stop()
        self.link.close()
        self.outbox.close()

    def _guard(self, loop: Callable[[], None]) -> Callable[[], None]:
        """A loop that dies of a bug restarts after a pause instead of silencing the agent."""

        def run() -> None:
            while not self._stop.is_set():
                try:
                    loop()
                    return
                except Exception:
                    logger.exception("%s: %s failed; restarting it", self.device, loop.__name__)
                    self._stop.wait(1.0)

        return run

    # --- publishing (through the outbox) -----------------------------------------------------

    def _queue(
        self,
        stream: str,
        mission_id: str,
        make: Callable[[int], Iterable[BaseModel]],
        *,
        answers: str | None = None,
    ) -> None:
        """Queue what ``make(first_seq)`` builds, numbered in ``stream`` of ``mission_id`` (each
        mission's streams count from 0): every message made must be of that mission."""

        def build_rows(first_seq: int) -> list[tuple[str, bytes, bool]]:
            rows = []
            for message in make(first_seq):
                rows.append(
                    (
                        self.topics.for_message(message),
                        encode_message(message),
                        self.topics.is_retained(message),
                    )
                )
            return rows

        self.outbox.append(stream, build_rows, mission=mission_id, answers=answers)

    def _publish(
        self, stream: str, model: type[BaseModel], *, answers: str | None = None, **fields: Any
    ) -> None:
        """Queue one message of ``model`` with this agent's envelope around ``fields``."""
        mission_id = fields.pop("mission_id", self.mission_id)
        self._queue(
            stream,
            mission_id,
            lambda seq: [
                model(
                    mission_id=mission_id,
                    source=str(self.device),
                    seq=seq,
                    ts=self.clock.now(),
                    **fields,
                )
            ],
            answers=answers,
        )

    def publish_event(self, event: EventType, detail: str = "") -> None:
        self._publish("events", MissionEvent, event=event, device=self.device, detail=detail[:2000])

    def log(self, level: LogLevel, message: str) -> None:
        logger.log(logging.getLevelName(level.upper()), "%s", message)
        self._publish("logs", LogRecord, level=level, message=message[:2000])

    # --- reader: board → outbox ---------------------------------------------------------------

    def _read_loop(self) -> None:
        while not self._stop.is_set():
            frames = self.link.read(timeout=0.2)
            if frames:
                self._last_board_frame = time.monotonic()
                self._handle_frames(frames)

    def _handle_frames(self, frames: list[Frame]) -> None:
        telemetry = [f for f in frames if isinstance(f, TelemetryFrame) and f.device is self.device]
        for frame in frames:
            if isinstance(frame, AckFrame):
                self._resolve(frame)
            elif isinstance(frame, EventFrame) and frame.device is self.device:
                if (frame.seq, frame.event) in self._seen_events:
                    continue  # boards repeat event frames; the first intact copy counts
                self._seen_events.append((frame.seq, frame.event))
                self.state.events.add(frame.event)
                self.state.event_times.setdefault(frame.event, frame.time)
                # what the phase checks rely on (staged? detached?) survives a restart
                self.outbox.set_meta("events", json.dumps(sorted(self.state.events)))
                self.behaviour.on_board_event(self, frame)
                self.publish_event(frame.event, frame.detail)
        if telemetry:
            mission_id = self.mission_id  # once: the numbers and the messages must agree
            self._queue(
                "telemetry",
                mission_id,
                lambda seq: self._telemetry_messages(telemetry, mission_id, seq),
            )

    def _telemetry_messages(
        self, frames: list[TelemetryFrame], mission_id: str, seq: int
    ) -> list[BaseModel]:
        messages: list[BaseModel] = []
        for frame in frames:
            if not frame.values:
                continue
            try:
                message = measurement(
                    self.device,
                    astronaut=self.settings.astronaut,
                    mission_id=mission_id,
                    source=str(self.device),
                    seq=seq,
                    ts=frame.time,
                    phase=frame.phase,
                    values=dict(frame.values),
                )
            except ContractError as exc:
                self.stats.invalid_frames += 1
                logger.debug("frame refused by the contract: %s", exc)
                continue
            self.state.phase = frame.phase
            for name, value in frame.values.items():
                self.state.latest[name] = float(value)
                if float(value) > self.state.peaks.get(name, float("-inf")):
                    self.state.peaks[name] = float(value)
            messages.append(message)
            seq += 1
        self.stats.telemetry += len(messages)
        return messages

    def _forward_loop(self) -> None:
        self.forwarder.run(self._stop)

    # --- inbox: broker → commands --------------------------------------------------------------

    def _inbox_loop(self) -> None:
        while not self._stop.is_set():
            delivery = self.bus.receive(timeout=0.2)
            if delivery is not None:
                self._handle_delivery(delivery)
                self.bus.ack(delivery)

    def _handle_delivery(self, delivery: Delivery) -> None:
        try:
            message = decode_delivery(self.topics, delivery.topic, delivery.payload)
        except ContractError as exc:
            self.stats.malformed_messages += 1
            logger.warning("%s: malformed message on %s: %s", self.device, delivery.topic, exc)
            return
        if isinstance(message, MissionStatus):
            if message.mission_id != self.mission_id:
                logger.info("%s: mission %s", self.device, message.mission_id)
                self.mission_id = message.mission_id
                self.outbox.set_meta("mission", message.mission_id)
                self.outbox.set_meta("events", "[]")
                self.state = FlightState(phase=self.state.phase)
        elif isinstance(message, DeviceCommand) and message.device is self.device:
            self._handle_command(message)
        else:
            self.behaviour.on_message(self, message)

    def _handle_command(self, command: DeviceCommand) -> None:
        self.stats.commands += 1
        previous = self.outbox.answer_to(command.command_id)
        if previous is not None:
            self.stats.repeated_commands += 1
            self.outbox.requeue(*previous)
            return
        reason = self._refusal(command)
        local = self.behaviour.answer(command, self.state) if reason is None else None
        if local is not None:
            accepted, reason = True, local
        elif reason is None:
            answer = self.board_call(command.action, command.level or 0.0, command.command_id)
            accepted = answer is not None and answer.accepted
            reason = (answer.reason if answer is not None else "the board did not answer") or None
        else:
            accepted = False
            self.stats.refused_commands += 1
            logger.info(
                "%s: %s [%s] from %s refused: %s",
                self.device,
                command.action,
                command.command_id,
                command.source,
                reason,
            )
        if not accepted and not reason:
            reason = "refused by the board"
        self._publish(
            "acks",
            CommandAck,
            answers=command.command_id,
            mission_id=command.mission_id,
            command_id=command.command_id,
            device=self.device,
            action=command.action,
            accepted=accepted,
            reason=reason,
        )

    def _refusal(self, command: DeviceCommand) -> str | None:
        """Why not to act on ``command``: out of time (stale, or stamped ahead of this clock),
        for another mission, or not allowed in the device's phase; ``None`` to act on it."""
        guard = timing_refusal(command, self.clock.now(), self.settings.command_ttl)
        guard = guard or mission_refusal(command, self.mission_id)
        if guard is not None:
            self.log(LogLevel.WARNING, f"{command.action} [{command.command_id}] refused: {guard}")
            return guard
        return self.behaviour.refuse(command, self.state)

    def board_call(
        self, action: CommandAction, level: float = 0.0, command_id: str | None = None
    ) -> AckFrame | None:
        """Send a command to the board and wait for its answer, repeating it on a noisy line."""
        token = board_token(command_id) if command_id else board_token(f"{action}-{time.time_ns()}")
        call = _BoardCall(threading.Event())
        with self._calls_lock:
            self._calls[token] = call
        frame = CommandFrame(self.device, token, self.clock.now(), action, token, level)
        deadline = time.monotonic() + self.settings.command_timeout
        try:
            while not call.done.is_set() and time.monotonic() < deadline:
                self.link.send(frame)
                call.done.wait(min(0.25, max(0.0, deadline - time.monotonic())))
        finally:
            with self._calls_lock:
                self._calls.pop(token, None)
        return call.answer

    def _resolve(self, frame: AckFrame) -> None:
        with self._calls_lock:
            call = self._calls.get(frame.token)
        if call is not None:
            call.answer = frame
            call.done.set()

    # --- heartbeat ----------------------------------------------------------------------------

    def _heartbeat_loop(self) -> None:
        while not self._stop.wait(self.settings.heartbeat_interval):
            self.publish_health()

    def publish_health(self) -> None:
        link = self.link.stats
        online = time.monotonic() - self._last_board_frame < 3 * self.settings.heartbeat_interval
        self._publish(
            "health",
            DeviceHealth,
            device=self.device,
            uptime=time.monotonic() - self._started,
            frames_ok=link.frames,
            frames_bad=link.bad_frames + self.stats.invalid_frames,
            queue_depth=self.outbox.depth(),  # read here: the builder runs under the outbox lock
            dropped=self.outbox.dropped(),
            reconnects=max(0, self.bus.stats.connects - 1),
            board_online=online,
        )
