"""Flies the explosion scenario and photographs the live webcast page during the crew's escape.

``make screenshot`` runs it (the README's picture, ``docs/live-page-abort.png``): the simulation
prints the page's address once the ground is up; headless Chromium (Debian's, driven by
Playwright) opens it and waits until the header says abort and the capsule hangs under its
chutes, then saves the page. Needs the ``test`` extra (Playwright) and ``chromium``.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import threading
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from marsy_sim.mission import SimOptions, fly

LIVE_PAGE = "live page: "
UNDER_CHUTES = """() => {
  const text = (id) => (document.getElementById(id) || {}).textContent || "";
  const lines = document.querySelectorAll("#lines .line").length;
  return text("state").includes("abort") && text("phase").includes("parachutes") && lines > 3;
}"""


class Photographer:
    """Opens the page when its address is said and photographs it under the chutes."""

    def __init__(self, out: Path, timeout: float) -> None:
        self.out = out
        self.timeout = timeout
        self.taken = threading.Event()
        self.error: BaseException | None = None
        self._thread: threading.Thread | None = None

    def __call__(self, line: str) -> None:
        print(line, flush=True)
        if self._thread is None and line.startswith(LIVE_PAGE):
            url = line.removeprefix(LIVE_PAGE).strip()
            self._thread = threading.Thread(target=self._shoot, args=(url,), daemon=True)
            self._thread.start()

    def _shoot(self, url: str) -> None:
        try:
            chromium = shutil.which("chromium") or "/usr/bin/chromium"
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=chromium, headless=True, args=["--no-sandbox"]
                )
                page = browser.new_page(viewport={"width": 1280, "height": 860})
                page.goto(url)
                page.wait_for_function(UNDER_CHUTES, timeout=self.timeout * 1000)
                time.sleep(1.0)  # the figures' next update
                self.out.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(self.out), full_page=True)
                browser.close()
            self.taken.set()
        except BaseException as error:  # reported by main()
            self.error = error


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, nargs="?", default=Path("docs/live-page-abort.png"))
    parser.add_argument("--speed", type=float, default=10.0)
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--run-dir", type=Path, default=Path("runs"))
    args = parser.parse_args()
    photographer = Photographer(args.out, args.timeout)
    fly(
        SimOptions(scenarios=("explosion",), speed=args.speed, run_dir=args.run_dir),
        photographer,
    )
    if not photographer.taken.wait(10.0):
        print(f"no screenshot: {photographer.error or 'the page never showed the chutes'}")
        return 1
    print(f"screenshot: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
