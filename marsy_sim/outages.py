"""The outage faults: a broker killed or frozen, the store killed, the link cut, an agent frozen.

Each is caused at its time and undone after its duration through
:meth:`marsy_sim.fault_scene.FaultScene.outage`, so an outage never outlives its mission.
"""

from __future__ import annotations

import os
import signal
import time

from devservers.process import LocalServer
from marsy.protocol import Device
from marsy_sim.fault_scene import FaultRecord, FaultScene, Handler
from marsy_sim.faults import FaultKind


def _server(server: LocalServer | None, what: str) -> LocalServer:
    if server is None:
        raise RuntimeError(f"no {what} of this simulation's own to act on")
    return server


def _kill(server: LocalServer) -> str:
    pid = server.process.pid
    server.kill()
    return f"SIGKILL {server.process.name} (pid {pid})"


def _restart(server: LocalServer) -> str:
    began = time.monotonic()
    server.start()
    took = time.monotonic() - began
    return f"{server.process.name} started again, serving after {took:.1f} s"


def broker_kill(scene: FaultScene, record: FaultRecord) -> None:
    broker = _server(scene.hands.broker, "broker")
    scene.outage(record, lambda: _kill(broker), lambda: _restart(broker))


def store_kill(scene: FaultScene, record: FaultRecord) -> None:
    store = _server(scene.hands.store, "store")
    scene.outage(record, lambda: _kill(store), lambda: _restart(store))


def broker_freeze(scene: FaultScene, record: FaultRecord) -> None:
    broker = _server(scene.hands.broker, "broker")
    pid = broker.process.pid
    if pid is None or not broker.process.running():
        raise RuntimeError("the broker is not running")

    def cont() -> str:
        os.kill(pid, signal.SIGCONT)
        return f"SIGCONT {broker.process.name}"

    def stop() -> str:
        os.kill(pid, signal.SIGSTOP)
        return f"SIGSTOP {broker.process.name} (pid {pid})"

    scene.outage(record, stop, cont)


def link_cut(scene: FaultScene, record: FaultRecord) -> None:
    relay = scene.hands.relay
    if relay is None:
        raise RuntimeError("the clients do not reach the broker through a relay")

    def cut() -> str:
        relay.cut()
        return f"link to the broker cut, {relay.open_links()} connections held open"

    def restore() -> str:
        relay.restore()
        return "link to the broker back"

    scene.outage(record, cut, restore)


def agent_named(scene: FaultScene, device: Device | None) -> str:
    """The running agent process of ``device``; raises when there is none."""
    name = f"agent-{device}"
    if name not in scene.hands.supervisor.children:
        raise RuntimeError(f"no {name} running")
    return name


def stop_agent(scene: FaultScene, name: str) -> str:
    scene.hands.supervisor.kill(name, signal.SIGSTOP)
    return f"SIGSTOP {name}"


def continue_agent(scene: FaultScene, name: str) -> str:
    scene.hands.supervisor.kill(name, signal.SIGCONT)
    return f"SIGCONT {name}"


def agent_freeze(scene: FaultScene, record: FaultRecord) -> None:
    name = agent_named(scene, record.fault.device)
    scene.outage(record, lambda: stop_agent(scene, name), lambda: continue_agent(scene, name))


OUTAGE_HANDLERS: dict[FaultKind, Handler] = {
    FaultKind.BROKER_KILL: broker_kill,
    FaultKind.BROKER_FREEZE: broker_freeze,
    FaultKind.STORE_KILL: store_kill,
    FaultKind.LINK_CUT: link_cut,
    FaultKind.AGENT_FREEZE: agent_freeze,
}
