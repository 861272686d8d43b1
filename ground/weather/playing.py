"""Which built-in script the service was told to play, and from when, kept in its state folder
so that a restarted service goes on with the same weather instead of rewinding it (a hold
would otherwise end the moment the service came back on its default)."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

PLAYING_FILE = "weather-playing.json"


@dataclass(frozen=True)
class Playing:
    script: str
    """A name of :data:`ground.weather.source.SCRIPTS`."""
    start: float
    """Mission time of the script's zero."""


def save(path: Path, playing: Playing) -> None:
    """Write ``playing`` whole or not at all (a crash mid-write leaves the previous one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps({"script": playing.script, "start": playing.start}))
    os.replace(temporary, path)


def load(path: Path) -> Playing | None:
    """What was saved, or ``None`` when nothing (readable) was."""
    try:
        data = json.loads(path.read_text())
        return Playing(str(data["script"]), float(data["start"]))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        logger.warning("%s: not read (%s); playing the default weather", path, exc)
        return None
