"""``python -m devservers.embedded.broker``: run the embedded broker until SIGTERM or SIGINT.

Either signal stops it cleanly: the wills of connected clients are sent, the state is saved to
``--data-dir`` and the process exits 0, so a restart loses no QoS-1 message a persistent
session had not acknowledged. SIGHUP reads the password and ACL files again, as Mosquitto
does; a file that cannot be read then leaves the broker with the ones it had.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Callable
from pathlib import Path

from devservers.embedded.broker.auth import Acl, ConfigError, PasswordFile
from devservers.embedded.broker.handler import Broker
from devservers.embedded.broker.router import Router
from devservers.embedded.broker.server import BrokerServer

logger = logging.getLogger("devservers.embedded.broker")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m devservers.embedded.broker",
        description="An MQTT 5 broker reading Mosquitto's password and ACL files.",
    )
    parser.add_argument("--port", type=int, default=1883)
    parser.add_argument("--bind", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--password-file", type=Path, required=True)
    parser.add_argument("--acl-file", type=Path, required=True)
    parser.add_argument("--data-dir", type=Path, help="where state is kept; none: not kept")
    parser.add_argument("--log-file", type=Path, help="default: standard error")
    parser.add_argument("--log-level", default="INFO")
    parser.add_argument("--save-interval", type=float, default=1.0, help="seconds")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(),
        format="%(asctime)s %(levelname)s %(message)s",
        filename=args.log_file,
    )
    try:
        passwords = PasswordFile.load(args.password_file)
        acl = Acl.load(args.acl_file)
    except (OSError, ConfigError) as exc:
        logger.error("Cannot start: %s", exc)
        return 2
    if args.data_dir is not None:
        args.data_dir.mkdir(parents=True, exist_ok=True)
    broker = Broker(Router(acl), passwords)
    server = BrokerServer(broker, args.data_dir, args.save_interval)
    server.load()

    def reload() -> None:
        try:
            broker.reload(PasswordFile.load(args.password_file), Acl.load(args.acl_file))
        except (OSError, ConfigError) as exc:
            logger.error("Reload refused, the previous files stay in force: %s", exc)
            return
        logger.info("Reloaded the password file and the ACL")

    asyncio.run(_run(server, args.bind, args.port, reload))
    logger.info("Embedded MQTT broker stopped")
    return 0


async def _run(server: BrokerServer, host: str, port: int, reload: Callable[[], None]) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    loop.add_signal_handler(signal.SIGHUP, reload)
    await server.serve(host, port, stop)


if __name__ == "__main__":
    sys.exit(main())
