"""Payload: orders the detach in the target orbit once staging is confirmed (:mod:`.rules`,
steered like staging), and records the satellite's telemetry into InfluxDB ``payload``
(:mod:`.storage`). Two jobs in one service, kept in separate modules and MQTT sessions."""
