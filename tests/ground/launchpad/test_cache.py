"""The shared rocket check, as pure logic: reads within the age share one check, callers that
arrive while it runs wait for it, and a caller asking for a fresh one gets one."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from ground.launchpad.cache import SharedCheck


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_reads_within_the_age_share_one_check() -> None:
    clock = Clock()
    asked: list[str] = []
    checks = SharedCheck(lambda mission: asked.append(mission) or len(asked), clock)
    assert checks.get("M1", 2.0).value == 1
    clock.t += 1.9
    assert checks.get("M1", 2.0).value == 1
    clock.t += 0.2
    assert checks.get("M2", 2.0).value == 2
    assert asked == ["M1", "M2"]
    assert (checks.runs, checks.answers) == (2, 3)


def test_a_fresh_caller_gets_a_check_begun_within_its_own_age() -> None:
    clock = Clock()
    checks = SharedCheck(lambda mission: mission, clock)
    first = checks.get("M1", 2.0)
    clock.t += 1.0
    fresh = checks.get("M2", 0.5)
    assert (fresh.value, fresh.started) == ("M2", 101.0)
    assert checks.age(fresh) == 0.0
    assert checks.get("M3", 2.0) == fresh != first


def test_callers_arriving_while_a_check_runs_share_it() -> None:
    clock = Clock()
    release = threading.Event()
    running = threading.Event()
    asked: list[str] = []

    def slow(mission: str) -> int:
        asked.append(mission)
        running.set()
        release.wait(5)
        clock.t += 10.0  # the rocket took 10 s to answer
        return len(asked)

    checks = SharedCheck(slow, clock)
    with ThreadPoolExecutor(max_workers=201) as pool:
        first = pool.submit(checks.get, "M1", 2.0, or_running=True)
        assert running.wait(5)
        crowd = [pool.submit(checks.get, "M1", 2.0, or_running=True) for _ in range(200)]
        release.set()
        answers = [f.result(10).value for f in [first, *crowd]]
    assert answers == [1] * 201, "one check, however long it took, answered everyone waiting"
    assert checks.runs == 1
    assert checks.get("M1", 2.0).value == 2, "asked after it ended, 10 s old: a new check"


def test_a_failed_check_is_not_kept() -> None:
    outcomes = iter([RuntimeError("bus down"), "go"])

    def flaky(mission: str) -> str:
        outcome = next(outcomes)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    checks = SharedCheck(flaky)
    try:
        checks.get("M1", 2.0)
    except RuntimeError:
        pass
    assert checks.get("M1", 2.0).value == "go"
