"""A board numbers every frame it produces, read or not; the agent's gaps count exactly the lost."""

from __future__ import annotations

from edge.runtime.numbering import FrameNumbering
from firmware_sim.boards.board import SensorBoard
from firmware_sim.physics import World
from firmware_sim.vehicles import Vehicle
from marsy.protocol import CommandAction, Device, EventType, FlightPhase
from marsy.protocol.framing import CommandFrame, EventFrame, Frame, TelemetryFrame, encode, parse

T0 = 1_800_000_000.0


def frames_of(world: World, board: SensorBoard, seconds: float) -> list[Frame]:
    frames: list[Frame] = []
    for _ in range(round(seconds / 0.1)):
        world.step(0.1)
        frames += parse(board.poll()).frames
    return frames


def test_the_gaps_in_the_board_numbers_are_the_frames_nobody_read(marsy: Vehicle) -> None:
    world = World(marsy, seed=3)
    board = SensorBoard(Device.ROCKET, world, time_origin=T0)
    numbering = FrameNumbering()

    read = frames_of(world, board, 2.0)
    status = CommandFrame(Device.ROCKET, 1, T0, CommandAction.STATUS, token=42)
    board.feed(encode(status))
    read += frames_of(world, board, 1.0)
    lost = frames_of(world, board, 3.0)  # the line was full: produced, numbered, never read
    board.feed(encode(status))  # a retransmission: the ack is answered again, first number kept
    read += frames_of(world, board, 2.0)

    assert [f.seq for f in lost] == list(range(lost[0].seq, lost[-1].seq + 1))
    numbers = {f.seq for f in read}
    assert len(numbers) + len(lost) == max(numbers) + 1  # every number taken once, from 0
    assert len(read) == len(numbers) + 1  # the replayed ack
    assert sum(numbering.observe(f) for f in read) == len(lost)


def sample(seq: int) -> TelemetryFrame:
    return TelemetryFrame(Device.ROCKET, seq, T0, FlightPhase.PAD, {})


def test_repeated_events_cost_nothing_and_a_reboot_counts_from_zero_again() -> None:
    numbering = FrameNumbering()
    event = EventFrame(Device.ROCKET, 5, T0, EventType.LIFTOFF)
    frames: list[Frame] = [sample(3), sample(4), event, event, event, sample(6)]
    assert [numbering.observe(f) for f in frames] == [0, 0, 0, 0, 0, 0]
    assert numbering.observe(event) == 0  # a late copy lies behind: no loss, no new count
    assert numbering.observe(sample(9)) == 2
    assert numbering.observe(sample(2)) == 2  # rebooted: numbers 0 and 1 never arrived
    wrapping = FrameNumbering()
    assert wrapping.observe(sample(2**32 - 2)) == 0
    assert wrapping.observe(sample(1)) == 2  # the numbers wrap: 2**32 - 1 and 0 never arrived
