"""A nominal mission through every attack a stolen satellite login allows: a forged mission
end at T+40 (the satellite saying in its own name that it is free, and for the booster that it
is lost), a forged abort, the satellite's computer taken over to flood junk on its own telemetry
topic (its agent stopped meanwhile), telemetry numbered 10^12, the ingest's client id asked for
with its session, and refusals forged for the payload's detach order. The broker, the contract
and the ground's own rules refuse each; the flight completes as if nothing had been said."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.faults.flight import (
    Flight,
    Rows,
    assert_flew_nominally,
    assert_ledgers_whole,
    assert_no_loss_of_signal,
    assert_not_noted,
    assert_noted,
    fly_through,
)

pytestmark = [pytest.mark.faults, pytest.mark.integration]

FLOODED = re.compile(r"(\d+) of (\d+) taken by the broker .* kicked (\d+) times")
AT_LEAST = 10_000
"""Junk messages the broker must take for the flood to have flooded: a device sends about ten
samples a mission second, so this is over six times what the satellite could send in the
flood's 150 mission seconds."""
PLAN = (
    "forge-complete@40",
    "forge-abort@70",
    "flood@100+150,count=50000",
    "seq-jump@260",
    "takeover@300+30",
    "forge-ack@380+120",
)


def assert_flooded(flight: Flight) -> None:
    """The stolen satellite computer kept its connection and the broker took the junk."""
    record = flight.fault("flood")
    found = FLOODED.search(str(record))
    assert found is not None, str(record)
    taken, _, kicked = (int(group) for group in found.groups())
    assert kicked == 0 and taken >= AT_LEAST, str(record)


def assert_refused(flight: Flight, text: str) -> None:
    """Command logged a refusal of ``text`` (a claim it did not act on)."""
    refusals = [e["text"] for e in flight.entries("refused")]
    assert any(text in r for r in refusals), f"no refusal of {text!r} in {refusals}"


def assert_dead_lettered(flight: Flight, topic_end: str, at_least: int) -> None:
    """The recorders set at least ``at_least`` forgeries on ``topic_end`` aside (not junk)."""
    letters = [
        d
        for d in flight.result.dead_letters
        if d.topic.endswith(topic_end) and "junk" not in d.excerpt
    ]
    assert len(letters) >= at_least, f"{len(letters)} dead letters on {topic_end}"


def assert_released_once(flight: Flight) -> None:
    """The satellite's own release before the stages were apart was refused as out of order,
    and only the real one, after orbit, was believed."""
    staged = flight.entries("event", "stage_separation", "rocket")[0]["ts"]
    early = [
        e
        for e in flight.entries("refused", "payload_detached from the satellite")
        if e["ts"] < staged
    ]
    assert early, f"no early release refused\n{flight.story()}"
    assert early[0]["data"]["why"].endswith("out of order"), early[0]["data"]
    # the real release may be logged twice (QoS 1 delivers at least once): one release, though
    believed = {e["ts"] for e in flight.entries("event", "payload_detached", "satellite")}
    assert len(believed) == 1, f"releases believed: {[flight.t(ts) for ts in believed]}"
    orbit = flight.entries("event", "orbit", "rocket")[0]["ts"]
    assert min(believed) > orbit, f"released at {flight.t(min(believed))}"


def assert_no_refusal_believed(flight: Flight) -> None:
    believed = flight.entries("ack", "detach refused") + flight.entries("log", "detach refused")
    assert not believed, f"a forged refusal was believed: {believed}"


def test_every_attack_of_a_stolen_satellite_login(tmp_path: Path) -> None:
    flight = fly_through(tmp_path, *PLAN)
    rows = Rows(flight)
    rows.check("flight", lambda: assert_flew_nominally(flight))
    rows.check("ledgers (seq-jump)", lambda: assert_ledgers_whole(flight))
    rows.check(
        "no loss of signal but the flooding satellite's (takeover)",
        lambda: assert_no_loss_of_signal(flight, but=flight.fault("flood")),
    )
    # the contract refuses the two spellings of each forged event that name another device
    rows.check("forged events", lambda: assert_dead_lettered(flight, "/events/satellite", 2 * 2))
    rows.check("forged telemetry", lambda: assert_dead_lettered(flight, "/telemetry/satellite", 2))
    # Command refuses the claims the satellite makes in its own name about another device, and
    # its own release before the stages are apart
    rows.check("forge-abort", lambda: assert_refused(flight, "abort from the satellite"))
    rows.check("forge-complete", lambda: assert_refused(flight, "booster_lost from the satellite"))
    rows.check("forge-complete, own word", lambda: assert_released_once(flight))
    rows.check("flood", lambda: assert_flooded(flight))
    rows.check("flood stopped the satellite", lambda: assert_noted(flight, "flood", "SIGCONT"))
    rows.check("takeover tried", lambda: assert_noted(flight, "takeover", "client id"))
    rows.check(
        "takeover kept the ingest",
        lambda: assert_not_noted(flight, "takeover", "the ingest lost its broker connection"),
    )
    rows.check("forge-ack tried", lambda: assert_noted(flight, "forge-ack", "seen"))
    rows.check("forge-ack", lambda: assert_no_refusal_believed(flight))
    rows.assert_all()
