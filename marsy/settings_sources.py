"""Where a setting came from, and saying so when it is wrong: the environment and the TOML file
read before pydantic-settings validates, and one :class:`SettingsError` line per bad key naming
where it was set (``MARSY_GROUND_MQTT__PORT``, ``MARSY_GROUND_MQTT:port``,
``ground.toml:mqtt.port``).

Apart from :mod:`marsy.settings` because this is the error reporting, not the settings: it knows
pydantic-settings' sources and error locations, and nothing of any family's fields.
"""

from __future__ import annotations

import contextvars
import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import UnionType
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_settings import BaseSettings, EnvSettingsSource
from pydantic_settings import SettingsError as SourceError


class SettingsError(ValueError):
    """A setting is missing or invalid; the one-line message names the key where it was set."""


read_sources: contextvars.ContextVar[tuple[dict[str, Any], ...] | None] = contextvars.ContextVar(
    "marsy_settings_sources", default=None
)
"""What :meth:`MarsySettings.load` read (environment, then file), below the keywords."""


@dataclass(frozen=True)
class File:
    """A TOML settings file, by the name its errors give it."""

    name: str
    values: dict[str, Any]


@dataclass(frozen=True)
class Env:
    """The family's environment variables, as pydantic-settings reads them."""

    values: dict[str, Any]
    names: dict[tuple[str, ...], str]
    """Field path → the variable that set it: ("mqtt", "port") → ``MARSY_GROUND_MQTT__PORT``."""
    unknown: tuple[str, ...]


_UNKNOWN = object()


def read_toml(path: Path) -> dict[str, Any]:
    """The file's table; an unreadable or malformed file is one :class:`SettingsError`."""
    try:
        return tomllib.loads(path.read_text())
    except OSError as exc:
        raise SettingsError(f"config file {path}: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SettingsError(f"config file {path}: {exc}") from None


def read_env(cls: type[BaseSettings], family: str) -> Env:
    """The family's variables, checked before pydantic-settings parses them: a JSON value that
    does not parse is named here (it would be a traceback there), an unknown name set aside."""
    prefix = str(cls.model_config.get("env_prefix", "")).lower()
    delimiter = str(cls.model_config.get("env_nested_delimiter") or "__")
    names: dict[tuple[str, ...], str] = {}
    unknown: list[tuple[str, ...]] = []
    unknown_names: list[str] = []
    for name, value in sorted(os.environ.items()):
        if not name.lower().startswith(prefix):
            continue
        path = tuple(name[len(prefix) :].lower().split(delimiter))
        target = _target(cls, path)
        if target is _UNKNOWN:
            unknown.append(path)
            unknown_names.append(name)
            continue
        if _is_structured(target):
            try:
                json.loads(value)
            except ValueError as exc:
                # The value itself is not shown: it may hold a password or a token.
                msg = getattr(exc, "msg", str(exc))
                raise SettingsError(
                    f"invalid {family} settings: {name}: not valid JSON ({msg})"
                ) from None
        names[path] = name
    try:
        values = EnvSettingsSource(cls)()
    except SourceError as exc:
        raise SettingsError(f"invalid {family} settings: {prefix.upper()}*: {exc}") from None
    for path in unknown:
        _drop(values, path)
    return Env(values, names, tuple(unknown_names))


def _unwrap(annotation: Any) -> Any:
    """``X | None`` → ``X``."""
    if get_origin(annotation) in (Union, UnionType):
        args = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def _target(model: type[BaseModel], path: tuple[str, ...]) -> Any:
    """The type the settings key ``path`` holds, or ``_UNKNOWN`` if no field has that name."""
    target: Any = model
    for part in path:
        if isinstance(target, type) and issubclass(target, BaseModel):
            field = target.model_fields.get(part)
            if field is None:
                return _UNKNOWN
            target = _unwrap(field.annotation)
        elif get_origin(target) is dict and part:
            target = _unwrap(get_args(target)[1])
        else:
            return _UNKNOWN
    return target


def _is_structured(target: Any) -> bool:
    """Whether pydantic-settings reads an environment value for ``target`` as JSON."""
    if isinstance(target, type) and issubclass(target, BaseModel):
        return True
    return target in (dict, list) or get_origin(target) in (dict, list, tuple, set)


def _drop(values: dict[str, Any], path: tuple[str, ...]) -> None:
    node: Any = values
    for part in path[:-1]:
        node = node.get(part) if isinstance(node, dict) else None
    if isinstance(node, dict):
        node.pop(path[-1], None)


def _holds(values: Mapping[str, Any], path: tuple[str, ...]) -> bool:
    node: Any = values
    for part in path:
        if not isinstance(node, Mapping) or part not in node:
            return False
        node = node[part]
    return True


def describe(
    cls: type[BaseSettings],
    family: str,
    exc: ValidationError,
    overrides: Mapping[str, Any],
    env: Env,
    file: File | None,
) -> str:
    """One line for all that is wrong, each bad key named where it was set."""
    problems = []
    for error in exc.errors(include_url=False):
        path = tuple(str(part) for part in error["loc"])
        message = (
            "unknown setting"
            if error["type"] == "extra_forbidden"
            else error["msg"].removeprefix("Value error, ")
        )
        problems.append(f"{_where(cls, path, overrides, env, file)}: {message}")
    return f"invalid {family} settings: " + "; ".join(problems)


def _where(
    cls: type[BaseSettings],
    path: tuple[str, ...],
    overrides: Mapping[str, Any],
    env: Env,
    file: File | None,
) -> str:
    """Where the value at ``path`` was set, in the precedence :meth:`MarsySettings.load` uses."""
    dotted = ".".join(path)
    if not path:
        return "settings"
    if _holds(overrides, path):
        return f"argument {dotted}"
    if _holds(env.values, path):
        for depth in range(len(path), 0, -1):
            name = env.names.get(path[:depth])
            if name is not None:
                return name if depth == len(path) else f"{name}:{'.'.join(path[depth:])}"
    if file is not None and _holds(file.values, path):
        return f"{file.name}:{dotted}"
    variable = str(cls.model_config.get("env_prefix", "")) + "__".join(path).upper()
    return f"{variable} (or {dotted} in a config file)"
