"""Calls to the other ground services over REST: the original design kept REST for the
ordered steps."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from pydantic import SecretStr


class PeerError(RuntimeError):
    """A peer service could not be reached or answered with an error."""

    def __init__(
        self, message: str, status: int | None = None, body: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body = body or {}


class Peer:
    def __init__(self, name: str, url: str, token: SecretStr | None, timeout: float = 15.0):
        self.name = name
        self.url = url.rstrip("/")
        self._token = token
        self.timeout = timeout

    def call(self, method: str, path: str, payload: dict[str, Any] | None = None) -> Any:
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(f"{self.url}{path}", data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if self._token is not None:
            request.add_header("Authorization", f"Bearer {self._token.get_secret_value()}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.load(response)
        except urllib.error.HTTPError as exc:
            try:
                body = json.load(exc)
            except ValueError:
                body = {}
            message = body.get("error", {}).get("message", exc.reason)
            raise PeerError(
                f"{self.name} {method} {path}: {exc.code} {message}", exc.code, body
            ) from None
        except (OSError, ValueError) as exc:
            raise PeerError(f"{self.name} {method} {path}: {exc}") from None
