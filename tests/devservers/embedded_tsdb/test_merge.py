"""Rows of several series in influxd's order, ties included.

The expected orders are what influxd 1.6 answered for the same points: twelve alert series
(``device`` and ``rule`` tags) at three timestamps, selected as ``rule, device, level``.
"""

from __future__ import annotations

import random

from devservers.embedded.tsdb.merge import Row, sorted_merge

T0 = 1_800_000_000_000_000_000


def alert_series() -> dict[str, list[tuple[int, str, str, int]]]:
    """(time, rule, device, level) per series key, as written to influxd."""
    rng = random.Random(1)
    series: dict[str, list[tuple[int, str, str, int]]] = {}
    for t in range(3):
        rules = [f"r{i}" for i in range(12)]
        rng.shuffle(rules)
        for i, rule in enumerate(rules):
            device = f"d{i % 3}"
            key = f"alerts,device={device},mission=m1,rule={rule}"
            series.setdefault(key, []).append((T0 + t, rule, device, i))
    return series


def merged(ascending: bool) -> list[tuple[int, str, str]]:
    series = alert_series()
    keys = sorted(series) if ascending else sorted(series, reverse=True)
    inputs = [
        iter(
            Row(time, (device, level, rule), [time, rule, device, level])  # aux: names sorted
            for time, rule, device, level in sorted(series[k], reverse=not ascending)
        )
        for k in keys
    ]
    return [
        (row.time - T0, str(row.values[1]), str(row.values[2]))
        for row in sorted_merge(inputs, ascending)
    ]


def test_ascending_ties_come_out_as_influxd_gives_them() -> None:
    expected = "r1 r8 r3 r7 r9 r10 r11 r5 r0 r2 r4 r6 r5 r8 r1 r6 r0 r11 r10 r2 r7 r9 r3 r4 "
    expected += "r10 r6 r4 r3 r8 r1 r0 r7 r9 r11 r5 r2"
    rows = merged(ascending=True)
    assert [rule for _, rule, _ in rows] == expected.split()
    assert [t for t, _, _ in rows] == sorted(t for t, _, _ in rows)


def test_descending_ties_come_out_as_influxd_gives_them() -> None:
    expected = "r9 r5 r11 r2 r1 r0 r8 r7 r6 r4 r10 r3 r3 r7 r4 r9 r10 r0 r2 r11 r8 r1 r6 r5 "
    expected += "r0 r4 r2 r6 r5 r10 r11 r9 r7 r1 r3 r8"
    assert [rule for _, rule, _ in merged(ascending=False)] == expected.split()


def test_one_series_needs_no_heap() -> None:
    rows = [Row(t, (), [t]) for t in (3, 1, 2)]  # a single input is passed through as is
    assert [r.time for r in sorted_merge([iter(rows)], True)] == [3, 1, 2]
