"""The picture Command decides on is the mission log read again: a restarted Command knows what
it saw, what it decided and the ids of its orders, and believes nothing the log refused."""

from __future__ import annotations

from typing import Any

from ground.command.flight_rules import FlightAction
from ground.command.picture import Kind, Picture, What
from ground.command.store import Entry
from marsy.protocol import Alert, AlertRule, CommandAction, Device, EventType, Severity

T0 = 1_800_000_000.0


def entry(kind: Kind, source: str, text: str, /, **data: Any) -> Entry:
    return Entry(T0, kind, source, text, data)


def alert_data(rule: AlertRule, *, cleared: bool = False, parameter: str | None = None) -> Any:
    alert = Alert(
        mission_id="M1",
        source="calculator",
        seq=1,
        ts=T0,
        device=Device.ROCKET,
        rule=rule,
        severity=Severity.RED,
        cleared=cleared,
        parameter=parameter,
    )
    return {**alert.model_dump(mode="json"), "flight_rule": "FR-4", "action": "hold"}


def test_events_are_believed_from_their_owners_only_and_in_order() -> None:
    picture = Picture.from_log(
        "M1",
        [
            entry(Kind.EVENT, "satellite", "payload_detached", detail="early"),  # even if logged
            entry(Kind.EVENT, "rocket", "liftoff"),
            entry(Kind.REFUSED, "satellite", "booster_lost from the satellite"),
            entry(Kind.EVENT, "satellite", "booster_lost"),  # even if logged as an event
            entry(Kind.EVENT, "staging", "stage_separation"),
            entry(Kind.EVENT, "rocket", "stage_separation"),
            entry(Kind.EVENT, "rocket", "seco"),
            entry(Kind.EVENT, "satellite", "payload_detached", detail="free"),
        ],
    )
    assert set(picture.seen.events) == {
        EventType.LIFTOFF,
        EventType.STAGE_SEPARATION,
        EventType.SECO,
        EventType.PAYLOAD_DETACHED,
    }
    released = picture.seen.events[EventType.PAYLOAD_DETACHED]
    assert (released.reporter, released.detail) == (Device.SATELLITE, "free")


def test_alerts_decisions_and_orders_come_back_after_a_restart() -> None:
    log = [
        entry(Kind.ALERT, "calculator", "red los", **alert_data(AlertRule.LOSS_OF_SIGNAL)),
        entry(
            Kind.DECISION,
            "command",
            "hold: FR-4",
            what=What.HOLD,
            go=True,
            detail="HOLD FR-4 ...",
            flight_rule="FR-4",
        ),
        entry(Kind.ALERT, "calculator", "red limit", **alert_data(AlertRule.LIMIT, parameter="x")),
    ]
    held = Picture.from_log("M1", log)
    assert (held.hold, held.hold_detail) == ("FR-4", "HOLD FR-4 ...")
    assert len(held.seen.alerts) == 2 and not held.aborting

    log += [
        entry(
            Kind.ALERT,
            "calculator",
            "cleared",
            **alert_data(AlertRule.LOSS_OF_SIGNAL, cleared=True),
        ),
        entry(
            Kind.DECISION,
            "command",
            "abort: go",
            what=What.ABORT,
            go=True,
            detail="FR-1",
            action=FlightAction.FLIGHT_TERMINATION,
            flight_rule="FR-1",
        ),
        entry(
            Kind.ORDER,
            "command",
            "eject -> suit",
            command_id="command-eject-0123456789abcdef",
            device="suit",
            action="eject",
        ),
        entry(
            Kind.DECISION,
            "command",
            "eject order: go",
            what="eject order",
            go=True,
            detail="acked",
            order_action="eject",
            answered=True,
        ),
        entry(
            Kind.ORDER,
            "command",
            "destruct -> rocket",
            command_id="command-destruct-fedcba9876543210",
            device="rocket",
            action="destruct",
        ),
        entry(
            Kind.DECISION,
            "command",
            "destruct order: go",
            what="destruct order",
            go=True,
            detail="no answer",
            order_action="destruct",
            answered=False,
        ),
    ]
    aborting = Picture.from_log("M1", log)
    assert aborting.taken is FlightAction.FLIGHT_TERMINATION and aborting.hold is None
    assert [a.rule for a in aborting.seen.alerts.values()] == [AlertRule.LIMIT]
    assert aborting.orders == {
        CommandAction.EJECT: "command-eject-0123456789abcdef",
        CommandAction.DESTRUCT: "command-destruct-fedcba9876543210",
    }
    assert aborting.settled == {CommandAction.EJECT}, "the destruct is still to be answered"


def test_the_device_each_command_went_to_is_remembered() -> None:
    command = {"command_id": "payload-detach-0123456789abcdef", "device": "rocket"}
    picture = Picture.from_log("M1", [entry(Kind.COMMAND, "payload", "detach", **command)])
    assert picture.addressed == {"payload-detach-0123456789abcdef": Device.ROCKET}
