"""The one JSON error envelope every ground service answers its 4xx and 5xx with::

    {"error": {"status": 422, "code": "invalid", "message": "...", "field": "wind_speed"}}

``field`` names the part of the body at fault (``<body>`` for the body as a whole) and is left
out when no field is.
"""

from __future__ import annotations

from flask import Response
from pydantic import BaseModel, ConfigDict


class ErrorDetail(BaseModel):
    model_config = ConfigDict(frozen=True)

    status: int
    code: str
    """A stable word for the kind of error (``unauthenticated``, ``too_large``...)."""
    message: str
    field: str | None = None


class ErrorEnvelope(BaseModel):
    """What a 4xx or 5xx answer carries (its schema in ``/openapi.json``)."""

    model_config = ConfigDict(frozen=True)

    error: ErrorDetail


class ApiError(Exception):
    """An error answered with the JSON envelope."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field

    def response(self) -> Response:
        detail = ErrorDetail(
            status=self.status, code=self.code, message=self.message, field=self.field
        )
        return Response(
            ErrorEnvelope(error=detail).model_dump_json(exclude_none=True),
            status=self.status,
            mimetype="application/json",
        )
