"""What every ground Flask service shares: one JSON error envelope, bounded and validated
bodies, bearer tokens for state-changing calls, declared statuses, ``/health``,
``/openapi.json`` and a threaded server that does not read what it refused."""

from ground.web.api import Api
from ground.web.errors import ApiError
from ground.web.inputs import MAX_BODY, body
from ground.web.server import HttpServer
from ground.web.statuses import UndeclaredStatus

__all__ = ["MAX_BODY", "Api", "ApiError", "HttpServer", "UndeclaredStatus", "body"]
