"""Sensor boards: frames from the world, commands answered once, faults from the scenario."""

from __future__ import annotations

from pathlib import Path

import pytest

from firmware_sim.boards.board import EVENT_REPEATS, SensorBoard
from firmware_sim.physics import Autopilot, World
from firmware_sim.scenario import (
    BoardReboot,
    LineCorruption,
    NoiseBurst,
    PadReading,
    SensorDropout,
    StuckSensor,
)
from firmware_sim.vehicles import Vehicle
from marsy.protocol import (
    CommandAction,
    Device,
    EventType,
    FlightPhase,
    parameter,
    parameters_of,
)
from marsy.protocol.framing import (
    AckFrame,
    CommandFrame,
    EventFrame,
    Frame,
    TelemetryFrame,
    encode,
    parse,
)

T0 = 1_800_000_000.0


def step(world: World, boards: list[SensorBoard], seconds: float) -> list[Frame]:
    frames: list[Frame] = []
    for _ in range(round(seconds / 0.1)):
        world.step(0.1)
        for event in world.pop_events():
            for board in boards:
                board.on_event(event)
        for board in boards:
            frames += parse(board.poll()).frames
    return frames


def telemetry(frames: list[Frame]) -> list[TelemetryFrame]:
    return [f for f in frames if isinstance(f, TelemetryFrame)]


def test_a_board_samples_its_device_at_its_rate(marsy: Vehicle) -> None:
    world = World(marsy, seed=2)
    board = SensorBoard(Device.ROCKET, world, time_origin=T0, rate_hz=10.0)
    frames = telemetry(step(world, [board], 5.0))
    assert len(frames) == 50
    assert [f.seq for f in frames] == list(range(50))
    assert frames[-1].time == pytest.approx(T0 + 5.0)
    assert all(f.phase is FlightPhase.PAD for f in frames)
    assert set(frames[0].values) == {p.name for p in parameters_of(Device.ROCKET)}


def test_readings_are_noisy_quantised_and_in_range(marsy: Vehicle) -> None:
    world = World(marsy, seed=2, autopilot=Autopilot())
    board = SensorBoard(Device.ROCKET, world, time_origin=T0)
    frames = telemetry(step(world, [board], 60.0))
    altitude = parameter(Device.ROCKET, "altitude")
    readings = [f.values["altitude"] for f in frames if f.phase is not FlightPhase.PAD]
    assert readings and readings[-1] > 1000
    for value in readings:
        quantised = round(value / altitude.resolution) * altitude.resolution
        assert abs(value - quantised) <= abs(value) * 1e-6  # float32 on the wire
    engines = {f.values["engines_running"] for f in frames}
    assert all(isinstance(n, int) for n in engines) and max(engines) > 0  # counts, exact


def test_booster_and_satellite_boards_stay_quiet_until_their_body_exists(marsy: Vehicle) -> None:
    world = World(marsy, seed=2, autopilot=Autopilot())
    boards = [SensorBoard(d, world, time_origin=T0) for d in Device]
    frames = telemetry(step(world, boards, 60.0))
    assert {f.device for f in frames} == {Device.ROCKET, Device.SUIT}


def test_commands_execute_once_and_are_answered(marsy: Vehicle) -> None:
    world = World(marsy, seed=2)
    board = SensorBoard(Device.ROCKET, world, time_origin=T0)
    ignite = CommandFrame(Device.ROCKET, 1, T0, CommandAction.IGNITE, token=42)
    board.feed(encode(ignite))
    board.feed(encode(ignite))  # the agent repeated it: the ack was lost on the line
    board.feed(encode(CommandFrame(Device.ROCKET, 2, T0, CommandAction.DETACH, token=43)))
    board.feed(encode(CommandFrame(Device.ROCKET, 3, T0, CommandAction.EJECT, token=44)))
    acks = [f for f in parse(board.poll()).frames if isinstance(f, AckFrame)]
    assert [(a.token, a.accepted) for a in acks] == [
        (42, True),
        (42, True),
        (43, False),
        (44, False),
    ]
    assert acks[0] == acks[1]
    assert board.stats.commands == 3 and board.stats.repeated_commands == 1
    assert "cannot eject" in acks[3].reason
    frames = step(world, [board], 2.0)
    assert any(isinstance(f, EventFrame) and f.event is EventType.LIFTOFF for f in frames)


def test_event_frames_are_repeated_with_one_sequence_number(marsy: Vehicle) -> None:
    world = World(marsy, seed=2)
    board = SensorBoard(Device.ROCKET, world, time_origin=T0)
    board.feed(encode(CommandFrame(Device.ROCKET, 1, T0, CommandAction.IGNITE, token=1)))
    liftoffs = [
        f
        for f in step(world, [board], 2.0)
        if isinstance(f, EventFrame) and f.event is EventType.LIFTOFF
    ]
    assert len(liftoffs) == EVENT_REPEATS
    assert len({f.seq for f in liftoffs}) == 1


