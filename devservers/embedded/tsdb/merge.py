"""The order influxd gives rows of several series: its sorted merge, heap operations included.

influxd merges the series of a shard with Go's ``container/heap``, ordered by time and then by
the selected values that are strings (the selected names sorted); when those tie too the heap's
own arrangement decides, so points of several series at the same time come out in an order no
simple sort reproduces. Replaying the same heap operations on the same inputs gives the same
order. One series needs no heap: its rows come in time order.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import NamedTuple


class Row(NamedTuple):
    time: int
    aux: tuple[object, ...]
    """The values the merge breaks ties on: every selected name, sorted, as read."""
    values: list[object]


def _less(x: Row, y: Row, ascending: bool) -> bool:
    if x.time != y.time:
        return x.time < y.time if ascending else x.time > y.time
    for a, b in zip(x.aux, y.aux, strict=False):
        if not (isinstance(a, str) and isinstance(b, str)):
            return False
        if a != b:
            return a < b if ascending else a > b
    return False


class _Heap:
    """Go's ``container/heap`` over (current row, rest of its series)."""

    def __init__(self, items: list[tuple[Row, Iterator[Row]]], ascending: bool) -> None:
        self.items = items
        self.ascending = ascending
        for i in range(len(items) // 2 - 1, -1, -1):
            self._down(i, len(items))

    def _less(self, i: int, j: int) -> bool:
        return _less(self.items[i][0], self.items[j][0], self.ascending)

    def _swap(self, i: int, j: int) -> None:
        items = self.items
        items[i], items[j] = items[j], items[i]

    def _down(self, i0: int, n: int) -> None:
        i = i0
        while True:
            j1 = 2 * i + 1
            if j1 >= n:
                return
            j = j1
            j2 = j1 + 1
            if j2 < n and self._less(j2, j1):
                j = j2
            if not self._less(j, i):
                return
            self._swap(i, j)
            i = j

    def _up(self, j: int) -> None:
        while j > 0:
            i = (j - 1) // 2
            if not self._less(j, i):
                return
            self._swap(i, j)
            j = i

    def pop(self) -> tuple[Row, Iterator[Row]]:
        last = len(self.items) - 1
        self._swap(0, last)
        self._down(0, last)
        return self.items.pop()

    def push(self, item: tuple[Row, Iterator[Row]]) -> None:
        self.items.append(item)
        self._up(len(self.items) - 1)


def sorted_merge(inputs: Iterable[Iterator[Row]], ascending: bool) -> Iterator[Row]:
    """Rows of all ``inputs`` (each in time order, given in series-key order) as influxd
    merges them."""
    items: list[tuple[Row, Iterator[Row]]] = []
    for rows in inputs:
        first = next(rows, None)
        if first is not None:
            items.append((first, rows))
    if len(items) == 1:
        yield items[0][0]
        yield from items[0][1]
        return
    heap = _Heap(items, ascending)
    while heap.items:
        row, rest = heap.pop()
        yield row
        following = next(rest, None)
        if following is not None:
            heap.push((following, rest))
