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

from marsy.local import LocalMosquitto
from marsy.mqtt import MqttBus
from marsy.protocol import FlightPhase
from tests.ground.webcaster.conftest import MakeWebcaster
from tests.ground.webcaster.messages import line, rocket, status, vitals

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
    rocket_bus.publish_message(rocket(FlightPhase.MAX_Q, altitude=12_345.0, velocity=450.0)).wait()
    suit_bus.publish_message(vitals(heart_rate=131.0, g_load=2.46)).wait()
    expect(page.locator("#phase")).to_have_text("max q")
    expect(page.locator('[data-key="rocket.altitude"] .value')).to_have_text("12.3 km")
    expect(page.locator('[data-key="suit.heart_rate"] .value')).to_have_text("131 bpm")
    expect(page.locator('[data-key="suit.g_load"] .value')).to_have_text("2.46 g")
