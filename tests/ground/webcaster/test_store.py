"""The transcript store: once per mission, resumable, durable across reopening."""

from __future__ import annotations

from pathlib import Path

from ground.webcaster.interview import QUESTIONS, TRIGGERS, command_id
from ground.webcaster.store import Exchange, TranscriptStore
from marsy.protocol import EventType

QS = QUESTIONS[EventType.PAYLOAD_DETACHED]


def test_a_mission_is_interviewed_once(tmp_path: Path) -> None:
    store = TranscriptStore(tmp_path / "w.db")
    begun = store.begin("m1", "Thomas", EventType.PAYLOAD_DETACHED, QS, 10.0)
    assert begun is not None and not begun.finished
    assert store.begin("m1", "Thomas", EventType.CAPSULE_LANDED, QS, 20.0) is None
    assert store.begin("m2", "Thomas", EventType.CAPSULE_LANDED, QS, 30.0) is not None
    transcript = store.transcript("m1")
    assert transcript == begun
    assert transcript.trigger is EventType.PAYLOAD_DETACHED and transcript.questions == QS
    assert store.transcript("m3") is None


def test_an_unfinished_interview_survives_reopening_and_finishes(tmp_path: Path) -> None:
    store = TranscriptStore(tmp_path / "w.db")
    store.begin("m1", "Thomas", EventType.PAYLOAD_DETACHED, QS, 10.0)
    first = Exchange(index=0, question=QS[0], answer="Smooth.", asked_at=11.0, answered_at=12.0)
    store.record("m1", first)
    store.close()

    reopened = TranscriptStore(tmp_path / "w.db")
    [unfinished] = reopened.unfinished()
    assert unfinished.mission_id == "m1" and unfinished.exchanges == (first,)
    assert not unfinished.finished
    reopened.record(
        "m1",
        Exchange(
            index=1,
            question=QS[1],
            answer=None,
            note="no answer from the suit",
            asked_at=13.0,
            answered_at=None,
        ),
    )
    reopened.finish("m1", 20.0)
    assert reopened.unfinished() == []
    done = reopened.transcript("m1")
    assert done is not None and done.finished
    assert [e.answer for e in done.exchanges] == ["Smooth.", None]


def test_command_ids_are_stable_valid_and_distinct() -> None:
    assert command_id("m1", 0) == command_id("m1", 0)
    ids = {command_id(m, i) for m in ("m1", "m2", "x" * 64) for i in range(3)}
    assert len(ids) == 9
    assert all(8 <= len(i) <= 64 and i.isalnum() for i in ids)
    assert {EventType.PAYLOAD_DETACHED, EventType.CAPSULE_LANDED} == TRIGGERS
