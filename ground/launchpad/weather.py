"""The weather's go, asked by the launchpad itself right before an ignition.

Command polls the weather before it orders a launch; the pad asks again (defence in depth: an
ignition ordered past Command, or after the weather turned, must not go). It asks the weather
service's open ``GET /go`` (the peer URL ``services.weather`` in the settings; the weather
service publishes nothing on the bus). No answer is no go.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, ValidationError


@dataclass(frozen=True)
class WeatherVerdict:
    go: bool
    reasons: list[str]
    """Every reason against (the weather's own words), or why the weather is not known."""

    def __str__(self) -> str:
        return "go" if self.go else "; ".join(self.reasons)


class _Reason(BaseModel):
    model_config = ConfigDict(extra="ignore")

    message: str


class _GoAnswer(BaseModel):
    model_config = ConfigDict(extra="ignore")

    go: bool
    reasons: list[_Reason]


class WeatherGate:
    def __init__(self, url: str, timeout: float = 5.0) -> None:
        """``url``: the weather service's base URL; ``timeout``: wall seconds to wait for it."""
        self.url = url.rstrip("/")
        self.timeout = timeout

    def verdict(self) -> WeatherVerdict:
        """The weather's go/no-go now; a no-go naming why the weather could not be had."""
        try:
            with urllib.request.urlopen(f"{self.url}/go", timeout=self.timeout) as response:
                answer = _GoAnswer.model_validate_json(response.read(1_000_000))
        except urllib.error.HTTPError as exc:
            return WeatherVerdict(False, [f"the weather service answered {exc.code} {exc.reason}"])
        except ValidationError:
            return WeatherVerdict(False, ["the weather service's answer is no go/no-go"])
        except (OSError, ValueError) as exc:
            return WeatherVerdict(False, [f"the weather service is unreachable ({exc})"])
        if answer.go:
            return WeatherVerdict(True, [])
        return WeatherVerdict(False, [r.message for r in answer.reasons] or ["no-go"])
