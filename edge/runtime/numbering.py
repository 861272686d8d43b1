"""The board's frame numbers, read for what never arrived: losses before the agent numbers.

A board numbers every frame it produces, whether anyone reads it or not (a full pty buffer, an
agent stopped or dead). So a jump in the numbers of the frames the agent did read is the count of
frames lost between the board and the reader: dropped by the line, damaged (also counted bad), or
never read. A repeated event copy or a replayed ack keeps its first number and is no loss; a
telemetry number going back means the board started counting again (a reboot, a new simulator),
and the frames it numbered before that new number are lost.
"""

from __future__ import annotations

from marsy.protocol.framing import Frame, TelemetryFrame

WRAP = 2**32
REPLAY_WINDOW = 4096
"""How far back a repeated or replayed frame's number may lie; further back is a new count."""


class FrameNumbering:
    """The last number read from one board, and the gaps after it."""

    def __init__(self) -> None:
        self.last: int | None = None

    def observe(self, frame: Frame) -> int:
        """How many numbers ``frame`` shows were skipped since the last one read."""
        seq = frame.seq % WRAP
        if self.last is None:
            self.last = seq
            return 0
        ahead = (seq - self.last) % WRAP
        if ahead == 0:
            return 0  # a repeat of the last frame
        if ahead < WRAP // 2:
            self.last = seq
            return ahead - 1
        behind = WRAP - ahead
        if behind <= REPLAY_WINDOW and not isinstance(frame, TelemetryFrame):
            return 0  # an event repeated or an ack replayed: numbered when first sent
        self.last = seq  # the board counts from zero again
        return seq
