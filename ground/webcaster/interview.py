"""The astronaut interview: questions to the suit as INTERVIEW commands, answers from its acks.

After the payload is away (or the capsule is down after an abort) the webcaster asks a few
questions. Each goes to the suit agent as a :class:`DeviceCommand`; the agent answers with a
:class:`CommandAck` whose ``reason`` is the astronaut's answer, built from their own flight data.
Question and answer go out as webcast lines and into the transcript store.

The trigger must be the vehicle's own word, after the steps it follows
(:data:`marsy.protocol.EVENT_PREREQUISITES`): the satellite saying it is free before the stages
are apart, a ground service's echo or another device's claim starts nothing. The steps believed
are kept in the store, so a restarted webcaster still believes the release that follows them.

Questions go out as the steering services' orders do, through
:class:`ground.devices.DeviceCommander` (sent again until the suit's own ack comes), and a
trigger is believed by the steering services' rule
(:func:`ground.steering.flight.vehicle_event`). Command ids are derived from the mission and the
question's index, so resending a question (no ack yet, or after a restart) is answered from the
suit's command journal, never asked twice.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass

from ground.devices import DeviceCommander, NoAnswer
from ground.steering.flight import vehicle_event
from ground.webcaster.store import Exchange, Transcript, TranscriptStore
from ground.webcaster.view import HOST
from ground.webcaster.voice import Voice
from marsy.clock import MissionClock
from marsy.mqtt import Delivery, MqttBus
from marsy.protocol import (
    CommandAck,
    CommandAction,
    Device,
    EventType,
    MissionEvent,
    is_vehicle,
    prerequisites_of,
    unmet,
)

logger = logging.getLogger(__name__)

UNNAMED = "astronaut"
"""Speaker name of the answers when no vitals have told us the astronaut's name."""

QUESTIONS: Mapping[EventType, tuple[str, ...]] = {
    EventType.PAYLOAD_DETACHED: (
        "The payload is away. How was the ride up?",
        "What was Max-Q like from your seat?",
        "What would you tell everyone watching?",
    ),
    EventType.CAPSULE_LANDED: (
        "You are down safely. How are you?",
        "What was the abort like from the inside?",
        "What would you tell everyone watching?",
    ),
}
OPENING = "We go live to"
"""How the interview's first line starts: the webcaster's lines before it are commentary."""
TRIGGERS = frozenset(QUESTIONS)
"""Events after which the astronaut is interviewed (the first of them, once per mission)."""
FOLLOWED = TRIGGERS | prerequisites_of(TRIGGERS)
"""The vehicle events remembered: the triggers and the steps they follow."""


def command_id(mission_id: str, index: int) -> str:
    """The same question of the same mission always has the same command id."""
    digest = hashlib.sha256(mission_id.encode()).hexdigest()[:24]
    return f"iv{digest}{index:02d}"


@dataclass
class InterviewStats:
    started: int = 0
    resumed: int = 0
    finished: int = 0
    skipped: int = 0
    """Triggers for a mission that already had its interview."""
    refused: int = 0
    """Triggers not believed: not the vehicle's own word, or before the steps they follow."""
    unanswered: int = 0


