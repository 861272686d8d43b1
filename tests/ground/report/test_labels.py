"""Event labels never cover one another: on paper (the placement) and as drawn (matplotlib's
own extents of the texts); an event's effect is found on its curve."""

from __future__ import annotations

import itertools
import random

import matplotlib.pyplot as plt
import pytest

from ground.command.store import Entry, Mission
from ground.report.data import MissionData, Series
from ground.report.labels import Label, peak_after, place, value_at
from ground.report.plots import G_LOAD, PLOTS, _label, _mark, text_width
from marsy.protocol import Device, FlightPhase, MissionState

CHAR = 4.0


def width(text: str) -> float:
    return CHAR * len(text)


def overlapping(labels: list[Label]) -> list[tuple[str, str]]:
    return [
        (a.text, b.text)
        for a, b in itertools.combinations(labels, 2)
        if a.row == b.row and a.start < b.end and b.start < a.end
    ]


def test_labels_far_apart_share_the_top_row() -> None:
    labels = place([(0, "liftoff"), (60, "max_q"), (150, "meco")], (0, 500), 600, width)
    assert [label.row for label in labels] == [0, 0, 0]
    assert not any(label.leftward for label in labels)


def test_labels_of_a_bunch_go_down_a_row_each() -> None:
    staging = [(150.0, "meco"), (152.0, "stage_separation"), (153.5, "seco"), (400.0, "orbit")]
    labels = {label.text: label for label in place(staging, (0, 500), 600, width)}
    assert [labels[name].row for name in ("meco", "stage_separation", "seco")] == [0, 1, 2]
    assert labels["orbit"].row == 0


def test_a_label_at_the_right_edge_is_written_leftward_and_still_fits() -> None:
    (label,) = place([(498.0, "payload_detached")], (0, 500), 600, width)
    assert label.leftward
    assert 0 <= label.start < label.end <= 600


def test_marks_outside_the_axis_are_left_out() -> None:
    assert place([(-5.0, "early"), (505.0, "late")], (0, 500), 600, width) == []
    with pytest.raises(ValueError):
        place([], (1, 1), 600, width)


def test_no_two_labels_of_a_row_overlap_whatever_the_events() -> None:
    rng = random.Random(7)
    for _ in range(200):
        marks = [(rng.uniform(0, 600), "x" * rng.randint(3, 18)) for _ in range(rng.randint(1, 14))]
        labels = place(marks, (0, 600), 640, width)
        assert len(labels) == len(marks)
        assert not overlapping(labels)
        rows = {label.row for label in labels}
        assert rows == set(range(len(rows))), "rows are filled from the top"


def test_drawn_labels_do_not_overlap() -> None:
    fig, ax = plt.subplots(figsize=(9, 4.2), dpi=100)
    try:
        ax.plot([-10, 600], [0, 200])
        fig.tight_layout()
        marks = [
            (0.0, "liftoff"),
            (62.0, "max_q"),
            (150.0, "meco"),
            (151.0, "stage_separation"),
            (158.0, "booster_landed"),
            (455.0, "seco"),
            (456.0, "orbit"),
            (470.0, "payload_detached"),
            (599.0, "capsule_landed"),
        ]
        labels = _label(ax, marks)
        assert max(label.row for label in labels) >= 1
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in ax.texts]
        assert len(boxes) == len(marks)
        clashes = [
            (a, b) for (a, one), (b, two) in itertools.combinations(boxes, 2) if one.overlaps(two)
        ]
        assert not clashes
        axes = ax.get_window_extent(renderer)
        assert all(axes.x0 <= box.x0 and box.x1 <= axes.x1 for _, box in boxes)
        curve_top = ax.transData.transform((600, 200))[1]
        assert all(box.y0 > curve_top for _, box in boxes), "labels above the curves"
    finally:
        plt.close(fig)


def test_text_width_is_measured_in_the_labels_font() -> None:
    assert 0 < text_width("max_q") < text_width("stage_separation") < 100


def test_an_events_effect_is_found_on_its_curve() -> None:
    t = [29.0, 30.0, 30.5, 31.0, 32.0, 40.0]
    g = [1.1, 1.2, None, 14.2, 3.0, 1.0]
    assert peak_after(t, g, 30.0, 5.0) == (31.0, 14.2)
    assert peak_after(t, g, 41.0, 5.0) is None
    assert value_at(t, g, 31.4, 2.0) == (31.0, 14.2)
    assert value_at(t, g, 36.0, 2.0) is None


def test_the_ejection_kick_is_marked_on_the_crew_plot() -> None:
    crew = next(plot for plot in PLOTS if plot.file == "crew.png")
    assert [h.event for h in crew.highlights] == ["ejection"]
    descent = next(plot for plot in PLOTS if plot.file == "crew_descent.png")
    assert [h.event for h in descent.highlights] == ["drogue_deployed", "main_deployed"]

    suit = Series(t=[29.0, 30.0, 31.0, 32.0], columns={"g_load": [1.0, 1.1, 14.2, 2.0]})
    mission = Mission("M1", "explosion", MissionState.ABORTED, FlightPhase.ABORT, 0.0, 60.0, "")
    data = MissionData(
        mission,
        0.0,
        {device: Series() for device in Device} | {Device.SUIT: suit},
        [Entry(30.0, "event", "suit", "ejection", {})],
        [],
    )
    fig, ax = plt.subplots()
    try:
        _mark(ax, data, crew.highlights[0], 30.0)
        (text,) = [t.get_text() for t in ax.texts]
        assert text == "ejection kick 14.2 g at T+31 s"
        (point,) = ax.lines
        assert list(point.get_xdata()) == [31.0]
        assert list(point.get_ydata()) == [14.2 * G_LOAD.scale]
    finally:
        plt.close(fig)
