"""The simulation's HTTP calls to the ground services, as an operator's console makes them.

One small function shared by the roll-out (health checks), the mission observer (start a
mission, follow its state) and the post-flight collection (timeline, ledgers).
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any


def call(
    method: str,
    url: str,
    token: str | None = None,
    payload: dict[str, Any] | None = None,
    timeout: float = 60.0,
) -> Any:
    """The JSON answer of one request; the caller decides which failures it forgives."""
    request = urllib.request.Request(
        url, method=method, data=json.dumps(payload).encode() if payload else None
    )
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.load(response)
