"""Shards: weeks of time, aligned as influxd 1.6 aligns a default database's shard groups.

influxd keeps field types per shard, so a type conflict is refused only within one, and a
query reads fields by the types of the shards its time range covers.
"""

from __future__ import annotations

DAY = 86_400 * 10**9
SHARD_DURATION = 7 * DAY
"""influxd's shard group duration for a database created without a retention policy."""


def _week_start(time: int) -> int:
    return (time + 3 * DAY) // SHARD_DURATION * SHARD_DURATION - 3 * DAY


def shard_start(time: int) -> int:
    """The shard holding ``time``, named by its start: weeks begin on Mondays, as Go's
    ``Truncate`` puts them (counted from year 1, which began on a Monday; 1970-01-01 was a
    Thursday). The first shard starts before int64 nanoseconds do; it is named by their start."""
    return max(_week_start(time), -(2**63))


def shard_end(start: int) -> int:
    """The last nanosecond of the shard named ``start``."""
    return _week_start(start) + SHARD_DURATION - 1
