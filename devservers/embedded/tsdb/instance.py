"""The embedded store as a private child process, in place of :class:`LocalInfluxd`.

Same constructor, attributes and methods as :class:`devservers.LocalInfluxd`: a free localhost
port, auth on with an ``admin`` whose password is kept in ``workdir/admin.json``, data in
``workdir/data``, the log in ``workdir/tsdb.log``, ready once ``/ping`` answers 204.
"""

from __future__ import annotations

import sys
from pathlib import Path

from devservers.influx_admin import InfluxAdmin, ping
from devservers.process import LocalServer, ServerProcess, free_port


class EmbeddedInfluxd(InfluxAdmin, LocalServer):
    """The pure-Python InfluxDB 1.x stand-in on ``127.0.0.1:port``, data in ``workdir``."""

    def __init__(self, workdir: Path, *, port: int | None = None) -> None:
        self.workdir = workdir
        self.port = port or free_port()
        workdir.mkdir(parents=True, exist_ok=True)
        self.load_credentials()
        argv = [
            sys.executable,
            "-m",
            "devservers.embedded.tsdb",
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--data-dir",
            str(workdir / "data"),
        ]
        self.process = ServerProcess(
            "embedded tsdb", argv, workdir / "tsdb.log", lambda: ping(self.port)
        )
