"""Private server instances on localhost: Mosquitto and influxd for tests and the simulation.

Each instance listens on 127.0.0.1 only, on a free port, keeps its data in a folder it is given
and is stopped by its owner. A missing binary raises :class:`ServerUnavailable` naming what to
install; it is never a silent skip.
"""

from devservers.influxd import LocalInfluxd
from devservers.mosquitto import LocalMosquitto
from devservers.process import ServerUnavailable, free_port, installed

__all__ = ["LocalInfluxd", "LocalMosquitto", "ServerUnavailable", "free_port", "installed"]