def test_the_booster_board_says_each_burn_home_on_the_line(falcon9: Vehicle) -> None:
    """Boostback, entry and landing burns travel as booster events, as its landing does."""
    world = World(falcon9, seed=2, autopilot=Autopilot())
    board = SensorBoard(Device.BOOSTER, world, time_origin=T0)
    said: list[EventFrame] = []
    while world.t < 700.0 and EventType.BOOSTER_LANDED not in {f.event for f in said}:
        world.step(1.0)
        for event in world.pop_events():
            board.on_event(event)
        said += [f for f in parse(board.poll()).frames if isinstance(f, EventFrame)]
    kinds = list(dict.fromkeys(f.event for f in said))
    assert kinds == [
        EventType.BOOSTBACK_BURN,
        EventType.ENTRY_BURN,
        EventType.LANDING_BURN,
        EventType.BOOSTER_LANDED,
    ]
    assert all(f.device is Device.BOOSTER for f in said)
    entry = next(f for f in said if f.event is EventType.ENTRY_BURN)
    assert "3 engines" in entry.detail


def flying(marsy: Vehicle, device: Device, *faults: object) -> tuple[World, SensorBoard]:
    world = World(marsy, seed=2, autopilot=Autopilot())
    board = SensorBoard(device, world, time_origin=T0, faults=faults)  # type: ignore[arg-type]
    step(world, [board], 10.0)  # to lift-off: board faults are timed from it
    return world, board


def test_dropout_removes_a_reading_for_its_window(marsy: Vehicle) -> None:
    fault = SensorDropout(
        kind="sensor_dropout", device=Device.ROCKET, parameter="altitude", at=1.0, duration=2.0
    )
    world, board = flying(marsy, Device.ROCKET, fault)
    frames = telemetry(step(world, [board], 5.0))
    missing = [f for f in frames if "altitude" not in f.values]
    assert 15 <= len(missing) <= 25
    assert all("velocity" in f.values for f in missing)


def test_stuck_sensor_repeats_its_last_reading(marsy: Vehicle) -> None:
    fault = StuckSensor(
        kind="stuck_sensor", device=Device.SUIT, parameter="heart_rate", at=1.0, duration=3.0
    )
    world, board = flying(marsy, Device.SUIT, fault)
    frames = telemetry(step(world, [board], 6.0))
    during = [f.values["heart_rate"] for f in frames[15:35]]
    assert len(set(during)) == 1


def test_noise_burst_widens_the_scatter(marsy: Vehicle) -> None:
    quiet_world, quiet = flying(marsy, Device.SUIT)
    noisy_world, noisy = flying(
        marsy,
        Device.SUIT,
        NoiseBurst(kind="noise_burst", device=Device.SUIT, at=0.0, duration=100.0, factor=50.0),
    )

    def spread(frames: list[TelemetryFrame]) -> float:
        values = [f.values["body_temperature"] for f in frames]
        mean = sum(values) / len(values)
        return sum((v - mean) ** 2 for v in values) / len(values)

    assert spread(telemetry(step(noisy_world, [noisy], 5.0))) > 10 * spread(
        telemetry(step(quiet_world, [quiet], 5.0))
    )


def test_line_corruption_garbles_bytes_at_its_rate(marsy: Vehicle) -> None:
    world, board = flying(
        marsy,
        Device.ROCKET,
        LineCorruption(
            kind="line_corruption", device=Device.ROCKET, at=0.0, duration=100.0, rate=0.05
        ),
    )
    sent = 0
    for _ in range(50):
        world.step(0.1)
        sent += len(board.poll())
    assert 0.03 < board.stats.corrupted_bytes / sent < 0.07


def test_reboot_silences_the_board_then_restarts_its_counter(marsy: Vehicle) -> None:
    world, board = flying(
        marsy,
        Device.SUIT,
        BoardReboot(kind="board_reboot", device=Device.SUIT, at=1.0, duration=2.0),
    )
    frames = telemetry(step(world, [board], 5.0))
    times = [f.time - T0 for f in frames]
    assert not any(11.0 < t < 13.0 for t in times)
    assert frames[-1].seq < 25 and board.stats.reboots == 1


def test_a_pad_reading_holds_until_lift_off(marsy: Vehicle) -> None:
    leak = PadReading(
        kind="pad_reading", device=Device.ROCKET, parameter="cabin_pressure", value=65_000.0
    )
    world = World(marsy, seed=2, autopilot=Autopilot())
    board = SensorBoard(Device.ROCKET, world, time_origin=T0, faults=[leak])
    frames = telemetry(step(world, [board], 20.0))
    on_pad = [f.values["cabin_pressure"] for f in frames if f.phase is FlightPhase.PAD]
    flown = [f.values["cabin_pressure"] for f in frames if f.phase is not FlightPhase.PAD]
    assert on_pad and set(on_pad) == {65_000.0}
    assert flown and all(v > 90_000.0 for v in flown), "the truth again once off the pad"


def test_bundled_scenarios_load(tmp_path: Path) -> None:
    from firmware_sim.scenario import bundled_scenarios, load_scenario

    assert {
        "nominal",
        "explosion",
        "engine-failure",
        "rough-line",
        "scrub",
        "weather-hold",
        "rocket-no-go",
    } <= set(bundled_scenarios())
    explosion = load_scenario("explosion")
    assert [(f.kind, f.at) for f in explosion.world_faults()] == [("explosion", 30.0)]
    rough = load_scenario("rough-line")
    assert {type(f).__name__ for f in rough.board_faults(Device.SUIT)} == {
        "StuckSensor",
        "BoardReboot",
    }
