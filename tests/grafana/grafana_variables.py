"""What Grafana makes of a query variable's answer, so a test can run a dashboard's variable
query against influxd and see the option Grafana would open on.

Mirrors Grafana's InfluxDB datasource (``ResponseParser.parse`` in
``public/app/plugins/datasource/influxdb/response_parser.ts``, used by ``metricFindQuery``):
only the first statement's answer counts; of each row of each series it takes the column after
``time`` (``value[1]``), the first column when a row has only one, or the first for
``SHOW FIELD KEYS`` and ``SHOW RETENTION POLICIES``; values are kept once, in the order of the
answer (a ``Set``, iterated in insertion order). The variable then sorts the options by its
``sort`` (0: as answered, 1: alphabetical, 2: alphabetical descending) and, with no ``current``
value saved in the dashboard, selects the first option.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

AS_ANSWERED, ALPHABETICAL, ALPHABETICAL_DESCENDING = 0, 1, 2


def metric_find_values(query: str, response: Mapping[str, Any]) -> list[str]:
    """The variable's values from InfluxDB's JSON answer to ``query``, as Grafana reads them."""
    results = response.get("results") or []
    if not results or not results[0].get("series"):
        return []
    lowered = query.lower()
    value_first = "show field keys" in lowered or "show retention policies" in lowered
    found: dict[str, None] = {}  # an ordered set
    for series in results[0]["series"]:
        for row in series.get("values") or []:
            if not isinstance(row, list):
                value = row
            elif value_first or len(row) < 2:
                value = row[0]
            else:
                value = row[1]
            found.setdefault(str(value), None)
    return list(found)


def options(values: list[str], sort: int) -> list[str]:
    """The options in the order the variable shows them."""
    if sort == AS_ANSWERED:
        return list(values)
    if sort in (ALPHABETICAL, ALPHABETICAL_DESCENDING):
        return sorted(values, reverse=sort == ALPHABETICAL_DESCENDING)
    raise NotImplementedError(f"variable sort {sort}")


def opens_on(variable: Mapping[str, Any], values: list[str]) -> str | None:
    """The option a dashboard opens on: the saved ``current`` one, else the first."""
    current = (variable.get("current") or {}).get("value")
    if current:
        return str(current)
    shown = options(values, int(variable.get("sort", AS_ANSWERED)))
    return shown[0] if shown else None
