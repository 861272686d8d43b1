"""The recorded flight drawn over the simulated one: altitude and speed against time, marks ruled.

matplotlib is the ground's extra, not the boards': it is imported only when a plot is asked for.
"""

from __future__ import annotations

from pathlib import Path

from firmware_sim.compare import Marks, Track


def plot_comparison(
    path: Path,
    title: str,
    recorded: tuple[str, Track, Marks],
    simulated: tuple[str, Track, Marks],
) -> Path:
    """Write a PNG of both flights' altitude and speed to ``path``; each is ``(label, track,
    marks)``, the marks ruled at the recorded flight's. Raises ``RuntimeError`` where
    matplotlib is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:  # the bare wheel of a board computer
        raise RuntimeError("plotting needs matplotlib: install marsy[ground]") from exc
    figure, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(9.0, 7.0))
    for (label, track, _), style in ((recorded, "o"), (simulated, "-")):
        size = {"markersize": 2.0} if style == "o" else {"linewidth": 1.6}
        altitudes = [altitude / 1000 for altitude in track.altitudes]
        top.plot(track.times, altitudes, style, label=label, **size)
        bottom.plot(track.times, track.speeds, style, label=label, **size)
    marks = recorded[2]
    ruled = ((60.0, "T+60"), (120.0, "T+120"), (marks.meco[0], "MECO"), (marks.max_q[0], "Max-Q"))
    for at, name in ruled:
        for axes in (top, bottom):
            axes.axvline(at, color="0.6", linewidth=0.8, linestyle="--")
        top.annotate(
            name,
            (at, 1.0),
            xycoords=("data", "axes fraction"),
            rotation=90,
            va="top",
            ha="right",
            fontsize=8,
            color="0.35",
        )
    top.set_ylabel("altitude (km)")
    bottom.set_ylabel("speed relative to the ground (m/s)")
    bottom.set_xlabel("time after lift-off (s)")
    top.set_title(title, fontsize=10)
    top.legend(loc="upper right", fontsize=8)
    for axes in (top, bottom):
        axes.grid(True, linewidth=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path
