# The two commands of the README: `make sim` flies a simulated mission, `make test` runs the
# tests. Both set up what they need on a fresh Debian machine (as root: apt-get; else they say
# what to install).

VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: sim test lint servers clean bench-smoke screenshot

# The simulation falls back on the embedded broker and store: it needs no server installed.
sim: $(STAMP)
	$(BIN)/marsy sim $(ARGS)

# Two workers, one test file each at a time: most tests wait on servers, not on the CPU.
# Then the faults suite alone, in one process: missions flown through faults are timed, and
# two at once on a small machine would make each other late. Exit 5 (no test) is accepted
# only when ARGS narrowed the run to other tests; on a full run it fails. Then the benches'
# smoke runs, so they cannot rot. The 25 slowest tests are listed, to keep the suite short.
test: $(STAMP) servers lint
	$(BIN)/pytest -n 2 --dist loadfile -m "not faults" --durations=25 $(ARGS)
	$(BIN)/pytest -m faults tests/faults $(ARGS) $(if $(ARGS),|| [ $$? -eq 5 ])
	$(if $(ARGS),,$(MAKE) bench-smoke)

# Every bench in bench/ with --smoke (tiny counts): a new bench joins by being there, and one
# that no longer runs, or measures nothing, fails the target.
BENCHES := $(sort $(wildcard bench/*.py))

bench-smoke: $(STAMP)
	@set -e; for bench in $(BENCHES); do \
		echo "== $$bench --smoke"; $(BIN)/python $$bench --smoke; \
	done

# The README's picture of the live page during an abort: flies the explosion scenario and
# photographs the page in headless Chromium while the capsule hangs under its chutes.
screenshot: $(STAMP) servers
	$(BIN)/python tools/webcast_screenshot.py docs/live-page-abort.png

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

servers:
	tools/setup servers

$(STAMP): pyproject.toml
	tools/setup venv
	touch $(STAMP)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache runs
