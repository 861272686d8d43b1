"""The commentary's lines and the header's state, without a broker: what is told, by whom."""

from __future__ import annotations

from ground.webcaster.commentary import (
    EVENT_LINES,
    Telling,
    booster_key,
    event_key,
    tell_booster,
    tell_event,
)
from ground.webcaster.header import Header, shown_state
from marsy.protocol import (
    EVENT_REPORTERS,
    Device,
    EventType,
    FlightPhase,
    MissionEvent,
    MissionState,
)
from tests.ground.webcaster.messages import booster, event, status, vitals


def said(kind: EventType, detail: str = "", **options: object) -> MissionEvent:
    """``kind`` in the words of the device entitled to report it."""
    [owner] = EVENT_REPORTERS[kind]
    message = event(kind, source=str(owner), device=owner)
    return message.model_copy(update={"detail": detail, **options})


class Flight:
    """The commentary's memory of one mission, as the narrator keeps it."""

    def __init__(self) -> None:
        self.believed: set[EventType] = set()
        self.told: set[str] = set()
        self.lines: list[str] = []

    def hear(self, message: MissionEvent) -> Telling | None:
        telling = tell_event(message, self.believed, self.told)
        self._take(telling)
        self.believed.add(message.event)  # the narrator notes what it believed
        return telling

    def booster(self, phase: FlightPhase) -> Telling | None:
        telling = tell_booster(booster(phase, altitude=50_000.0), self.believed, self.told)
        self._take(telling)
        return telling

    def _take(self, telling: Telling | None) -> None:
        if telling is not None:
            self.told.add(telling.key)
            self.lines.append(telling.text)


def test_every_event_worth_telling_has_a_line_from_its_owner() -> None:
    flight = Flight()
    nominal = [
        EventType.LIFTOFF,
        EventType.MAX_Q,
        EventType.MECO,
        EventType.STAGE_SEPARATION,
        EventType.SECO,
        EventType.ORBIT,
        EventType.PAYLOAD_DETACHED,
        EventType.BOOSTER_LANDED,
    ]
    for kind in nominal:
        flight.hear(said(kind))
    assert flight.lines == [
        "Max-Q: the rocket is through the hardest push of the air.",
        "Main engine cut-off: the first stage has done its work.",
        "Second engine cut-off.",
        "We are in orbit!",
        "The booster has landed!",
    ]
    assert EventType.LIFTOFF not in EVENT_LINES, "Command says the lift-off"
    for milestone in (EventType.STAGE_SEPARATION, EventType.PAYLOAD_DETACHED):
        assert milestone not in EVENT_LINES, "Staging and Payload say their milestones"


def test_the_abort_is_told_through_to_splashdown_with_the_vehicles_details() -> None:
    flight = Flight()
    flight.hear(said(EventType.LIFTOFF))
    flight.hear(said(EventType.ABORT, "explosion_imminent: explosion expected at T+31.0 s"))
    flight.hear(said(EventType.EJECTION, "capsule ejected at 6.2 km"))
    flight.hear(said(EventType.SELF_DESTRUCT, "flight termination"))
    flight.hear(said(EventType.DROGUE_DEPLOYED))
    flight.hear(said(EventType.MAIN_DEPLOYED))
    flight.hear(said(EventType.CAPSULE_LANDED, "splashdown at 7.10 m/s"))
    assert flight.lines == [
        "The rocket calls the abort itself: the crew's escape begins "
        "— explosion_imminent: explosion expected at T+31.0 s.",
        "Capsule ejected: the crew is pulled clear of the rocket — capsule ejected at 6.2 km.",
        "Flight termination: the rocket's self-destruct has fired — flight termination.",
        "Drogue parachutes out: the capsule is slowing down.",
        "Main parachutes deployed: a gentle ride down from here.",
        "Splashdown! The capsule is down, the crew is home — splashdown at 7.10 m/s.",
    ]
    # the rocket's Max-Q after the crew has left it is not the story any more
    assert tell_event(said(EventType.MAX_Q), flight.believed, flight.told) is None
    landed = said(EventType.CAPSULE_LANDED, "touchdown at 6.0 m/s")
    telling = tell_event(landed, flight.believed, set())
    assert telling is not None and telling.text.startswith("Touchdown!")
    exploded = tell_event(said(EventType.EXPLOSION), flight.believed, flight.told)
    assert exploded is not None
    assert exploded.text == "The rocket has exploded; the crew was already clear."


def test_the_boosters_burns_are_told_once_with_the_phases_they_open() -> None:
    flight = Flight()
    flight.hear(said(EventType.STAGE_SEPARATION))
    flight.booster(FlightPhase.COAST)
    flight.hear(said(EventType.BOOSTBACK_BURN, "3 engines, touchdown 370 km from the pad"))
    flight.hear(said(EventType.ENTRY_BURN, "3 engines at 50.0 km, 1244 m/s"))
    assert flight.booster(FlightPhase.REENTRY) is None  # the entry burn said it
    assert flight.booster(FlightPhase.LANDING_BURN) is not None  # before its event
    assert flight.hear(said(EventType.LANDING_BURN, "1 engine at 3189 m, 287 m/s")) is None
    assert flight.lines[1:] == [
        "Boostback burn: the booster pushes back toward the launch site "
        "\u2014 3 engines, touchdown 370 km from the pad.",
        "Entry burn: the booster brakes before the thick air "
        "\u2014 3 engines at 50.0 km, 1244 m/s.",
        "Landing burn: the booster lights up for touchdown.",
    ]


