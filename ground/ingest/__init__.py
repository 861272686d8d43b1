"""The durable MQTT → InfluxDB recorder the telemetry and payload services are built on.

A message is acknowledged to the broker only once its point is written to InfluxDB or spooled
to disk; acknowledgements leave in delivery order; a ledger of sequence numbers per source proves
that nothing was lost; what cannot be accepted goes to a dead-letter topic, counted. Several
recorders may share one stream as workers on an MQTT 5 shared subscription
(:mod:`ground.ingest.workers`), their ledgers merged.
"""
