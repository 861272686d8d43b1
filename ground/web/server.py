"""A threaded Werkzeug server for one Flask app, started and stopped by its process.

Werkzeug's server, once it has answered, reads and discards whatever of the body the app did
not read (up to 10 GB), so that the client sees the answer rather than a reset. Here that
discard is bounded: nothing at all of a body refused for its size (the connection is closed
after the 413), at most the app's body limit otherwise; and a body refused for its size is not
invited with ``100 Continue``. A client silent for :data:`IDLE_TIMEOUT` loses its connection,
so a slow sender cannot hold a thread for ever.
"""

from __future__ import annotations

import io
import logging
import threading

from flask import Flask
from werkzeug.sansio.utils import get_content_length
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from ground.web.inputs import MAX_BODY

logger = logging.getLogger(__name__)

IDLE_TIMEOUT = 30.0
"""Seconds a connection may wait on its client (request, body) or a blocked write."""


class _Leftover(io.BufferedIOBase):
    """What the server may still read of the body after the answer: at most ``budget`` bytes,
    of what has already arrived, then nothing (end of stream)."""

    def __init__(self, stream: io.BufferedIOBase, budget: int) -> None:
        super().__init__()
        self._stream = stream
        self._budget = budget

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        wanted = self._budget if size is None or size < 0 else min(size, self._budget)
        if wanted <= 0:
            return b""
        data = self._stream.read1(wanted)
        self._budget -= len(data)
        return data

    def read1(self, size: int = -1) -> bytes:
        return self.read(size)

    def close(self) -> None:
        self._stream.close()
        super().close()


class _BoundedHandler(WSGIRequestHandler):
    max_body = MAX_BODY
    timeout = IDLE_TIMEOUT

    def _declared(self) -> int | None:
        return get_content_length(
            self.headers.get("Content-Length"), self.headers.get("Transfer-Encoding")
        )

    def handle_expect_100(self) -> bool:
        declared = self._declared()
        if declared is not None and declared > self.max_body:
            # No "100 Continue" (here, or again from Werkzeug) for a body about to be refused:
            # the 413 is the answer.
            del self.headers["Expect"]
            return True
        return super().handle_expect_100()

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """One plain line per request: Werkzeug colours it for a terminal, which a log file
        keeps as escape codes."""
        self.log("info", '"%s" %s %s', self.requestline, code, size)

    def make_environ(self) -> dict[str, object]:
        environ = super().make_environ()
        # The app reads the body through environ["wsgi.input"], which keeps the real stream;
        # what the server reads after the answer goes through self.rfile.
        declared = self._declared()
        refused = declared is not None and declared > self.max_body
        self.rfile = _Leftover(self.rfile, 0 if refused else self.max_body)
        return environ


class HttpServer:
    """``start()`` serves ``app`` on ``host:port`` in a thread; ``port`` 0 picks a free one.
    The body limit is the app's ``MAX_CONTENT_LENGTH`` (set by :meth:`ground.web.Api.install`)."""

    def __init__(self, app: Flask, host: str = "127.0.0.1", port: int = 0) -> None:
        limit = app.config.get("MAX_CONTENT_LENGTH") or MAX_BODY

        class Handler(_BoundedHandler):
            max_body = limit

        self._server: BaseWSGIServer = make_server(
            host, port, app, threaded=True, request_handler=Handler
        )
        self.host = host
        self.port = int(self._server.server_port)
        self._thread = threading.Thread(
            target=self._server.serve_forever, daemon=True, name=f"http-{self.port}"
        )

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        self._thread.start()
        logger.info("serving on %s", self.url)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
