"""What the recorder counts per source (topic name = authenticated publisher), for ``/health``.

Names come from topics the broker's ACL pins to logins, so they are few; past
:data:`MAX_SOURCES` they are counted together under :data:`OTHER` all the same, so a misconfigured
broker cannot grow the table without bound.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass

OTHER = "<other>"
MAX_SOURCES = 1024


@dataclass
class SourceCounts:
    received: int = 0
    rate_limited: int = 0
    """Refused before decoding: the source was over its rate."""
    refused: int = 0
    """Refused by the contract (malformed, or not on its own topic)."""
    seq_refused: int = 0
    """Refused by the ledger: a sequence number far outside the source's window."""
    letters: int = 0
    """Dead letters about this source handed to the broker (in full, or a summary)."""
    summarised: int = 0
    """Refusals not published in full: held back by the budget, told as a count in a later
    letter."""


class PerSource:
    """:class:`SourceCounts` by source, created on first use."""

    def __init__(self, limit: int = MAX_SOURCES) -> None:
        self._limit = limit
        self._counts: dict[str, SourceCounts] = {}
        self._lock = threading.Lock()

    def __getitem__(self, source: str) -> SourceCounts:
        counts = self._counts.get(source)
        if counts is not None:
            return counts
        with self._lock:
            if source not in self._counts and len(self._counts) >= self._limit:
                source = OTHER
            return self._counts.setdefault(source, SourceCounts())

    def snapshot(self) -> dict[str, dict[str, int]]:
        with self._lock:
            return {name: asdict(counts) for name, counts in sorted(self._counts.items())}
