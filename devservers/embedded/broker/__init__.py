"""A small MQTT 5 broker for machines without Mosquitto, speaking what MarsY's bus uses.

It reads Mosquitto's password and ACL files as :mod:`marsy.brokerconf` writes them and keeps
Mosquitto's behaviour where MarsY depends on it: no anonymous access, per-message read ACL,
persistent sessions with queued QoS-1 messages, retained messages, wills, all saved across a
restart. ``python -m devservers.embedded.broker`` runs it;
:class:`devservers.embedded.broker.instance.EmbeddedBroker` starts it the way
:class:`devservers.LocalMosquitto` starts Mosquitto. Nothing is imported here, so the broker
process starts without loading the rest of MarsY.

Modules: ``packets``, ``decoding``, ``encoding`` and ``properties`` (bytes and packets),
``topics`` (filters), ``auth`` (password and ACL files), ``sessions`` (one client's deliveries),
``router`` (fan-out and retained messages), ``handler`` (one connection's packets), ``state``
(saving), ``server`` (asyncio sockets and timers), ``instance`` (the child process).
"""
