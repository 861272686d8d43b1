"""Each dashboard's link opens it on one mission over the mission's own time, wherever Grafana
is and however far the warped clock ran ahead of the wall's."""

from __future__ import annotations

import urllib.parse

import pytest

from ground.grafana import dashboard_links, grafana_url
from ground.grafana.links import DEFAULT_URL, MARGIN, URL_SETTING, time_range
from tests.grafana.dashboards import committed_dashboards

FIRST = 4_102_444_800.25
"""2100-01-01 plus a quarter second: a warped mission far ahead of the wall clock."""
LAST = FIRST + 612.5


def test_every_dashboard_opens_on_the_mission_and_its_time() -> None:
    links = dashboard_links("M1-abc", FIRST, LAST, "https://grafana.example:3000/")

    assert [link.uid for link in links] == [
        "marsy-flight",
        "marsy-crew",
        "marsy-booster",
        "marsy-payload",
        "marsy-health",
    ]
    assert {link.uid for link in links} == {board["uid"] for board in committed_dashboards()}
    for link in links:
        parts = urllib.parse.urlsplit(link.url)
        assert f"{parts.scheme}://{parts.netloc}{parts.path}" == (
            f"https://grafana.example:3000/d/{link.uid}"
        )
        query = urllib.parse.parse_qs(parts.query)
        assert query["var-mission"] == ["M1-abc"]
        start, end = int(query["from"][0]), int(query["to"][0])
        assert start == round((FIRST - MARGIN) * 1000) and end == round((LAST + MARGIN) * 1000)


def test_the_range_holds_every_timestamp_with_a_margin() -> None:
    start, end = time_range([10.0005, 3.0, 7.25], margin=1.0)
    assert (start, end) == (2000, 11001)
    with pytest.raises(ValueError, match="at least one"):
        time_range([])


def test_grafanas_address_is_a_setting() -> None:
    assert grafana_url({}) == DEFAULT_URL
    assert grafana_url({URL_SETTING: "http://ops.example/grafana/"}) == (
        "http://ops.example/grafana"
    )
    with pytest.raises(ValueError, match=URL_SETTING):
        grafana_url({URL_SETTING: "ops.example:3000"})


def test_the_default_address_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(URL_SETTING, "http://wall-display:3000")
    (first, *_) = dashboard_links("M1", FIRST, LAST)
    assert first.url.startswith("http://wall-display:3000/d/marsy-flight?")
