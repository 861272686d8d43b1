"""Errors of the MQTT layer; paho's return codes are translated into these at the boundary."""

from __future__ import annotations


class MqttError(RuntimeError):
    """Base of the MQTT layer's errors."""


class PublishTimeout(MqttError):
    """No PUBACK within the timeout: the message may or may not have reached the broker."""


class PublishRejected(MqttError):
    """The client or the broker refused the publish (queue full, not authorised, ...)."""


class NotConnected(MqttError):
    """The client did not connect within the time it was given."""
