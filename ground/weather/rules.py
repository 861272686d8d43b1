"""Go/no-go rules for the weather, loosely after real launch commit criteria. Pure: no I/O.

Every rule is checked and every violation reported: a launch director scrubbing for gusts wants
to know the lightning is also too close before waiting an hour for the wind to drop.
The thresholds live in :class:`LaunchCriteria` and nowhere else.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from ground.weather.conditions import Conditions


class LaunchCriteria(BaseModel):
    """Weather limits for a crewed launch. Defaults follow the public Eastern Range and crewed
    vehicle rules in spirit, rounded; a vehicle with other limits passes its own."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_wind_speed: float = Field(default=15.0, gt=0, description="m/s; ~30 kn at the pad")
    max_wind_gust: float = Field(default=19.0, gt=0, description="m/s; ~37 kn peak")
    max_precipitation: float = Field(
        default=0.0, ge=0, description="mm/h; do not launch through precipitation"
    )
    min_lightning_distance: float = Field(
        default=18.5, gt=0, description="km; no strike within 10 nmi in the last 30 min"
    )
    min_temperature: float = Field(default=2.0, description="degrees Celsius")
    max_temperature: float = Field(default=37.0, description="degrees Celsius")


class WeatherRule(StrEnum):
    """Which criterion a reason for no-go breaks."""

    WIND = "wind"
    GUST = "gust"
    PRECIPITATION = "precipitation"
    LIGHTNING = "lightning"
    COLD = "cold"
    HEAT = "heat"


class NoGoReason(BaseModel):
    """One criterion the conditions break, with the figures to quote on the loop."""

    model_config = ConfigDict(frozen=True)

    rule: WeatherRule
    value: float
    limit: float
    message: str


class Verdict(BaseModel):
    """Go when, and only when, no reason stands against it."""

    model_config = ConfigDict(frozen=True)

    go: bool
    reasons: tuple[NoGoReason, ...]


def evaluate(conditions: Conditions, criteria: LaunchCriteria) -> Verdict:
    """Check ``conditions`` against every criterion and return all the reasons for a no-go."""
    c, k = conditions, criteria
    reasons: list[NoGoReason] = []

    def no_go(rule: WeatherRule, value: float, limit: float, message: str) -> None:
        reasons.append(NoGoReason(rule=rule, value=value, limit=limit, message=message))

    if c.wind_speed > k.max_wind_speed:
        no_go(
            WeatherRule.WIND,
            c.wind_speed,
            k.max_wind_speed,
            f"sustained wind {c.wind_speed:g} m/s above {k.max_wind_speed:g} m/s",
        )
    if c.wind_gust > k.max_wind_gust:
        no_go(
            WeatherRule.GUST,
            c.wind_gust,
            k.max_wind_gust,
            f"gusts {c.wind_gust:g} m/s above {k.max_wind_gust:g} m/s",
        )
    if c.precipitation > k.max_precipitation:
        no_go(
            WeatherRule.PRECIPITATION,
            c.precipitation,
            k.max_precipitation,
            f"precipitation {c.precipitation:g} mm/h above {k.max_precipitation:g} mm/h",
        )
    if c.lightning_distance is not None and c.lightning_distance < k.min_lightning_distance:
        no_go(
            WeatherRule.LIGHTNING,
            c.lightning_distance,
            k.min_lightning_distance,
            f"lightning {c.lightning_distance:g} km away, closer than "
            f"{k.min_lightning_distance:g} km",
        )
    if c.temperature < k.min_temperature:
        no_go(
            WeatherRule.COLD,
            c.temperature,
            k.min_temperature,
            f"temperature {c.temperature:g} °C below {k.min_temperature:g} °C",
        )
    if c.temperature > k.max_temperature:
        no_go(
            WeatherRule.HEAT,
            c.temperature,
            k.max_temperature,
            f"temperature {c.temperature:g} °C above {k.max_temperature:g} °C",
        )
    return Verdict(go=not reasons, reasons=tuple(reasons))
