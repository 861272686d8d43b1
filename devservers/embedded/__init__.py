"""Pure-Python stand-ins for Mosquitto and influxd, for a laptop that has neither installed.

Each runs as its own process behind the same interface as the real server (MQTT 5 on a TCP
port; InfluxDB 1.x's ``/ping``, ``/write`` and ``/query``), with the same users, ACL and
persistence folder, so every MarsY program talks to it exactly as it would to the real one.
They implement what MarsY uses, not the whole of either server.
"""
