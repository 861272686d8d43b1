"""The fault plan's spelling (``marsy sim --fault``) and the checks it passes before a flight."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from marsy.protocol import Device
from marsy_cli.main import cli
from marsy_sim.faults import (
    DEFAULT_FOR,
    INGEST_CLIENT_ID,
    FaultKind,
    FaultPlanError,
    ScriptedFault,
    check_plan,
    needs_relay,
    parse_fault,
)


def test_kind_time_and_duration() -> None:
    fault = parse_fault("broker-kill@20+30")
    assert fault == ScriptedFault(FaultKind.BROKER_KILL, 20.0, 30.0)
    assert fault.ends == 50.0
    assert str(fault) == "broker-kill@20+30"


def test_an_agent_freeze_names_its_device() -> None:
    fault = parse_fault("agent-freeze:rocket@200.5+15")
    assert (fault.kind, fault.device, fault.at, fault.duration) == (
        FaultKind.AGENT_FREEZE,
        Device.ROCKET,
        200.5,
        15.0,
    )
    assert fault.name == "agent-freeze:rocket"
    with pytest.raises(FaultPlanError, match="names the agent to stop"):
        parse_fault("agent-freeze@200+15")
    with pytest.raises(FaultPlanError, match="names the agent to stop"):
        parse_fault("agent-freeze:capsule@200+15")
    with pytest.raises(FaultPlanError, match="only agent-freeze names a device"):
        parse_fault("broker-kill:rocket@20+30")


def test_a_freeze_and_a_flood_stop_an_agent_and_nothing_else_does() -> None:
    assert parse_fault("agent-freeze:suit@10+5").stops is Device.SUIT
    assert parse_fault("flood@100+60").stops is Device.SATELLITE, "its computer floods"
    assert parse_fault("forge-complete@40").stops is None
    assert parse_fault("broker-freeze@10+5").stops is None


def test_without_a_duration_an_outage_outlasts_the_loss_of_signal_threshold() -> None:
    """At speed 10 the calculator calls a device silent after 30 mission seconds."""
    fault = parse_fault("store-kill@100")
    assert fault.duration == DEFAULT_FOR[FaultKind.STORE_KILL] > 30
    assert parse_fault("forge-abort@70").duration == 0.0


def test_options_per_kind() -> None:
    flood = parse_fault("flood@100,count=80000")
    assert flood.count == 80_000
    assert str(flood) == "flood@100+100,count=80000"
    assert parse_fault("seq-jump@170,seq=9").seq == 9
    takeover = parse_fault("takeover@220+30")
    assert takeover.client_id == INGEST_CLIENT_ID
    assert parse_fault("takeover@220,client_id=marsy-payload").client_id == "marsy-payload"


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("", "expected KIND"),
        ("broker-kill", "expected KIND"),
        ("broker-kill@-5", "expected KIND"),
        ("broker-nap@20", "no fault kind 'broker-nap'"),
        ("link-cut@20+0", "an outage lasts some time"),
        ("flood@10,count=0", "count: 1 to"),
        ("flood@10,count=many", "a whole number"),
        ("flood@10,seq=5", "flood has no option 'seq'"),
        ("forge-abort@10,count=5", "options: none"),
        ("takeover@10,client_id=a b", "client_id: 1-64"),
        ("takeover@10,client_id=a/b", "client_id"),
    ],
)
def test_a_bad_spelling_says_what_is_wrong(spec: str, says: str) -> None:
    with pytest.raises(FaultPlanError, match=says):
        parse_fault(spec)


def test_servers_the_simulation_did_not_start_are_not_killed() -> None:
    faults = [parse_fault(s) for s in ("broker-freeze@20+30", "store-kill@100+40")]
    check_plan(faults, private_broker=True, private_store=True)
    with pytest.raises(FaultPlanError, match="broker-freeze@20\\+30: needs the broker"):
        check_plan(faults, private_broker=False, private_store=True)
    with pytest.raises(FaultPlanError, match="store-kill@100\\+40: needs the store"):
        check_plan(faults, private_broker=True, private_store=False)
    attacks = [parse_fault(s) for s in ("link-cut@20+30", "flood@40", "takeover@60")]
    check_plan(attacks, private_broker=False, private_store=False)


def test_only_a_link_cut_puts_a_relay_in_the_way() -> None:
    assert needs_relay([parse_fault("link-cut@20+30")])
    assert not needs_relay([parse_fault("broker-kill@20+30"), parse_fault("flood@40")])


def test_the_sim_command_refuses_a_bad_plan_before_starting_anything(tmp_path: object) -> None:
    runner = CliRunner()
    bad = runner.invoke(cli, ["sim", "--plain", "--fault", "broker-nap@20"])
    assert bad.exit_code == 2
    assert "--fault" in bad.output and "no fault kind 'broker-nap'" in bad.output
    external = runner.invoke(
        cli, ["sim", "--plain", "--broker", "mqtt://u:p@127.0.0.1:1", "--fault", "broker-kill@20"]
    )
    assert external.exit_code == 2
    assert "needs the broker this simulation starts" in external.output
