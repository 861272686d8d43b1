"""The agent's parts wired together over a scripted board, an outbox on disk and a bus that is
never started: commands, the behaviours' port and the shutdown, with no broker and no pty."""

from __future__ import annotations

import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from devservers import LocalMosquitto
from edge.astronaut_suit.behaviour import SuitBehaviour
from edge.rocket.behaviour import RocketBehaviour
from edge.runtime.agent import Agent
from edge.runtime.behaviour import Behaviour
from edge.runtime.memory import FlightMemory
from edge.runtime.outbox import Outbox
from edge.runtime.serial_link import LinkStats
from marsy.mqtt import Delivery, MqttBus
from marsy.protocol import (
    Channel,
    CommandAck,
    CommandAction,
    Device,
    DeviceCommand,
    DevicePresence,
    EventType,
    FlightPhase,
    LogRecord,
    Message,
    MissionEvent,
    MissionState,
    MissionStatus,
    PresenceState,
    Topics,
    decode_message,
    encode_message,
)
from marsy.protocol.framing import AckFrame, CommandFrame, EventFrame, Frame
from marsy.settings import EdgeSettings, MqttSettings
from tests.waiting import wait_for


class ScriptedBoard:
    """The board at the end of the line: accepts every command it is sent, once per token."""

    def __init__(self, device: Device) -> None:
        self.device = device
        self.stats = LinkStats()
        self.commands: list[CommandFrame] = []
        self.closed = False
        self._to_agent: queue.Queue[Frame] = queue.Queue()

    def read(self, timeout: float = 0.1) -> list[Frame]:
        try:
            frames = [self._to_agent.get(timeout=timeout)]
        except queue.Empty:
            return []
        while not self._to_agent.empty():
            frames.append(self._to_agent.get_nowait())
        self.stats.frames += len(frames)
        return frames

    def send(self, frame: Frame) -> bool:
        if isinstance(frame, CommandFrame):
            if frame.token not in {c.token for c in self.commands}:
                self.commands.append(frame)
            ack = AckFrame(self.device, 1, frame.time, frame.token, frame.action, True)
            self._to_agent.put(ack)
        return True

    def close(self) -> None:
        self.closed = True


def build(
    folder: Path, behaviour: Behaviour, mqtt: MqttSettings | None = None
) -> tuple[Agent, ScriptedBoard]:
    settings = EdgeSettings.load(
        device=behaviour.device, serial_url="loop://", state_dir=folder / "state"
    )
    board = ScriptedBoard(behaviour.device)
    outbox = Outbox(folder / "outbox.db")
    agent = Agent(
        settings,
        behaviour,
        link=board,
        bus=MqttBus(mqtt or settings.mqtt, presence=str(behaviour.device)),
        outbox=outbox,
        memory=FlightMemory(outbox),
    )
    return agent, board


Build = Callable[..., tuple[Agent, ScriptedBoard]]


@pytest.fixture
def agents(tmp_path: Path) -> Iterator[Build]:
    """``agents(behaviour, reading=True)``: an agent whose reader runs (the board's answers come
    through it); its outbox is closed at the end."""
    stop = threading.Event()
    threads: list[threading.Thread] = []
    built: list[Agent] = []

    def make(behaviour: Behaviour, *, reading: bool = False) -> tuple[Agent, ScriptedBoard]:
        agent, board = build(tmp_path / str(behaviour.device), behaviour)
        built.append(agent)
        if reading:
            thread = threading.Thread(target=agent.reader.run, args=(stop,), daemon=True)
            thread.start()
            threads.append(thread)
        return agent, board

    yield make
    stop.set()
    for thread in threads:
        thread.join(5)
    for agent in built:
        agent.outbox.close()


def delivered(topics: Topics, message: Message) -> Delivery:
    return Delivery(topics.for_message(message), encode_message(message), 1, False, False, 1, 1)


def queued(agent: Agent) -> list[Message]:
    return [decode_message(item.payload) for item in agent.outbox.peek(1000)]


def announce(agent: Agent, mission_id: str) -> None:
    status = MissionStatus(
        mission_id=mission_id,
        source="command",
        seq=1,
        ts=time.time(),
        state=MissionState.FLYING,
        phase=FlightPhase.PAD,
    )
    agent.inbox.handle(delivered(agent.topics, status))


def test_building_an_agent_opens_nothing_and_touches_no_disk(tmp_path: Path, agents: Build) -> None:
    agent, board = agents(RocketBehaviour())
    assert not (tmp_path / "rocket" / "state").exists(), "the state folder is the factory's"
    assert board.stats.frames == 0 and board.commands == []
    assert not agent.bus.connected.is_set()


