"""Webcaster: the live web page of the mission and the astronaut interview."""
