"""``python -m devservers.embedded.tsdb``: serve the store until SIGTERM or SIGINT.

Either signal stops it cleanly: no new request is taken, running ones finish, the SQLite files
are closed and the process exits 0. Every answered write was committed already, so a SIGKILL
loses nothing that was acknowledged either.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from devservers.embedded.tsdb.api import Api
from devservers.embedded.tsdb.server import create_server
from devservers.embedded.tsdb.store import Store

logger = logging.getLogger("devservers.embedded.tsdb")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m devservers.embedded.tsdb",
        description="A time-series store answering InfluxDB 1.x's /ping, /write and /query.",
    )
    parser.add_argument("--port", type=int, default=8086)
    parser.add_argument("--bind", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--data-dir", type=Path, required=True, help="where the data is kept")
    parser.add_argument("--log-file", type=Path, help="default: standard error")
    parser.add_argument("--log-level", default="INFO")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        filename=args.log_file,
    )
    try:
        store = Store(args.data_dir)
        server = create_server(Api(store), args.bind, args.port)
    except OSError as exc:
        logger.error("Cannot start: %s", exc)
        return 2
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        logger.info("Received %s, stopping", signal.Signals(signum).name)
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, on_signal)
    serving = threading.Thread(target=server.serve_forever, name="tsdb-http", daemon=True)
    serving.start()
    logger.info(
        "Embedded time-series store on %s:%d, data in %s", args.bind, args.port, args.data_dir
    )
    stop.wait()
    server.shutdown()
    server.server_close()
    store.close()
    logger.info("Embedded time-series store stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
