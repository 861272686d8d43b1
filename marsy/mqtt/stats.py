"""The bus's counters, bumped by the session, the publishing and the consuming side alike, and
read by the services' health endpoints and the tests."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class BusStats:
    connects: int = 0
    disconnects: int = 0
    published: int = 0
    rejected: int = 0
    received: int = 0
    acked: int = 0
    stale_acks: int = 0
    refused_subscriptions: int = 0
    """Subscriptions the broker refused (not authorised; a shared one it does not offer)."""
