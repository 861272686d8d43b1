"""Telemetry ingest (the write side): flight data from the bus into InfluxDB ``flight``."""