def test_a_burn_before_the_separation_is_not_believed() -> None:
    flight = Flight()
    assert flight.hear(said(EventType.ENTRY_BURN)) is None


def test_each_line_is_told_once_per_mission() -> None:
    flight = Flight()
    assert flight.hear(said(EventType.MAX_Q)) is not None
    assert flight.hear(said(EventType.MAX_Q)) is None  # a redelivery, a second report
    assert flight.lines == ["Max-Q: the rocket is through the hardest push of the air."]


def test_only_the_owner_of_an_event_is_believed_and_only_in_order() -> None:
    flight = Flight()
    # a ground service's echo, another device's claim: nothing
    assert flight.hear(event(EventType.STAGE_SEPARATION, source="staging", device=None)) is None
    assert flight.hear(said(EventType.EJECTION, source="rocket", device=Device.ROCKET)) is None
    # the suit's parachutes before its ejection: not believed
    assert tell_event(said(EventType.DROGUE_DEPLOYED), set(), set()) is None
    # orbit before the upper stage's cut-off: not believed, the real one after it is
    assert tell_event(said(EventType.ORBIT), set(), set()) is None
    assert tell_event(said(EventType.ORBIT), {EventType.SECO}, set()) is not None
    assert flight.lines == []


def test_the_booster_is_followed_home_from_its_own_telemetry_after_separation() -> None:
    flight = Flight()
    assert flight.booster(FlightPhase.COAST) is None, "still on the stack: the rocket's coast"
    flight.hear(said(EventType.STAGE_SEPARATION))
    for phase in (
        FlightPhase.COAST,
        FlightPhase.COAST,
        FlightPhase.REENTRY,
        FlightPhase.LANDING_BURN,
        FlightPhase.LANDED,
    ):
        flight.booster(phase)
    assert flight.lines == [
        "The booster turns for home, coasting back to the landing zone.",
        "The booster is re-entering the atmosphere.",
        "Landing burn: the booster lights up for touchdown.",
        "The booster is down on the landing zone!",
    ]
    # its landing event after its telemetry said it: the same news, not told again
    assert booster_key(FlightPhase.LANDED) == event_key(EventType.BOOSTER_LANDED)
    assert flight.hear(said(EventType.BOOSTER_LANDED)) is None
    # another device's telemetry is not the booster's
    assert tell_booster(vitals(altitude=1.0), flight.believed, set()) is None  # type: ignore[arg-type]


def test_the_header_says_abort_and_follows_the_capsule() -> None:
    header = Header()
    header.on_status(status("m1", FlightPhase.PAD, MissionState.POLLING))
    assert header.shown() == {"state": "polling", "phase": "pad", "crew": "rocket"}
    header.on_status(status("m1", FlightPhase.ASCENT))
    header.on_rocket(FlightPhase.MAX_Q)
    assert header.shown()["phase"] == FlightPhase.MAX_Q
    header.on_event(event(EventType.ABORT, source="payload", device=None))
    assert header.shown()["state"] == "flying", "a service's word is no abort"
    header.on_event(said(EventType.ABORT))
    assert header.shown() == {"state": "abort", "phase": "abort", "crew": "capsule"}
    header.on_suit(FlightPhase.MAX_Q)  # the suit still aboard, not heard since
    header.on_rocket(FlightPhase.DESTROYED)  # the rocket is no longer the crew's vehicle
    assert header.shown()["phase"] == FlightPhase.ABORT
    for phase in (FlightPhase.PARACHUTES, FlightPhase.LANDED):
        header.on_suit(phase)
        assert header.shown()["phase"] == phase
    header.on_status(status("m1", FlightPhase.LANDED, MissionState.ABORTED))
    assert header.shown() == {"state": "aborted", "phase": "landed", "crew": "capsule"}


def test_the_suits_capsule_phase_is_an_abort_even_unheard() -> None:
    header = Header()
    header.on_status(status("m1", FlightPhase.ASCENT))
    header.on_suit(FlightPhase.PARACHUTES)
    assert header.shown() == {"state": "abort", "phase": "parachutes", "crew": "capsule"}


def test_the_state_shown_from_commands_status() -> None:
    assert shown_state(None, "", aborted=False) is None
    assert shown_state("scrubbed", "weather: wind", aborted=False) == "scrubbed"
    assert shown_state("flying", "HOLD loss of signal rocket", aborted=False) == "hold"
    assert shown_state("flying", "hold lifted: los no longer fires", aborted=False) == "flying"
    assert shown_state("flying", "HOLD x", aborted=True) == "abort"
    assert shown_state("held", "", aborted=False) == "held", "any state the status carries"
    assert shown_state("complete", "", aborted=True) == "complete"


def test_the_capsule_only_goes_down() -> None:
    header = Header()
    header.on_status(status("m1", FlightPhase.ASCENT))
    header.on_event(said(EventType.EJECTION))
    assert header.shown()["phase"] == FlightPhase.ABORT
    header.on_event(said(EventType.DROGUE_DEPLOYED))
    assert header.shown()["phase"] == FlightPhase.PARACHUTES
    header.on_suit(FlightPhase.ABORT)  # a sample from before the drogues, late
    assert header.shown()["phase"] == FlightPhase.PARACHUTES
    header.on_status(status("m1", FlightPhase.LANDED))  # Command, on the suit's landing
    assert header.shown()["phase"] == FlightPhase.LANDED
    header.on_suit(FlightPhase.PARACHUTES)
    assert header.shown()["phase"] == FlightPhase.LANDED