def test_a_command_is_checked_run_on_the_board_once_and_answered_from_the_journal(
    agents: Build,
) -> None:
    rocket, board = agents(RocketBehaviour(), reading=True)
    announce(rocket, "M1")
    ignite = DeviceCommand(
        mission_id="M1",
        source="command",
        seq=1,
        ts=time.time(),
        command_id="cmd-ignite-1",
        device=Device.ROCKET,
        action=CommandAction.IGNITE,
    )
    detach = ignite.model_copy(
        update={"command_id": "cmd-detach-1", "action": CommandAction.DETACH}
    )
    for command in (ignite, detach, ignite):
        rocket.inbox.handle(delivered(rocket.topics, command))

    acks = [m for m in queued(rocket) if isinstance(m, CommandAck)]
    assert [(a.command_id, a.accepted, a.reason) for a in acks] == [
        ("cmd-ignite-1", True, None),
        ("cmd-detach-1", False, "no payload detach before stage separation"),
        ("cmd-ignite-1", True, None),
    ]
    assert acks[0] == acks[2], "the repeat is the journalled answer, byte for byte"
    assert [c.action for c in board.commands] == [CommandAction.IGNITE]
    assert (rocket.stats.commands, rocket.stats.repeated_commands) == (3, 1)
    assert rocket.stats.refused_commands == 1


def test_behaviours_act_through_their_port_abort_then_ejection(agents: Build) -> None:
    rocket, _ = agents(RocketBehaviour())
    suit, suit_board = agents(SuitBehaviour(), reading=True)
    for agent in (rocket, suit):
        announce(agent, "M1")

    rocket.reader.handle([EventFrame(Device.ROCKET, 3, 40.0, EventType.EXPLOSION_IMMINENT, "")])
    events = [m for m in queued(rocket) if isinstance(m, MissionEvent)]
    assert [e.event for e in events] == [EventType.ABORT, EventType.EXPLOSION_IMMINENT]
    assert EventType.ABORT in rocket.state.events

    abort = delivered(rocket.topics, events[0])
    assert abort.topic == suit.topics.topic(Channel.EVENTS, Device.ROCKET)
    suit.inbox.handle(abort)
    suit.inbox.handle(abort)  # one ejection per mission, however often the abort is heard
    assert [c.action for c in suit_board.commands] == [CommandAction.EJECT]
    logs = [m.message for m in queued(suit) if isinstance(m, LogRecord)]
    assert logs == ["capsule ejected on the rocket's abort (explosion_imminent: )"]
    assert suit.state.event_times[EventType.ABORT] == events[0].ts


def test_a_failed_start_still_closes_the_line_and_the_outbox(tmp_path: Path) -> None:
    class Broken(RocketBehaviour):
        def subscriptions(self, topics: Topics) -> list[str]:
            raise RuntimeError("a bug in a behaviour")

    agent, board = build(tmp_path, Broken())
    with pytest.raises(RuntimeError, match="a bug in a behaviour"):
        agent.run(threading.Event())
    assert board.closed
    with pytest.raises(sqlite3.ProgrammingError):
        agent.outbox.depth()


def test_a_stopped_agent_said_offline_and_closed_its_line_and_outbox(
    tmp_path: Path, broker: LocalMosquitto, bus_factory: Callable[..., MqttBus]
) -> None:
    observer = bus_factory(broker, "observer")
    presence = observer.topics.presence(str(Device.ROCKET))
    observer.subscribe(presence)
    observer.start()
    agent, board = build(
        tmp_path, RocketBehaviour(), broker.settings_for(broker.add_login("rocket"))
    )
    stop = threading.Event()
    thread = threading.Thread(target=agent.run, args=(stop,), daemon=True)
    thread.start()

    def heard(state: PresenceState) -> Callable[[], bool]:
        def check() -> bool:
            delivery = observer.receive(0.1)
            if delivery is None:
                return False
            observer.ack(delivery)
            message = decode_message(delivery.payload)
            return isinstance(message, DevicePresence) and message.state is state

        return check

    wait_for(heard(PresenceState.ONLINE), 10, "the agent online")
    stop.set()
    thread.join(10)
    assert not thread.is_alive()
    wait_for(heard(PresenceState.OFFLINE), 10, "the agent's offline status")
    assert board.closed
    with pytest.raises(sqlite3.ProgrammingError):
        agent.outbox.depth()


def test_an_agent_refuses_another_devices_behaviour(tmp_path: Path) -> None:
    settings = EdgeSettings.load(device="suit", serial_url="loop://", state_dir=tmp_path)
    outbox = Outbox(tmp_path / "outbox.db")
    with pytest.raises(ValueError, match="rocket behaviour on the suit agent"):
        Agent(
            settings,
            RocketBehaviour(),
            link=ScriptedBoard(Device.SUIT),
            bus=MqttBus(settings.mqtt),
            outbox=outbox,
            memory=FlightMemory(outbox),
        )
    outbox.close()
