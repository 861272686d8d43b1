"""A thin layer over Flask: routes declared with their body, answer models and statuses, so
requests are validated by pydantic, errors share one JSON envelope (:mod:`ground.web.errors`),
bodies are bounded (:mod:`ground.web.inputs`) and the OpenAPI description writes itself with
the statuses each route really answers (:mod:`ground.web.statuses`).

State-changing routes take ``auth=True``: the caller sends ``Authorization: Bearer <token>``,
the token names the caller (``api_tokens`` in the settings), and ``callers`` may restrict which
callers a route accepts (401 without a valid token, 403 for a caller not allowed).
"""

from __future__ import annotations

import hmac
import json
import logging
import re
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from flask import Flask, Response, g, request
from pydantic import BaseModel, SecretStr
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from ground.web.errors import ApiError, ErrorEnvelope
from ground.web.inputs import MAX_BODY, refuse_oversize, too_large
from ground.web.statuses import UndeclaredStatus, route_statuses

logger = logging.getLogger(__name__)

View = Callable[..., Any]


def _openapi_path(path: str) -> str:
    """``/missions/<mission_id>`` or ``/notes/<int:n>`` as OpenAPI writes it: ``{name}``."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", path)


@dataclass
class _Route:
    path: str
    method: str
    summary: str
    body: type[BaseModel] | None
    answer: type[BaseModel] | None
    auth: bool
    statuses: dict[int, str]


@dataclass
class Api:
    """Routes of one service, with what OpenAPI needs to know about them; ``max_body`` bounds
    every request body of the app it is installed on."""

    title: str
    tokens: Mapping[str, SecretStr] = field(default_factory=dict)
    max_body: int = MAX_BODY
    routes: list[_Route] = field(default_factory=list)
    _endpoints: dict[str, _Route] = field(default_factory=dict, repr=False)

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
        statuses: Mapping[int, str] | None = None,
    ) -> Callable[[View], View]:
        """Register a view; it returns a model (sent as JSON) or ``(model, status)``.

        ``statuses``: what the view itself may answer beyond 200 (a 2xx here replaces 200), with
        what each means; the layer adds its own (:func:`ground.web.statuses.route_statuses`)."""
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

            endpoint = f"{method}:{path}"
            app.add_url_rule(path, endpoint=endpoint, view_func=handler, methods=[method])
            summary = (view.__doc__ or "").strip().splitlines()[0] if view.__doc__ else ""
            every = route_statuses(
                statuses or {},
                body=body is not None,
                auth=auth,
                restricted=allowed is not None,
                max_body=self.max_body,
            )
            route = _Route(path, method, summary, body, answer, auth, every)
            self.routes.append(route)
            self._endpoints[endpoint] = route
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

    def _check_declared(self, response: Response) -> Response:
        route = self._endpoints.get(request.endpoint or "")
        if route is None or request.method == "OPTIONS":
            return response
        if response.status_code not in route.statuses:
            warnings.warn(
                f"{route.method} {route.path} answered {response.status_code}, "
                f"not among its declared statuses {sorted(route.statuses)}",
                UndeclaredStatus,
                stacklevel=1,
            )
        return response

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
            for status, meaning in route.statuses.items():
                answer: dict[str, Any] = {"description": meaning}
                model = route.answer if status < 400 else ErrorEnvelope
                if model is not None:
                    answer["content"] = {"application/json": {"schema": ref(model)}}
                operation["responses"][str(status)] = answer
            if route.auth:
                operation["security"] = [{"bearer": []}]
            paths.setdefault(_openapi_path(route.path), {})[route.method.lower()] = operation
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
        """The body limit, error handlers, the declared-status check, ``/health`` and
        ``/openapi.json``."""
        app.config["MAX_CONTENT_LENGTH"] = self.max_body
        app.before_request(refuse_oversize)
        app.after_request(self._check_declared)

        @app.errorhandler(ApiError)
        def api_error(error: ApiError) -> Response:
            return error.response()

        @app.errorhandler(RequestEntityTooLarge)
        def chunked_too_large(error: RequestEntityTooLarge) -> Response:
            return too_large(self.max_body).response()

        @app.errorhandler(HTTPException)
        def http_error(error: HTTPException) -> Response:
            code = (error.name or "error").lower().replace(" ", "_")
            return ApiError(error.code or 500, code, error.description or "").response()

        @app.errorhandler(Exception)
        def crash(error: Exception) -> Response:
            logger.exception("unhandled error in %s %s", request.method, request.path)
            return ApiError(500, "internal", "internal error").response()

        @self.route(app, "/health")
        def health_view() -> Response:
            """The service's own counters and state."""
            return Response(json.dumps(dict(health()), default=str), mimetype="application/json")

        @self.route(app, "/openapi.json")
        def openapi_view() -> Response:
            """This description."""
            return Response(json.dumps(self.openapi()), mimetype="application/json")
