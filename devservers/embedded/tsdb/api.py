"""The HTTP API's meaning, without sockets: a request in, influxd 1.6's response out.

Routes: ``/ping`` (GET, HEAD), ``/query`` (GET, POST; ``q`` also as a form body) and ``/write``
(POST). Status codes, ``{"error": ...}`` bodies and headers are influxd's, down to the order of
its checks: who is asking (401), whether the database exists (404), whether the user may
(403), then the body (400, ``partial write: ... dropped=N``) and 204 once the points are
committed.
"""

from __future__ import annotations

import gzip
import logging
import time
import urllib.parse
import uuid
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from devservers.embedded.tsdb import lineprotocol
from devservers.embedded.tsdb.access import (
    Refused,
    authorize_query,
    authorize_write,
    credentials,
    quote,
)
from devservers.embedded.tsdb.gojson import RawJSON, encode, encode_rows, rfc3339
from devservers.embedded.tsdb.influxql import ParseError, parse_query
from devservers.embedded.tsdb.meta import User
from devservers.embedded.tsdb.query import Context, StatementResult, execute
from devservers.embedded.tsdb.store import Store, StoreClosed

logger = logging.getLogger(__name__)

VERSION = "1.6.7~rc0"
"""The influxd release whose answers these are."""

_EPOCH_DIVISORS = {"u": 10**3, "ms": 10**6, "s": 10**9, "m": 60 * 10**9, "h": 3600 * 10**9}
_ROUTES = {"/ping": ("GET", "HEAD"), "/query": ("GET", "POST"), "/write": ("POST",)}


@dataclass(frozen=True)
class Request:
    method: str
    target: str
    """Path and query string, as on the request line."""
    headers: Mapping[str, str]
    """By lower-case name."""
    body: bytes = b""


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: list[tuple[str, str]] = field(default_factory=list)


def _first(params: dict[str, list[str]]) -> dict[str, str]:
    return {k: v[0] for k, v in params.items()}


def error_response(status: int, message: str) -> Response:
    headers = []
    if status == 401:
        headers.append(("Www-Authenticate", 'Basic realm="InfluxDB"'))
    elif status // 100 != 2:
        headers.append(("X-Influxdb-Error", message[:1024]))
    return Response(status, (encode({"error": message}) + "\n").encode(), headers=headers)


def _plain(status: int, text: str) -> Response:
    return Response(
        status,
        (text + "\n").encode(),
        "text/plain; charset=utf-8",
        [("X-Content-Type-Options", "nosniff")],
    )


