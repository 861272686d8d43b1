"""Onboard agents for the vehicles' Raspberry-Pi-class computers: serial in, QoS-1 MQTT out."""
