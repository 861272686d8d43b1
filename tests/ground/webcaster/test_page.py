"""The webcast page in a real browser: headless Chromium (Debian's), driven by Playwright.

Playwright only drives the browser installed by the system (``executable_path``); it never
downloads one. As root, Chromium's sandbox must be off.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from devservers import LocalMosquitto
from marsy.mqtt import MqttBus
from marsy.protocol import AlertRule, Device, EventType, FlightPhase, MissionState
from tests.ground.webcaster.conftest import MakeWebcaster, Vehicles
from tests.ground.webcaster.messages import (
    ground_alert,
    line,
    rocket,
    status,
    vehicle_alert,
    vitals,
)

pytestmark = pytest.mark.integration

CHROMIUM = "/usr/bin/chromium"


def words(phase: FlightPhase) -> str:
    return str(phase).replace("_", " ")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    path = shutil.which("chromium") or CHROMIUM
    assert Path(path).exists(), "Chromium is missing: apt-get install -y chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=path, headless=True, args=["--no-sandbox"]
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()


def test_the_page_shows_commentary_lines_as_they_arrive(
    broker: LocalMosquitto,
    make_webcaster: MakeWebcaster,
    bus_factory: Callable[..., MqttBus],
    page: Page,
) -> None:
    webcaster = make_webcaster(broker)
    command = bus_factory(broker, "command")
    command.start()
    command.publish_message(status("m-live", FlightPhase.PAD)).wait()
    command.publish_message(line("Good morning from the pad.", mission="m-live")).wait()

    page.goto(f"{webcaster.url}/")
    expect(page.locator("#status")).to_have_text("live")  # onopen fired: the stream is open
    texts = page.locator("#lines .text")
    expect(texts).to_have_text(["Good morning from the pad."])  # from the snapshot
    expect(page.locator("#mission")).to_have_text("m-live")

    said = ["T minus 10.", "Ignition.", "Lift-off! <b>MarsY</b> has cleared the tower."]
    for count, text in enumerate(said, start=2):
        command.publish_message(line(text, mission="m-live")).wait()
        expect(texts).to_have_count(count)
        expect(texts.nth(count - 1)).to_have_text(text)
    expect(texts).to_have_text(["Good morning from the pad.", *said])
    assert page.locator("#lines b").count() == 0, "commentary is text, never markup"
    expect(page.locator("#lines .speaker").first).to_have_text("command")

    rocket_bus, suit_bus = bus_factory(broker, "rocket"), bus_factory(broker, "suit")
    rocket_bus.start()
    suit_bus.start()
    sample = rocket(FlightPhase.MAX_Q, "m-live", altitude=12_345.0, velocity=450.0)
    rocket_bus.publish_message(sample).wait()
    suit_bus.publish_message(vitals(mission="m-live", heart_rate=131.0, g_load=2.46)).wait()
    expect(page.locator("#phase")).to_have_text("max q")
    expect(page.locator('[data-key="rocket.altitude"] .value')).to_have_text("12.3 km")
    expect(page.locator('[data-key="suit.heart_rate"] .value')).to_have_text("131 bpm")
    expect(page.locator('[data-key="suit.g_load"] .value')).to_have_text("2.46 g")


def test_a_ground_alert_wears_a_ground_badge_apart_from_the_vehicles(
    broker: LocalMosquitto,
    make_webcaster: MakeWebcaster,
    bus_factory: Callable[..., MqttBus],
    page: Page,
) -> None:
    webcaster = make_webcaster(broker)
    command, calculator = bus_factory(broker, "command"), bus_factory(broker, "calculator")
    command.start()
    calculator.start()
    command.publish_message(status("m1", FlightPhase.ASCENT)).wait()
    page.goto(f"{webcaster.url}/")
    expect(page.locator("#status")).to_have_text("live")

    calculator.publish_message(vehicle_alert(Device.ROCKET, AlertRule.LOSS_OF_SIGNAL)).wait()
    calculator.publish_message(ground_alert("broker", "broker <b>unreachable</b> 20 s")).wait()

    items = page.locator("#alerts li")
    expect(items).to_have_count(2)
    expect(items.nth(0)).to_have_class("yellow ground")
    expect(items.nth(0).locator(".badge")).to_have_text("ground")
    expect(items.nth(0).locator(".text")).to_have_text("broker <b>unreachable</b> 20 s")
    expect(items.nth(1)).to_have_class("red vehicle")
    expect(items.nth(1).locator(".badge")).to_have_text("rocket")
    expect(items.nth(1).locator(".text")).to_have_text("LOS rocket (hold)")
    assert page.locator("#alerts b").count() == 0, "an alert's text is text, never markup"
    ground_colour = items.nth(0).evaluate("(li) => getComputedStyle(li).color")
    assert ground_colour != items.nth(1).evaluate("(li) => getComputedStyle(li).color")
    expect(page.locator("#lines .text").last).to_have_text(
        "Ground systems: broker unreachable; the vehicle is not affected."
    )

    calculator.publish_message(ground_alert("broker", cleared=True)).wait()
    expect(items).to_have_count(1)
    expect(page.locator("#alerts .badge")).to_have_text(["rocket"])
    expect(page.locator("#lines .text").last).to_have_text(
        "Ground systems: broker back to normal; the vehicle was not affected."
    )


def test_an_abort_is_told_as_it_happens_and_each_mission_set_apart(
    broker: LocalMosquitto,
    make_webcaster: MakeWebcaster,
    bus_factory: Callable[..., MqttBus],
    vehicles: Vehicles,
    page: Page,
) -> None:
    """The explosion scenario's abort, as the rocket, the suit and Command say it: the header
    says abort and follows the capsule down, whose own altitude replaces the rocket's frozen
    one; the commentary tells the ejection and both chutes; times read T+ from the lift-off; the
    next mission starts under a separator, its early lines relabelled T- at its lift-off."""
    webcaster = make_webcaster(broker, resend_every=0.2)  # no suit answers the interview
    command = bus_factory(broker, "command")
    command.start()
    rocket_bus, suit_bus = vehicles.buses[Device.ROCKET], vehicles.buses[Device.SUIT]
    now = time.time()
    command.publish_message(status("m1", FlightPhase.ASCENT)).wait()
    vehicles.say(Device.ROCKET, EventType.LIFTOFF, "m1", ts=now - 30.0)
    rocket_bus.publish_message(rocket(FlightPhase.ASCENT, altitude=6_200.0, velocity=310.0)).wait()
    suit_bus.publish_message(vitals(altitude=6_200.0, vertical_speed=250.0, g_load=2.1)).wait()

    page.goto(f"{webcaster.url}/")
    expect(page.locator("#status")).to_have_text("live")
    expect(page.locator("#state")).to_have_text("flying")
    labels = page.locator("#figures .label")
    expect(labels).to_have_text(
        ["rocket altitude", "rocket speed", "crew heart rate", "crew g-load"]
    )
    expect(page.locator('[data-key="rocket.altitude"] .value')).to_have_text("6200 m")

    vehicles.say(Device.ROCKET, EventType.ABORT, "m1")
    command.publish_message(line("Abort! The rocket called it.")).wait()
    expect(page.locator("#state")).to_have_text("abort")
    expect(page.locator("#state")).to_have_css("color", "rgb(255, 93, 93)")
    expect(page.locator("#phase")).to_have_text("abort")
    expect(page.locator("#crew")).to_have_text("capsule")
    expect(labels).to_have_text(
        ["capsule altitude", "capsule vertical speed", "crew heart rate", "capsule g-load"]
    )

    vehicles.say(Device.SUIT, EventType.EJECTION, "m1")
    rocket_bus.publish_message(rocket(FlightPhase.DESTROYED, altitude=6_100.0)).wait()
    descent = [
        (FlightPhase.ABORT, 6_900.0, 120.0, EventType.DROGUE_DEPLOYED),
        (FlightPhase.PARACHUTES, 3_000.0, -90.0, EventType.MAIN_DEPLOYED),
        (FlightPhase.PARACHUTES, 800.0, -7.0, None),
    ]
    altitude = page.locator('[data-key="suit.altitude"] .value')
    for phase, height, climb, then in descent:
        sample = vitals(phase=phase, altitude=height, vertical_speed=climb, g_load=1.4)
        suit_bus.publish_message(sample).wait()
        expect(page.locator("#phase")).to_have_text(words(phase))
        expect(altitude).to_have_text(f"{height:.0f} m")
        if then is not None:
            vehicles.say(Device.SUIT, then, "m1")
    expect(page.locator('[data-key="suit.vertical_speed"] .value')).to_have_text("-7 m/s")
    expect(page.locator('[data-key="rocket.altitude"]')).to_have_count(0)

    told = page.locator("#lines .line.host .text")
    expect(told).to_have_text(
        [
            re.compile(r"^The rocket calls the abort itself"),
            re.compile(r"^Capsule ejected: the crew is pulled clear"),
            "Drogue parachutes out: the capsule is slowing down.",
            "Main parachutes deployed: a gentle ride down from here.",
        ]
    )
    vehicles.say(Device.SUIT, EventType.CAPSULE_LANDED, "m1")
    command.publish_message(status("m1", FlightPhase.LANDED, MissionState.ABORTED)).wait()
    expect(page.locator("#state")).to_have_text("aborted")
    expect(page.locator("#phase")).to_have_text("landed")
    splashdown = told.filter(has_text=re.compile(r"^Splashdown! The capsule is down"))
    expect(splashdown).to_have_count(1)
    times = page.locator("#lines time, #events time")
    assert times.count() >= 8
    for label in times.all_text_contents():
        assert re.fullmatch(r"T\+00:[0-5]\d", label), label
    next_mission_is_set_apart(page, command, vehicles)


def next_mission_is_set_apart(page: Page, command: MqttBus, vehicles: Vehicles) -> None:
    """After mission m1: m2 under a separator in the commentary and the events; its line before
    lift-off on the mission clock, then T- once the rocket says when it lifted off."""
    command.publish_message(status("m2", FlightPhase.PAD, MissionState.POLLING)).wait()
    command.publish_message(line("Mission m2 is starting.", mission="m2")).wait()
    expect(page.locator("#state")).to_have_text("polling")
    expect(page.locator("#lines .separator")).to_have_text(["— mission m1 —", "— mission m2 —"])
    expect(page.locator("#events .separator")).to_have_text(["— mission m2 —", "— mission m1 —"])
    starting = page.locator("#lines .line").last
    expect(starting.locator(".text")).to_have_text("Mission m2 is starting.")
    expect(starting.locator("time")).to_have_text(re.compile(r"^\d\d:\d\d:\d\d$"))  # mission clock
    vehicles.say(Device.ROCKET, EventType.LIFTOFF, "m2", ts=time.time() + 5.0)
    expect(starting.locator("time")).to_have_text(re.compile(r"^T-00:0[4-5]$"))
    expect(page.locator("#figures .label").first).to_have_text("rocket altitude")
