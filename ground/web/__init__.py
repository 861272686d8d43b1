"""What every ground Flask service shares: one JSON error envelope, validated bodies, bearer
tokens for state-changing calls, ``/health``, ``/openapi.json`` and a threaded server."""

from ground.web.api import Api, ApiError, body
from ground.web.server import HttpServer

__all__ = ["Api", "ApiError", "HttpServer", "body"]
