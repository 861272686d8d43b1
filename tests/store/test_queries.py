"""The statements the seam sends, pinned: the embedded store answers exactly these shapes."""

from __future__ import annotations

from marsy.store import queries


def test_the_shapes_are_sent_as_listed() -> None:
    assert {s.name: s.example for s in queries.SHAPES} == {
        "window": "SELECT * FROM \"rocket\" WHERE mission = 'M-1' "
        "AND time > 1800000000000000000 AND time <= 1800000004000000000",
        "latest": "SELECT * FROM \"rocket\" WHERE mission = 'M-1' "
        "AND time > 1799999700000000000 AND time <= 1800000000000000000 "
        "ORDER BY time DESC LIMIT 1",
        "whole mission": "SELECT * FROM \"rocket\" WHERE mission = 'M-1'",
        "alerts": "SELECT * FROM \"alerts\" WHERE mission = 'M-1'",
        "count": 'SELECT count("seq") FROM "rocket" WHERE mission = \'M-1\'',
        "sequence numbers": 'SELECT "seq" FROM "rocket" WHERE mission = \'M-1\'',
    }


def test_a_mission_id_is_a_quoted_literal_whatever_it_holds() -> None:
    assert queries.whole_mission("suit", "a'b\\c") == (
        "SELECT * FROM \"suit\" WHERE mission = 'a\\'b\\\\c'"
    )
