"""The agent's counters as the contract reports them (:class:`~marsy.protocol.AgentCounters`).

From the board to the broker, what the agent counted of one mission: frames read, damaged,
refused and missed (the gaps in the board's numbering: lost before the agent could number them;
the reader), each stream's messages numbered and dropped (the outbox), and how the
disk has treated the outbox since the agent started. The samples taken on ``standby`` are
reported apart. A ledger on the ground sets these against what it stored.
"""

from __future__ import annotations

from edge.runtime.outbox import OutboxStats
from edge.runtime.tallies import MissionTally
from marsy.protocol import AgentCounters, StreamCount
from marsy.protocol.commanding import STANDBY

FRAMES_READ = "frames_read"
FRAMES_BAD = "frames_bad"
FRAMES_REFUSED = "frames_refused"
FRAMES_MISSED = "frames_missed"


def streams(tally: MissionTally) -> dict[str, StreamCount]:
    """Each stream's numbered and dropped messages."""
    return {
        stream: StreamCount(numbered=numbered, dropped=tally.dropped.get(stream, 0))
        for stream, numbered in sorted(tally.numbered.items())
    }


def agent_counters(
    mission_id: str,
    tally: MissionTally,
    standby: MissionTally,
    stats: OutboxStats,
    held: int,
) -> AgentCounters:
    """The counters of ``mission_id`` (``tally``), with the standby samples' apart."""
    return AgentCounters(
        frames_read=tally.counts.get(FRAMES_READ, 0),
        frames_bad=tally.counts.get(FRAMES_BAD, 0),
        frames_refused=tally.counts.get(FRAMES_REFUSED, 0),
        frames_missed=tally.counts.get(FRAMES_MISSED, 0),
        write_failures=stats.write_failures,
        held=held,
        held_total=stats.held_total,
        dropped_full=stats.dropped_full,
        streams=streams(tally),
        standby={} if mission_id == STANDBY else streams(standby),
    )
