"""What an agent counts while it flies: read by tests, the heartbeat and the operator's logs."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class AgentStats:
    """Counters shared by the agent's parts; each part increments only its own."""

    telemetry: int = 0
    """Samples queued (the reader)."""
    invalid_frames: int = 0
    """Intact frames the contract refused (the reader); reported as bad frames."""
    commands: int = 0
    """Commands for this device received (the command handler)."""
    repeated_commands: int = 0
    """Of those, ids seen before and answered again from the journal."""
    refused_commands: int = 0
    """Of those, refused by the checks or the device's phase rules."""
    malformed_messages: int = 0
    """Deliveries the contract could not decode (the inbox)."""
