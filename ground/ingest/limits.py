"""Per-source rate limits: one flooding login cannot starve the others of the recorder's time.

The recorder reads every delivery on one thread, in the broker's order, so a source that sends
junk (or valid-looking samples) by the ten thousand delays everyone queued behind it. Before a
delivery is decoded, its source is taken from the topic (the broker's ACL pins each topic name to
one login, so the name is authenticated) and charged to that source's token bucket; a source over
its budget is refused at the cost of a topic split and a subtraction.

The budget is generous: a device sends about ten samples a second and the default allows twenty
times that, with a burst that absorbs the backlog a device (or the broker, for a restarted
ingest) delivers at once after an outage. Buckets refill in mission seconds: in a time-warped
simulation the devices send ``warp`` times faster, and so may they.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from ground.ingest.counters import MAX_SOURCES, OTHER
from marsy.protocol import Topics


def source_of(topics: Topics, topic: str) -> str:
    """The publisher a topic belongs to (its last level), without decoding anything."""
    try:
        return topics.parse(topic)[1]
    except ValueError:
        return topic[:256]


@dataclass
class TokenBucket:
    """``rate`` tokens a second up to ``burst``; :meth:`take` spends one if there is one."""

    rate: float
    burst: float
    tokens: float
    updated: float

    @classmethod
    def full(cls, rate: float, burst: float, now: float) -> TokenBucket:
        return cls(rate, burst, burst, now)

    def take(self, now: float) -> bool:
        if now > self.updated:
            self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
            self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class SourceLimiter:
    """A token bucket per source, created full on the source's first message."""

    def __init__(self, rate: float, burst: float, now: Callable[[], float]) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("a source needs a positive rate and a burst of at least one")
        self.rate = rate
        self.burst = burst
        self._now = now
        self._buckets: dict[str, TokenBucket] = {}
        self._lock = threading.Lock()

    def allow(self, source: str) -> bool:
        """Whether ``source`` may have one more message handled now."""
        now = self._now()
        with self._lock:
            bucket = self._buckets.get(source)
            if bucket is None:
                if len(self._buckets) >= MAX_SOURCES:
                    source = OTHER
                bucket = self._buckets.setdefault(
                    source, TokenBucket.full(self.rate, self.burst, now)
                )
            return bucket.take(now)
