"""Command's own device orders on an abort: eject the crew, then, for a flight termination,
self-destruct the rocket.

Each order goes into the mission log with a fresh random command id *before* it is sent
(:class:`~ground.command.picture.Kind` ``order``), and is sent again under that id until the
device answers, also by a Command restarted in between: the device answers a repeated id from
its journal, it never acts twice. An order the device answered is never sent again.
"""

from __future__ import annotations

import logging
import threading

from ground.command.flight_rules import FlightAction
from ground.command.mission_log import MissionLog
from ground.command.picture import Kind, Picture
from ground.devices import NoAnswer, new_command_id
from marsy.protocol import CommandAction, Device, EventType

logger = logging.getLogger(__name__)

CREW_OUT = ((Device.SUIT, CommandAction.EJECT),)
ORDERS: dict[FlightAction, tuple[tuple[Device, CommandAction], ...]] = {
    FlightAction.CREW_ABORT: CREW_OUT,
    # the crew first: the rocket must not be destroyed with them aboard
    FlightAction.FLIGHT_TERMINATION: (*CREW_OUT, (Device.ROCKET, CommandAction.DESTRUCT)),
}


class AbortOrders:
    def __init__(self, log: MissionLog, timeout: float = 10.0) -> None:
        """``timeout``: wall seconds each order waits for its answer (a vehicle breaking up
        may never give one)."""
        self.log = log
        self.bus = log.bus
        self.timeout = timeout
        self._one_at_a_time = threading.Lock()

    def due(self, picture: Picture) -> list[tuple[Device, CommandAction]]:
        """The orders the decided action calls for that no device has answered yet."""
        return [
            (device, action)
            for device, action in ORDERS.get(picture.taken, ())
            if action not in picture.settled
        ]

    def start(self, picture: Picture) -> None:
        """Send what is due in the background (the bus loop must go on reading)."""
        threading.Thread(
            target=self.send, args=(picture,), name="command-abort-orders", daemon=True
        ).start()

    def send(self, picture: Picture) -> None:
        """Send each due order in turn until answered or timed out; one run at a time, so an
        escalation (crew abort, then termination) waits for the eject already under way."""
        with self._one_at_a_time:
            terminating = picture.taken is FlightAction.FLIGHT_TERMINATION
            for device, action in self.due(picture):
                self._order(picture, device, action)
            if terminating:
                self.bus.event(EventType.SELF_DESTRUCT, "self-destruct ordered", picture.mission_id)

    def _order(self, picture: Picture, device: Device, action: CommandAction) -> None:
        mid = picture.mission_id
        command_id = picture.orders.get(action)
        if command_id is None:
            command_id = new_command_id(f"command-{action}")
            picture.take(
                self.log.record(
                    mid,
                    Kind.ORDER,
                    "command",
                    f"{action} -> {device} [{command_id}]",
                    {"command_id": command_id, "device": device, "action": action},
                )
            )
        try:
            ack = self.bus.commander.request(
                mid, device, action, command_id=command_id, timeout=self.timeout
            )
        except NoAnswer:
            answered, detail = False, "no answer (the vehicle may be lost)"
        else:
            answered, detail = True, "acked" if ack.accepted else f"refused: {ack.reason}"
        logger.warning("%s order [%s]: %s", action, command_id, detail)
        picture.take(
            self.log.decision(
                mid,
                f"{action} order",
                True,
                detail,
                order_action=action,
                command_id=command_id,
                answered=answered,
            )
        )
