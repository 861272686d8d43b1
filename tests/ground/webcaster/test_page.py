"""The webcast page in a real browser: headless Chromium (Debian's), driven by Playwright.

Playwright only drives the browser installed by the system (``executable_path``); it never
downloads one. As root, Chromium's sandbox must be off.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from devservers import LocalMosquitto
from marsy.mqtt import MqttBus
from marsy.protocol import AlertRule, Device, FlightPhase
from tests.ground.webcaster.conftest import MakeWebcaster
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
