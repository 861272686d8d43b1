"""A thin layer over Flask: routes declared with their body and answer models, so requests are
validated by pydantic, errors share one JSON envelope and the OpenAPI description writes itself.

Error envelope, for every 4xx/5xx::

    {"error": {"status": 422, "code": "invalid", "message": "...", "field": "wind_speed"}}

State-changing routes take ``auth=True``: the caller sends ``Authorization: Bearer <token>``,
the token names the caller (``api_tokens`` in the settings), and ``callers`` may restrict which
callers a route accepts (401 without a valid token, 403 for a caller not allowed).
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, Response, g, request
from pydantic import BaseModel, SecretStr, ValidationError
from werkzeug.exceptions import HTTPException

logger = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)
View = Callable[..., Any]


class ApiError(Exception):
    """An error answered with the JSON envelope."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field

    def response(self) -> Response:
        error: dict[str, Any] = {"status": self.status, "code": self.code, "message": self.message}
        if self.field is not None:
            error["field"] = self.field
        return Response(
            json.dumps({"error": error}), status=self.status, mimetype="application/json"
        )


def body(model: type[M]) -> M:
    """The request's JSON body validated as ``model``: 400 if it is not JSON, 422 naming the
    field at fault if it does not fit."""
    raw = request.get_data(cache=True)
    try:
        data = json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "malformed", "the body is not JSON", "<body>") from None
    if not isinstance(data, dict):
        raise ApiError(400, "malformed", "the body must be a JSON object", "<body>")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"]) or "<body>"
        raise ApiError(422, "invalid", first["msg"], where) from None


@dataclass
class _Route:
    path: str
    method: str
    summary: str
    body: type[BaseModel] | None
    answer: type[BaseModel] | None
    auth: bool


@dataclass
class Api:
    """Routes of one service, with what OpenAPI needs to know about them."""

    title: str
    tokens: Mapping[str, SecretStr] = field(default_factory=dict)
    routes: list[_Route] = field(default_factory=list)

    def route(
        self,
        app: Flask,
        path: str,
        *,
        method: str = "GET",
        body: type[BaseModel] | None = None,
        answer: type[BaseModel] | None = None,
        auth: bool = False,
        callers: Iterable[str] | None = None,
    ) -> Callable[[View], View]:
        """Register a view; it returns a model (sent as JSON) or ``(model, status)``."""
        allowed = frozenset(callers) if callers is not None else None

        def register(view: View) -> View:
            @wraps(view)
            def handler(**kwargs: Any) -> Response:
                if auth:
                    g.caller = self._authenticate(allowed)
                result = view(**kwargs)
                status = 200
                if isinstance(result, tuple):
                    result, status = result
                if isinstance(result, Response):
                    return result
                payload = (
                    result.model_dump_json()
                    if isinstance(result, BaseModel)
                    else json.dumps(result)
                )
                return Response(payload, status=status, mimetype="application/json")

            app.add_url_rule(path, endpoint=f"{method}:{path}", view_func=handler, methods=[method])
            summary = (view.__doc__ or "").strip().splitlines()[0] if view.__doc__ else ""
            self.routes.append(_Route(path, method, summary, body, answer, auth))
            return view

        return register

    def _authenticate(self, allowed: frozenset[str] | None) -> str:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise ApiError(401, "unauthenticated", "a bearer token is required")
        for caller, secret in self.tokens.items():
            if hmac.compare_digest(token.encode(), secret.get_secret_value().encode()):
                if allowed is not None and caller not in allowed:
                    raise ApiError(403, "forbidden", f"{caller} may not call this endpoint")
                return caller
        raise ApiError(401, "unauthenticated", "unknown token")

    def openapi(self) -> dict[str, Any]:
        """The OpenAPI 3.1 description of the registered routes."""
        paths: dict[str, Any] = {}
        schemas: dict[str, Any] = {}

        def ref(model: type[BaseModel]) -> dict[str, str]:
            schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
            schemas.update(schema.pop("$defs", {}))
            schemas[model.__name__] = schema
            return {"$ref": f"#/components/schemas/{model.__name__}"}

        for route in self.routes:
            operation: dict[str, Any] = {"summary": route.summary, "responses": {}}
            if route.body is not None:
                operation["requestBody"] = {
                    "required": True,
                    "content": {"application/json": {"schema": ref(route.body)}},
                }
            ok: dict[str, Any] = {"description": "OK"}
            if route.answer is not None:
                ok["content"] = {"application/json": {"schema": ref(route.answer)}}
            operation["responses"]["200"] = ok
            operation["responses"]["4XX"] = {"description": "the JSON error envelope"}
            if route.auth:
                operation["security"] = [{"bearer": []}]
            flask_path = route.path.replace("<", "{").replace(">", "}")
            paths.setdefault(flask_path, {})[route.method.lower()] = operation
        return {
            "openapi": "3.1.0",
            "info": {"title": self.title, "version": "1"},
            "paths": paths,
            "components": {
                "schemas": schemas,
                "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            },
        }

    def install(self, app: Flask, health: Callable[[], Mapping[str, Any]]) -> None:
        """Error handlers, ``/health`` and ``/openapi.json``."""

        @app.errorhandler(ApiError)
        def api_error(error: ApiError) -> Response:
            return error.response()

        @app.errorhandler(HTTPException)
        def http_error(error: HTTPException) -> Response:
            code = (error.name or "error").lower().replace(" ", "_")
            return ApiError(error.code or 500, code, error.description or "").response()

        @app.errorhandler(Exception)
        def crash(error: Exception) -> Response:
            logger.exception("unhandled error in %s %s", request.method, request.path)
            return ApiError(500, "internal", "internal error").response()

        @app.get("/health")
        def health_view() -> Response:
            return Response(json.dumps(dict(health()), default=str), mimetype="application/json")

        @app.get("/openapi.json")
        def openapi_view() -> Response:
            return Response(json.dumps(self.openapi()), mimetype="application/json")
