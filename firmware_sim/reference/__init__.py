"""Recorded public flights the Falcon 9 profile is calibrated and judged against."""
