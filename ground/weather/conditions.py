"""Surface weather at the pad: the one value the source, the rules and the API all share.

Units are SI-like and in the field names' descriptions, so the OpenAPI schema tells an operator
what to send. A reading that contradicts itself (gusts below the sustained wind) is refused here,
once, rather than by every rule that would otherwise have to guess which number is wrong.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator


class Conditions(BaseModel):
    """One reading of the pad's weather."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    wind_speed: float = Field(ge=0.0, le=100.0, description="sustained wind, m/s")
    wind_gust: float = Field(ge=0.0, le=150.0, description="peak gust, m/s")
    precipitation: float = Field(ge=0.0, le=500.0, description="rain rate, mm/h")
    lightning_distance: float | None = Field(
        default=None,
        ge=0.0,
        le=1000.0,
        description="km to the nearest strike in the last 30 min; null when none was detected",
    )
    temperature: float = Field(ge=-90.0, le=60.0, description="air temperature, degrees Celsius")

    @field_validator("wind_gust")
    @classmethod
    def _gust_at_least_wind(cls, gust: float, info: ValidationInfo) -> float:
        # A field validator (not a model one) so the 422 names wind_gust, the field at fault.
        wind = info.data.get("wind_speed")
        if wind is not None and gust < wind:
            raise ValueError(f"a gust ({gust} m/s) cannot be weaker than the wind ({wind} m/s)")
        return gust


CALM = Conditions(
    wind_speed=3.0, wind_gust=5.0, precipitation=0.0, lightning_distance=None, temperature=21.0
)
"""A fair-weather morning at the pad: every rule is go."""
