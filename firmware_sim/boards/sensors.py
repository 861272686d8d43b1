"""Sensor models: what a board's sensors make of the true value (noise, quantisation, range)."""

from __future__ import annotations

import math
import random

from marsy.protocol import Parameter, ValueType
from marsy.protocol.parameters import Value

RELATIVE_NOISE = 0.001
"""1-sigma noise as a fraction of the value, on top of one resolution step."""


def measure(param: Parameter, truth: float, rng: random.Random, noise_factor: float = 1.0) -> Value:
    """One reading of ``param``: Gaussian noise, quantised to the resolution, clipped to range.

    Integer parameters (counts) are read exactly.
    """
    if param.type is not ValueType.FLOAT:
        return int(truth)
    sigma = (param.resolution + RELATIVE_NOISE * abs(truth)) * noise_factor
    value = truth + rng.gauss(0.0, sigma) if sigma > 0 else truth
    if param.resolution > 0:
        value = round(value / param.resolution) * param.resolution
    if not math.isfinite(value):
        value = truth
    return min(param.valid_max, max(param.valid_min, value))
