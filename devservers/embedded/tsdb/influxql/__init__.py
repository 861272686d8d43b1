"""InfluxQL: tokens (``scanner``), statements and expressions (``ast``), text to expressions
(``expressions``) and to statements (``parser``). Pure: no I/O, no clock."""

from devservers.embedded.tsdb.influxql.ast import render
from devservers.embedded.tsdb.influxql.parser import ParseError, parse_duration, parse_query

__all__ = ["ParseError", "parse_duration", "parse_query", "render"]
