"""The command handler: a command for this device → checks → board → acknowledgement.

A new command is judged first on its time and mission (:mod:`edge.runtime.checks`), then on the
device's phase rules (its behaviour), answered by the behaviour itself or else by the board, and
its acknowledgement queued and journalled in one transaction. A command id seen before is answered
again from the journal, never executed twice (the board's token is derived from the id too).
"""

from __future__ import annotations

import logging

from edge.runtime.behaviour import Behaviour
from edge.runtime.board import Board
from edge.runtime.checks import mission_refusal, timing_refusal
from edge.runtime.memory import FlightMemory
from edge.runtime.outbox import Outbox
from edge.runtime.publisher import Publisher
from edge.runtime.stats import AgentStats
from marsy.clock import MissionClock
from marsy.protocol import CommandAck, DeviceCommand, LogLevel

logger = logging.getLogger(__name__)


class CommandHandler:
    """Answers every command for one device exactly once."""

    def __init__(
        self,
        behaviour: Behaviour,
        memory: FlightMemory,
        board: Board,
        publisher: Publisher,
        journal: Outbox,
        stats: AgentStats,
        clock: MissionClock,
        *,
        ttl: float,
    ) -> None:
        self.behaviour = behaviour
        self.memory = memory
        self.board = board
        self.publisher = publisher
        self.journal = journal
        self.stats = stats
        self.clock = clock
        self.ttl = ttl

    def handle(self, command: DeviceCommand) -> None:
        """Act on ``command`` (or not) and queue its acknowledgement."""
        self.stats.commands += 1
        previous = self.journal.answer_to(command.command_id)
        if previous is not None:
            self.stats.repeated_commands += 1
            self.journal.requeue(*previous)
            return
        reason = self.refusal(command)
        local = self.behaviour.answer(command, self.memory.state) if reason is None else None
        if local is not None:
            accepted, reason = True, local
        elif reason is None:
            answer = self.board.call(command.action, command.level or 0.0, command.command_id)
            accepted = answer is not None and answer.accepted
            reason = (answer.reason if answer is not None else "the board did not answer") or None
        else:
            accepted = False
            self.stats.refused_commands += 1
            logger.info(
                "%s: %s [%s] from %s refused: %s",
                self.behaviour.device,
                command.action,
                command.command_id,
                command.source,
                reason,
            )
        if not accepted and not reason:
            reason = "refused by the board"
        self.publisher.publish(
            CommandAck,
            answers=command.command_id,
            mission_id=command.mission_id,
            command_id=command.command_id,
            device=self.behaviour.device,
            action=command.action,
            accepted=accepted,
            reason=reason,
        )

    def refusal(self, command: DeviceCommand) -> str | None:
        """Why not to act on ``command``: out of time (stale, or stamped ahead of this clock),
        for another mission, or not allowed in the device's phase; ``None`` to act on it."""
        guard = timing_refusal(command, self.clock.now(), self.ttl)
        guard = guard or mission_refusal(command, self.memory.mission_id)
        if guard is not None:
            self.publisher.log(
                LogLevel.WARNING, f"{command.action} [{command.command_id}] refused: {guard}"
            )
            return guard
        return self.behaviour.refuse(command, self.memory.state)
