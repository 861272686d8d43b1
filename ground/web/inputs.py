"""What a request may bring: a body of at most :data:`MAX_BODY` bytes, sent as JSON (UTF-8),
holding one object that fits the route's model.

The size is judged on the declared ``Content-Length`` before anything reads the body, on every
route (a GET carrying a body included), so an oversized request costs its headers only; a
chunked body, which declares no length, is refused once it passes the limit, never read
further (``MAX_CONTENT_LENGTH``, set on every app by :meth:`ground.web.Api.install`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TypeVar

from flask import request
from pydantic import BaseModel, ValidationError

from ground.web.errors import ApiError

M = TypeVar("M", bound=BaseModel)

MAX_BODY = 64 * 1024
"""Bytes a request body may have. The largest legitimate body (imposed weather conditions, an
order with its 500-character reason) is under 1 KiB."""

BODY = "<body>"
"""The ``field`` of an error about the body as a whole."""


def is_json(mimetype: str, params: Mapping[str, str]) -> bool:
    """``application/json`` or an ``application/*+json`` type, in UTF-8: JSON has no other
    encoding (RFC 8259), so another charset is a client bug to report, not to guess at."""
    kind = mimetype.lower()
    if kind != "application/json" and not (
        kind.startswith("application/") and kind.endswith("+json")
    ):
        return False
    return params.get("charset", "utf-8").lower() in ("utf-8", "utf8")


def too_large(limit: int) -> ApiError:
    return ApiError(413, "too_large", f"the body is over the {limit}-byte limit", BODY)


def refuse_oversize() -> None:
    """Before every request: 413 for a declared length over the limit, the body unread."""
    limit = request.max_content_length
    length = request.content_length
    if limit is not None and length is not None and length > limit:
        raise too_large(limit)


def _carries_body() -> bool:
    chunked = "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    return chunked or bool(request.content_length)


def _bounded_body() -> bytes:
    """The body, at most the limit. Flask reads a chunked body up to the limit and no further,
    silently: one more byte tells a body that ends there from one that goes on."""
    raw = request.get_data(cache=True)
    limit = request.max_content_length
    if limit is None or request.content_length is not None or len(raw) < limit:
        return raw
    try:
        more = request.environ["wsgi.input"].read(1)
    except OSError:
        raise ApiError(400, "malformed", "the body did not arrive whole", BODY) from None
    if more:
        raise too_large(limit)
    return raw


def body(model: type[M]) -> M:
    """The request's body validated as ``model``: 415 unless it is sent as JSON, 413 over the
    limit, 400 when it is empty or not a JSON object, 422 naming the field that does not fit."""
    if _carries_body() and not is_json(request.mimetype, request.mimetype_params):
        sent = request.mimetype or "no Content-Type"
        raise ApiError(
            415, "unsupported_media_type", f"the body must be application/json, not {sent}", BODY
        )
    raw = _bounded_body()
    if not raw:
        raise ApiError(400, "empty", "the body is empty: a JSON object is required", BODY)
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "malformed", "the body is not JSON", BODY) from None
    if not isinstance(data, dict):
        raise ApiError(400, "malformed", "the body must be a JSON object", BODY)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"]) or BODY
        raise ApiError(422, "invalid", first["msg"], where) from None
