"""Grafana dashboards and datasources for MarsY, generated from the parameter dictionary.

- :mod:`~ground.grafana.queries`: the InfluxQL of every panel, from the storage schema;
- :mod:`~ground.grafana.panels`: Grafana JSON pieces (units, thresholds from the limits);
- :mod:`~ground.grafana.dashboards`: flight, crew vitals, booster descent, payload, alerts and
  link health;
- :mod:`~ground.grafana.provisioning`: the files Grafana provisions them from;
- :mod:`~ground.grafana.links`: each dashboard's URL on one mission, over the time it flew
  (:func:`dashboard_links`).

``marsy deploy dashboards --out grafana`` writes them; the Ansible ``grafana`` role installs
them.
"""

from ground.grafana.dashboards import all_dashboards
from ground.grafana.links import DashboardLink, dashboard_links, grafana_url
from ground.grafana.provisioning import datasources, render, write

__all__ = [
    "DashboardLink",
    "all_dashboards",
    "dashboard_links",
    "datasources",
    "grafana_url",
    "render",
    "write",
]
