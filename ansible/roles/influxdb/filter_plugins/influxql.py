"""Filters for talking InfluxQL over the ``/query`` API with ``ansible.builtin.uri``.

- ``influxql_string``: a value as an InfluxQL string literal. A password may hold quotes and
  backslashes; escaping it here keeps backslash counting out of YAML and Jinja.
- ``influxql_rows``: the rows a statement answered, ``[]`` when it answered none (InfluxDB then
  leaves out ``series``, or the ``values`` of it, which Jinja cannot tell from ``dict.values``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def influxql_string(value: object) -> str:
    text = str(value).replace("\\", "\\\\").replace("'", "\\'")
    return f"'{text}'"


def influxql_rows(response: Mapping[str, Any], statement: int = 0) -> list[list[Any]]:
    """Rows of the first series of statement ``statement`` of a ``/query`` JSON answer."""
    result = response["results"][statement]
    if "error" in result:
        raise ValueError(f"InfluxDB: {result['error']}")
    series = result.get("series") or [{}]
    return list(series[0].get("values") or [])


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"influxql_string": influxql_string, "influxql_rows": influxql_rows}
