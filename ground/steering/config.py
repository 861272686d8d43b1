"""Optional decision criteria of a steering service, from ``{state_dir}/<service>.toml``.

The criteria models hold the defaults (the MarsY specification's figures); an installation or a
simulation that wants others drops a TOML file of the model's keys in the state folder. A bad
key or value stops the service at start with a message naming the key and the file.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from marsy.settings import SettingsError

C = TypeVar("C", bound=BaseModel)


def load_criteria(path: Path, model: type[C]) -> C:
    """The criteria in ``path`` if it exists, the model's defaults otherwise."""
    if not path.is_file():
        return model()
    try:
        data = tomllib.loads(path.read_text())
        return model.model_validate(data)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SettingsError(f"criteria file {path}: {exc}") from None
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}"
            for error in exc.errors(include_url=False)
        )
        raise SettingsError(f"criteria file {path}: {problems}") from None
