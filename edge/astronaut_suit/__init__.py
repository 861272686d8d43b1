"""The astronaut suit's agent: vitals the whole mission, ejection on the rocket's abort."""
