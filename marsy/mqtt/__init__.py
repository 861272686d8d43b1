"""The MQTT layer: :class:`MqttBus` over paho-mqtt 2.x, and its errors."""

from marsy.mqtt.bus import BusStats, Delivery, MqttBus, Pending
from marsy.mqtt.errors import MqttError, NotConnected, PublishRejected, PublishTimeout

__all__ = [
    "BusStats",
    "Delivery",
    "MqttBus",
    "MqttError",
    "NotConnected",
    "Pending",
    "PublishRejected",
    "PublishTimeout",
]
