"""A small InfluxDB HTTP client: ``/ping``, ``/write``, ``/query``; one keep-alive connection.

``http.client`` rather than ``requests``: at thousands of points per second the per-request CPU
cost matters (about 0.19 ms against 1.1 ms measured on this kind of machine).
"""

from __future__ import annotations

import base64
import http.client
import json
import logging
import threading
import urllib.parse
from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr

logger = logging.getLogger(__name__)


class InfluxError(RuntimeError):
    """Base of the adapter's errors."""


class InfluxUnavailable(InfluxError):
    """The server cannot be reached or failed (5xx): try again later, nothing was refused."""


class InfluxRejected(InfluxError):
    """The server refused the request (4xx): retrying the same request will not help."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class InfluxNotSetUp(InfluxUnavailable):
    """InfluxDB answers but lacks what its admin sets up for this login: the database, the
    user, or its privilege there. Points wait for it like for an outage."""


SET_UP_FAULTS = frozenset({401, 403, 404})
"""What ``/write`` answers a login that is wrong (401) or may not write there (403), or a
database that is not there (404): faults of the set-up, which InfluxDB's admin owns."""


@dataclass(frozen=True)
class Series:
    """One series of a query result; ``rows`` as dicts keyed by column."""

    name: str
    tags: dict[str, str]
    columns: list[str]
    values: list[list[Any]]

    @property
    def rows(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.values]


class InfluxHttp:
    """One endpoint (a URL with optional credentials); safe to share between threads."""

    def __init__(
        self,
        url: str,
        *,
        username: str | None = None,
        password: SecretStr | None = None,
        timeout: float = 10.0,
    ) -> None:
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ValueError(f"InfluxDB url {url!r}: expected http(s)://host:port")
        self.url = url
        self._https = parsed.scheme == "https"
        self._host = parsed.hostname
        self._port = parsed.port or (443 if self._https else 8086)
        self._base = parsed.path.rstrip("/")
        self._timeout = timeout
        self.username = username
        self._headers: dict[str, str] = {}
        if username is not None:
            secret = password.get_secret_value() if password else ""
            token = base64.b64encode(f"{username}:{secret}".encode()).decode()
            self._headers["Authorization"] = f"Basic {token}"
        self._local = threading.local()
        self._open: set[http.client.HTTPConnection] = set()
        self._open_lock = threading.Lock()

    def _connection(self) -> http.client.HTTPConnection:
        conn: http.client.HTTPConnection | None = getattr(self._local, "conn", None)
        if conn is None:
            cls = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
            conn = cls(self._host, self._port, timeout=self._timeout)
            self._local.conn = conn
            with self._open_lock:
                self._open.add(conn)
        return conn

    def _drop_connection(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
            with self._open_lock:
                self._open.discard(conn)

    def release(self) -> None:
        """Close this thread's connection (a thread that is about to end calls it)."""
        self._drop_connection()

    def close(self) -> None:
        """Close every thread's connection."""
        with self._open_lock:
            connections, self._open = self._open, set()
        for conn in connections:
            conn.close()

    def request(
        self, method: str, path: str, params: dict[str, str], body: bytes | None = None
    ) -> tuple[int, bytes]:
        """Send one request; :class:`InfluxUnavailable` on network errors and 5xx."""
        target = f"{self._base}{path}?{urllib.parse.urlencode(params)}"
        headers = dict(self._headers)
        if body is not None:
            headers["Content-Type"] = "text/plain; charset=utf-8"
        for attempt in (1, 2):  # a kept-alive connection the server closed: retry once, fresh
            try:
                conn = self._connection()
                conn.request(method, target, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
                break
            except (OSError, http.client.HTTPException) as exc:
                self._drop_connection()
                if attempt == 2:
                    raise InfluxUnavailable(f"{self.url}: {exc}") from exc
        if response.status >= 500:
            raise InfluxUnavailable(f"{self.url}{path}: HTTP {response.status}: {data[:300]!r}")
        if response.status >= 400:
            raise InfluxRejected(
                f"{self.url}{path}: HTTP {response.status}: {data[:300]!r}", response.status
            )
        return response.status, data

    def ping(self) -> bool:
        try:
            status, _ = self.request("GET", "/ping", {})
        except InfluxError:
            return False
        return status == 204

    def write(self, database: str, lines: bytes, precision: str = "ns") -> None:
        """Write line protocol; the whole body is accepted or an error raised.

        A missing database, or a login that may not write there, counts as unavailable, not
        refused: the admin creates databases and grants at set-up (maybe again, after a server
        was reinstalled), and the points must wait for that, not be dropped.
        """
        try:
            self.request("POST", "/write", {"db": database, "precision": precision}, lines)
        except InfluxRejected as exc:
            if exc.status in SET_UP_FAULTS:
                raise InfluxNotSetUp(self._set_up_fault(exc, database)) from exc
            raise

    def check_writable(self, database: str) -> None:
        """Raise :class:`InfluxNotSetUp` saying what the set-up lacks (or
        :class:`InfluxUnavailable`) unless this login may write to ``database`` now.

        An empty write: InfluxDB checks it like any other (the database, then the login's
        privilege) and stores nothing, so it needs no READ."""
        self.write(database, b"")

    def _set_up_fault(self, exc: InfluxRejected, database: str) -> str:
        login = repr(self.username) if self.username is not None else "no login"
        what = {
            401: f"{self.url} does not take {login} (user or password wrong)",
            403: f"{login} may not write to the database {database!r}",
            404: f"{self.url} has no database {database!r}",
        }[exc.status]
        return f"{what}: InfluxDB's admin sets that up (the influxdb role); {exc}"

    def query(self, query: str, database: str | None = None) -> list[Series]:
        """Run one InfluxQL statement and return its series (timestamps in ns)."""
        params = {"q": query, "epoch": "ns"}
        if database:
            params["db"] = database
        method = "GET" if query.lstrip().upper().startswith(("SELECT", "SHOW")) else "POST"
        _, data = self.request(method, "/query", params)
        payload = json.loads(data)
        series: list[Series] = []
        for result in payload.get("results", []):
            if "error" in result:
                raise InfluxRejected(f"query {query[:200]!r}: {result['error']}")
            for item in result.get("series", []):
                series.append(
                    Series(
                        name=item.get("name", ""),
                        tags=item.get("tags", {}),
                        columns=item["columns"],
                        values=item.get("values", []),
                    )
                )
        return series

    def create_database(self, name: str) -> None:
        """Idempotent: InfluxDB ignores a CREATE of an existing database. Needs the admin: no
        MarsY program calls this, set-up does (and tests, for databases of their own)."""
        self.query(f'CREATE DATABASE "{name}"')
