"""MarsY: a crewed rocket launch flown by a fleet of small programs.

``marsy`` is the shared kernel: the contract (:mod:`marsy.protocol`), the MQTT layer, settings,
the mission clock, local server launchers and the ``marsy`` command line.
"""

__version__ = "0.1.0"