class Interviewer:
    """Runs each interview on its own thread, so the bus consumer keeps flowing (it hands the
    suit's acks to :meth:`answers`)."""

    def __init__(
        self,
        bus: MqttBus,
        store: TranscriptStore,
        clock: MissionClock,
        *,
        source: str = "webcaster",
        answer_timeout: float = 20.0,
        resend_every: float = 2.0,
        voice: Voice | None = None,
    ) -> None:
        """``voice``: the webcaster's one voice on the bus, shared with the commentary (one of
        its own by default)."""
        self.bus = bus
        self.store = store
        self.clock = clock
        self.source = source
        self.answer_timeout = answer_timeout
        """Wall seconds to wait for an answer to one question before moving on."""
        self.resend_every = resend_every
        self.stats = InterviewStats()
        self.commander = DeviceCommander(bus, source, clock)
        self.voice = voice or Voice(bus, clock, source, confirm_within=resend_every)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    # --- called by the consumer ---------------------------------------------------------------

    def on_event(self, event: MissionEvent, astronaut: str | None) -> bool:
        """Start the mission's interview if ``event`` calls for one and it has not had one.

        Returns once the interview is recorded in the store, so the caller may then ack the
        event: a crash after that resumes the interview instead of forgetting it.
        """
        if not self._believed(event):
            return False
        questions = QUESTIONS.get(event.event)
        if questions is None:
            return False
        name = astronaut or UNNAMED
        transcript = self.store.begin(
            event.mission_id, name, event.event, questions, self.clock.now()
        )
        if transcript is None:
            self.stats.skipped += 1
            logger.info("mission %s already has its interview", event.mission_id)
            return False
        self.stats.started += 1
        self._spawn(transcript)
        return True

    def _believed(self, event: MissionEvent) -> bool:
        """Whether ``event`` is a followed vehicle event to believe (and remember)."""
        kind, source = event.event, event.source
        if kind not in FOLLOWED:
            return False
        believed = self.store.steps(event.mission_id)
        if not vehicle_event(event, FOLLOWED, believed):
            missing = unmet(kind, believed)
            if kind in TRIGGERS:
                self.stats.refused += 1
                # a ground service's echo is routine; a vehicle's word out of order is not
                why = f"before {' and '.join(missing)}" if missing else "not its owner's word"
                level = logging.WARNING if is_vehicle(source) else logging.INFO
                logger.log(
                    level,
                    "mission %s: %s from the %s not believed (%s)",
                    event.mission_id,
                    kind,
                    source,
                    why,
                )
            return False
        self.store.note_step(event.mission_id, kind)
        return True

    def answers(self, delivery: Delivery) -> bool:
        """Hand a delivery on the ack channel to the question waiting for it; ``True`` when it
        was on that channel (an answer, or an ack nobody waits for)."""
        return self.commander.handle(delivery)

    def resume(self) -> int:
        """Carry on with the interviews a previous run left unfinished; how many."""
        unfinished = self.store.unfinished()
        for transcript in unfinished:
            logger.info("resuming the interview of mission %s", transcript.mission_id)
            self.stats.resumed += 1
            self._spawn(transcript)
        return len(unfinished)

    def close(self, timeout: float = 5.0) -> None:
        """Stop asking; an unfinished interview stays in the store and resumes next start."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout)

    # --- the interview ------------------------------------------------------------------------

    def _spawn(self, transcript: Transcript) -> None:
        thread = threading.Thread(
            target=self._run,
            args=(transcript,),
            name=f"interview-{transcript.mission_id}",
            daemon=True,
        )
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def _run(self, transcript: Transcript) -> None:
        try:
            self._interview(transcript)
        except Exception:
            logger.exception("interview of mission %s failed", transcript.mission_id)

    def _interview(self, transcript: Transcript) -> None:
        mission, name = transcript.mission_id, transcript.astronaut
        done = {exchange.index for exchange in transcript.exchanges}
        answered = sum(1 for exchange in transcript.exchanges if exchange.answer is not None)
        if not done:
            self._say(mission, HOST, f"{OPENING} {name} for a few questions.")
        for index, question in enumerate(transcript.questions):
            if index in done:
                continue
            if self._stop.is_set():
                return
            asked_at = self.clock.now()
            self._say(mission, HOST, question)
            ack = self._ask(mission, index, question)
            if self._stop.is_set() and ack is None:
                return  # shutting down: ask again after the restart
            exchange = _exchange(index, question, ack, asked_at, self.clock.now())
            if exchange.answer is not None:
                answered += 1
                self._say(mission, name, exchange.answer)
            else:
                self.stats.unanswered += 1
                self._say(mission, HOST, f"No answer from {name} ({exchange.note}).")
            self.store.record(mission, exchange)
        # Announced before it is marked finished: after a crash in between, the resumed
        # interview announces it again, and a duplicate event is harmless.
        self._announce(
            mission,
            f"{name} answered {answered} of {len(transcript.questions)} "
            f"questions; transcript at /missions/{mission}/transcript",
        )
        self.store.finish(mission, self.clock.now())
        self.stats.finished += 1
        logger.info("interview of mission %s finished", mission)

    def _ask(self, mission: str, index: int, question: str) -> CommandAck | None:
        """Send the question (freshly stamped each time: the suit refuses stale commands) every
        ``resend_every`` until the suit acks it, ``answer_timeout`` passes or the interviewer
        closes."""
        deadline = time.monotonic() + self.answer_timeout
        while not self._stop.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            try:
                return self.commander.request(
                    mission,
                    Device.SUIT,
                    CommandAction.INTERVIEW,
                    text=question,
                    command_id=command_id(mission, index),
                    timeout=min(self.resend_every, remaining),
                    retry_every=self.resend_every,
                )
            except NoAnswer:
                continue
        return None

    def _say(self, mission: str, speaker: str, text: str) -> None:
        self.voice.say(mission, speaker, text)

    def _announce(self, mission: str, detail: str) -> None:
        """The ``interview`` mission event, so Command's timeline records that it happened."""
        self.voice.event(mission, EventType.INTERVIEW, detail)


def _exchange(
    index: int, question: str, ack: CommandAck | None, asked_at: float, now: float
) -> Exchange:
    if ack is None:
        return Exchange(
            index=index,
            question=question,
            answer=None,
            note="no answer from the suit",
            asked_at=asked_at,
            answered_at=None,
        )
    if not ack.accepted:
        return Exchange(
            index=index,
            question=question,
            answer=None,
            note=f"the suit refused: {ack.reason}",
            asked_at=asked_at,
            answered_at=now,
        )
    return Exchange(
        index=index,
        question=question,
        answer=ack.reason or None,
        note="" if ack.reason else "the suit answered nothing",
        asked_at=asked_at,
        answered_at=now,
    )
