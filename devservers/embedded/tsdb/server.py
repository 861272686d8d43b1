"""Sockets for :class:`api.Api`: the standard library's threaded HTTP/1.1 server.

One thread per connection, connections kept alive between requests (MarsY's client keeps one
per thread), bodies read by ``Content-Length`` or chunked, at most influxd's 25 MB. A body that
cannot be read ends the connection after a 4xx answer; anything else keeps it.
"""

from __future__ import annotations

import logging
import socket
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from devservers.embedded.tsdb.api import Api, Request, Response, error_response

logger = logging.getLogger(__name__)

MAX_BODY = 25_000_000
"""influxd's default ``max-body-size``."""
IDLE_TIMEOUT = 600.0
"""Seconds an idle kept-alive connection is held before it is closed."""


class BadBody(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = IDLE_TIMEOUT
    server: TsdbServer

    def setup(self) -> None:
        super().setup()
        # Headers and body go out as two writes: without this, Nagle's algorithm holds the body
        # until the client's delayed ACK of the headers, 40 ms later.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_HEAD(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def do_PATCH(self) -> None:
        self._serve()

    def do_OPTIONS(self) -> None:
        self._serve()

    def _serve(self) -> None:
        try:
            body = self._read_body()
        except BadBody as exc:
            self.close_connection = True
            self._send(error_response(exc.status, str(exc)))
            return
        headers = {name.lower(): value for name, value in self.headers.items()}
        request = Request(self.command, self.path, headers, body)
        self._send(self.server.api.handle(request))

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return self._read_chunked()
        raw = self.headers.get("Content-Length")
        if raw is None:
            return b""
        try:
            length = int(raw)
        except ValueError:
            raise BadBody(400, "invalid Content-Length") from None
        if length < 0:
            raise BadBody(400, "invalid Content-Length")
        if length > MAX_BODY:
            raise BadBody(413, "http: request body too large")
        return self.rfile.read(length)

    def _read_chunked(self) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            line = self.rfile.readline(1024)
            try:
                length = int(line.split(b";")[0].strip(), 16)
            except ValueError:
                raise BadBody(400, "invalid chunked body") from None
            if length == 0:
                while self.rfile.readline(1024).strip():
                    pass  # trailers
                return b"".join(chunks)
            size += length
            if size > MAX_BODY:
                raise BadBody(413, "http: request body too large")
            chunks.append(self.rfile.read(length))
            self.rfile.readline(1024)

    def _send(self, response: Response) -> None:
        self.send_response_only(response.status)
        self.send_header("Content-Type", response.content_type)
        for name, value in response.headers:
            # Go writes header values as UTF-8 bytes, newlines made spaces.
            flat = value.replace("\r", " ").replace("\n", " ")
            self.send_header(name, flat.encode().decode("latin-1"))
        self.send_header("Date", self.date_time_string())
        if response.status != 204:
            self.send_header("Content-Length", str(len(response.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD" and response.status != 204:
            self.wfile.write(response.body)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """A request that is not HTTP: Go's plain answer, with a status line whatever was sent."""
        self.request_version = "HTTP/1.1"
        self.close_connection = True
        text = f"{code} {HTTPStatus(code).phrase}".encode()
        self.send_response_only(code)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Connection", "close")
        self.send_header("Content-Length", str(len(text)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(text)

    def log_message(self, format: str, *args: object) -> None:
        logger.debug("%s " + format, self.address_string(), *args)


class TsdbServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], api: Api) -> None:
        self.api = api
        super().__init__(address, _Handler)


def create_server(api: Api, host: str, port: int) -> TsdbServer:
    """A bound, not yet serving, server (``serve_forever`` runs it)."""
    return TsdbServer((host, port), api)
