"""Runs a recorder as a service: settings → MQTT bus, store writer with spool, ledger, health.

The telemetry and payload services are this, each with its own route and topics.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask

from ground.ingest.ledger import Ledger, merged_entries
from ground.ingest.recorder import Recorder, Route
from ground.ingest.workers import RETIRED, Command, WorkerPlan, Workers, ledger_paths
from ground.service_skeleton import Skeleton, serve
from ground.web import Api
from marsy.logins import MAX_INGEST_WORKERS
from marsy.mqtt import MqttBus
from marsy.protocol.topics import INGEST_GROUP
from marsy.settings import GroundSettings
from marsy.store import InfluxError, InfluxNotSetUp, Store, connect_store

logger = logging.getLogger(__name__)


def build_recorder(
    name: str,
    settings: GroundSettings,
    route: Route,
    filters: list[str],
    *,
    presence: bool = True,
    state: str | None = None,
    group: str | None = None,
    shared: bool = False,
    draining: bool = False,
) -> tuple[Recorder, Store]:
    """A recorder named ``name`` (its dead letters go to ``deadletter/<name>``), connecting with
    the login of ``settings.mqtt`` (the login is the client id), keeping its spool and ledger in
    ``state_dir/<state>`` (default ``<name>``). A recorder beside another connection of the
    same service takes ``presence=False``: that one stands for the service. ``group`` and
    ``shared``, ``draining``: see :class:`Recorder`. The store is returned to be checked
    (:func:`check_databases`) and closed by the caller."""
    store = connect_store(settings.influx)
    folder = settings.state_dir / (state or name)
    clock = settings.clock.clock()
    bus = MqttBus(
        settings.mqtt,
        presence=name if presence else None,
        clock=clock,
    )
    writer = store.batch_writer(folder / "spool", now=clock.now)
    ledger = Ledger(folder / "ledger.db", window=settings.ingest.seq_window)
    recorder = Recorder(
        name,
        bus,
        writer,
        ledger,
        route,
        filters,
        clock,
        settings.ingest,
        group=group,
        shared=shared,
        draining=draining,
    )
    return recorder, store


def check_databases(store: Store, names: list[str], stop: threading.Event) -> None:
    """Wait until this login may write to every database, saying why not once per cause.

    A recorder's login may only write (its databases, users and grants are InfluxDB's admin's
    set-up): until then InfluxDB may not be up yet, or the set-up is missing, and points wait.
    """
    said = ""
    while not stop.is_set():
        try:
            for name in names:
                store.check_writable(name)
        except InfluxError as exc:
            if str(exc) != said:
                said = str(exc)
                level = logging.ERROR if isinstance(exc, InfluxNotSetUp) else logging.WARNING
                logger.log(level, "cannot write to InfluxDB yet; points wait: %s", said)
            stop.wait(1.0)
            continue
        if said:
            logger.info("InfluxDB takes writes to %s now", ", ".join(names))
        return


def create_app(title: str, recorder: Recorder) -> Flask:
    app = Flask(title)
    api = Api(title)
    api.install(app, recorder.health)
    return app


def run_recorder(
    name: str,
    settings: GroundSettings,
    route: Route,
    filters: list[str],
    databases: list[str],
    stop: threading.Event,
    *,
    group: str | None = None,
    worker: int | None = None,
) -> None:
    """Record until ``stop``: the whole stream, or with ``worker`` (1, 2, ...) its share of it
    in ``group`` as that worker (:mod:`ground.ingest.workers`). Alone, it first drains the
    sessions of workers that ran before (their queued share) and shows their ledgers merged
    with its own."""
    if worker is None:
        recorder, store = build_recorder(name, settings, route, filters, group=group)
        others = ledger_paths(name, settings.state_dir)[1:]
        if group is not None and any(path.parent.exists() for path in others):
            paths = ledger_paths(name, settings.state_dir)
            recorder.ledger_view = lambda: merged_entries(paths)
    else:
        plan = WorkerPlan(name, worker)
        (settings.state_dir / plan.state / RETIRED).unlink(missing_ok=True)
        recorder, store = build_recorder(
            name,
            settings.model_copy(update={"mqtt": plan.mqtt(settings.mqtt)}),
            route,
            filters,
            presence=plan.presence,
            state=plan.state,
            group=group,
            shared=True,
        )
    service = Skeleton(name if worker is None else f"{name}-{worker}")
    service.closing(store)
    service.part(recorder)
    service.loop(
        "check", lambda stopping: check_databases(store, databases, stopping), join_timeout=1.0
    )
    if worker is None and group is not None:
        service.loop(
            "retire",
            lambda stopping: retire_workers(
                name, settings, route, filters, 1, stopping, group=group
            ),
            join_timeout=15.0,
        )
    service.http(create_app(name, recorder), settings)
    serve(service, stop, detail="recording")


def retire_workers(
    name: str,
    settings: GroundSettings,
    route: Route,
    filters: list[str],
    keep: int,
    stopping: threading.Event,
    *,
    group: str = INGEST_GROUP,
    quiet: float = 3.0,
) -> None:
    """Drain the session of every worker past ``keep`` that ran before (the broker keeps
    queueing a stopped worker's share of the stream until its session is ended), then end it.

    Each is recorded as it would have been, into its own folder (its ledger stays part of the
    merged one), until nothing came for ``quiet`` seconds and all is written and acked; its
    folder is then marked retired, and a worker started there again removes the mark."""
    for index in range(keep + 1, MAX_INGEST_WORKERS + 1):
        plan = WorkerPlan(name, index)
        folder = settings.state_dir / plan.state
        if not folder.exists() or (folder / RETIRED).exists() or stopping.is_set():
            continue
        logger.info("%s: draining the session of %s, which no longer runs", name, plan.login)
        recorder, store = build_recorder(
            name,
            settings.model_copy(update={"mqtt": plan.mqtt(settings.mqtt)}),
            route,
            filters,
            presence=False,
            state=plan.state,
            group=group,
            draining=True,
        )
        finished = False
        try:
            recorder.start()
            while not stopping.is_set() and not recorder.settled(quiet):
                stopping.wait(0.5)
            finished = not stopping.is_set()
        finally:
            recorder.stop(end_session=finished)
            store.close()
        if finished:
            (folder / RETIRED).write_text(
                f"drained {recorder.stats.stored} points, session ended\n"
            )
            logger.info(
                "%s: %s drained (%d points) and retired", name, plan.login, recorder.stats.stored
            )


def run_workers(
    name: str,
    settings: GroundSettings,
    count: int,
    command: Command,
    stop: threading.Event,
    *,
    route: Route,
    filters: list[str],
) -> None:
    """Run ``count`` workers of recorder ``name`` (each started by ``command``) and answer
    ``/health`` for them all until ``stop``; drain the sessions of workers past ``count`` that
    ran before (:func:`retire_workers`)."""
    workers = Workers(name, count, command, settings.state_dir)
    service = Skeleton(name)
    service.part(workers)
    service.loop(
        "retire",
        lambda stopping: retire_workers(name, settings, route, filters, count, stopping),
        join_timeout=15.0,
    )
    app = Flask(name)
    Api(name).install(app, workers.health)
    service.http(app, settings)
    serve(service, stop, detail=f"{count} workers sharing the stream")
