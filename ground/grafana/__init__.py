"""Grafana dashboards and datasources for MarsY, generated from the parameter dictionary.

- :mod:`~ground.grafana.queries`: the InfluxQL of every panel, from the storage schema;
- :mod:`~ground.grafana.panels`: Grafana JSON pieces (units, thresholds from the limits);
- :mod:`~ground.grafana.dashboards`: flight, crew vitals, booster descent, payload, alerts and
  link health;
- :mod:`~ground.grafana.provisioning`: the files Grafana provisions them from.

``marsy deploy dashboards --out grafana`` writes them; the Ansible ``grafana`` role installs
them.
"""

from ground.grafana.dashboards import all_dashboards
from ground.grafana.provisioning import datasources, render, write

__all__ = ["all_dashboards", "datasources", "render", "write"]