class Api:
    """influxd's HTTP semantics over a :class:`Store`."""

    def __init__(self, store: Store, clock: Callable[[], int] = time.time_ns) -> None:
        self.store = store
        self.clock = clock

    def handle(self, request: Request) -> Response:
        path, _, query = request.target.partition("?")
        response = self._route(request, path, query)
        request_id = str(uuid.uuid1())
        response.headers += [
            ("Request-Id", request_id),
            ("X-Influxdb-Build", "OSS"),
            ("X-Influxdb-Version", VERSION),
            ("X-Request-Id", request_id),
        ]
        return response

    def _route(self, request: Request, path: str, query: str) -> Response:
        methods = _ROUTES.get(path)
        if methods is None:
            return _plain(404, "404 page not found")
        if request.method not in methods:
            return _plain(405, "Method Not Allowed")
        if path == "/ping":
            return Response(204)
        params = _first(urllib.parse.parse_qs(query, keep_blank_values=True))
        try:
            if path == "/query":
                return self._query(request, params)
            return self._write(request, params)
        except Refused as exc:
            return error_response(exc.status, str(exc))
        except StoreClosed as exc:
            return error_response(503, str(exc))
        except Exception as exc:  # a request must never take the server down
            logger.exception("internal error on %s %s", request.method, path)
            return error_response(500, f"internal error: {exc}")

    def _user(self, request: Request, params: dict[str, str]) -> User | None:
        """Who is asking: nobody until an admin exists, then a checked login."""
        meta = self.store.meta
        if not meta.admin_exists():
            return None
        login = credentials(params, request.headers.get("authorization"))
        if not login.username:
            raise Refused(401, "username required")
        user = meta.authenticate(login.username, login.password)
        if user is None:
            raise Refused(401, "authorization failed")
        return user

    def _query(self, request: Request, params: dict[str, str]) -> Response:
        user = self._user(request, params)
        form = dict(params)
        content_type = request.headers.get("content-type", "")
        if request.method == "POST" and content_type.startswith(
            "application/x-www-form-urlencoded"
        ):
            body = request.body.decode("utf-8", "replace")
            form.update(_first(urllib.parse.parse_qs(body, keep_blank_values=True)))
        text = form.get("q", "").strip()
        if not text:
            return error_response(400, 'missing required parameter "q"')
        try:
            statements = parse_query(text)
        except ParseError as exc:
            return error_response(400, f"error parsing query: {exc}")
        database = params.get("db", "")
        authorize_query(statements, user, self.store.meta.user_count(), database)
        context = Context(
            database=database,
            retention_policy=form.get("rp", ""),
            user=user,
            read_only=request.method == "GET",
        )
        results = execute(self.store, statements, context)
        epoch = params.get("epoch", "").strip()
        return Response(200, render_results(results, epoch).encode())

    def _write(self, request: Request, params: dict[str, str]) -> Response:
        user = self._user(request, params)
        name = params.get("db", "")
        if not name:
            return error_response(400, "database is required")
        with self.store.use(name) as database:
            if database is None:
                return error_response(404, f"database not found: {quote(name)}")
            authorize_write(user, name)
            body = request.body
            if request.headers.get("content-encoding") == "gzip":
                try:
                    body = gzip.decompress(body)
                except (OSError, EOFError, zlib.error):
                    return error_response(400, "unexpected EOF")
            parsed = lineprotocol.parse(body, params.get("precision", ""), self.clock())
            if parsed.errors and not parsed.points:
                return error_response(400, "\n".join(parsed.errors))
            policy = params.get("rp", "")
            if policy and policy != "autogen":
                return error_response(500, f"retention policy not found: {policy}")
            outcome = database.write(parsed.points)
        if outcome.error is not None:
            return error_response(400, outcome.error)
        if parsed.errors:
            return error_response(400, f"partial write: {chr(10).join(parsed.errors)} dropped=0")
        return Response(204)


def _time(ns: int, epoch: str) -> int | str:
    if not epoch:
        return rfc3339(ns)
    divisor = _EPOCH_DIVISORS.get(epoch, 1)
    quotient = abs(ns) // divisor
    return -quotient if ns < 0 else quotient


def render_results(results: list[StatementResult], epoch: str) -> str:
    """The ``/query`` answer: ``{"results":[...]}`` with times as ``epoch`` asks."""
    return encode(_result_objects(results, epoch)) + "\n"


def _with_times(rows: list[list[object]], epoch: str) -> list[list[object]]:
    if epoch and _EPOCH_DIVISORS.get(epoch, 1) == 1:
        return rows
    for row in rows:
        row[0] = _time(row[0], epoch)  # type: ignore[arg-type]
    return rows


def _result_objects(results: list[StatementResult], epoch: str) -> dict[str, object]:
    if not results:
        return {}
    objects: list[dict[str, object]] = []
    for result in results:
        entry: dict[str, object] = {"statement_id": result.statement_id}
        if result.series:
            series = []
            for item in result.series:
                rows = _with_times(item.values, epoch) if result.has_time else item.values
                one: dict[str, object] = {"columns": item.columns}
                if item.name:  # influxd's ``omitempty``: SHOW GRANTS rows have no name
                    one = {"name": item.name, **one}
                if rows:
                    one["values"] = RawJSON(encode_rows(rows))
                series.append(one)
            entry["series"] = series
        if result.messages:
            entry["messages"] = [{"level": "warning", "text": m} for m in result.messages]
        if result.error is not None:
            entry["error"] = result.error
        objects.append(entry)
    return {"results": objects}
