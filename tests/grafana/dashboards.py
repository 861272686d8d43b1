"""Reading the committed dashboards back: their queries, where they are, which database."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
COMMITTED = REPO / "grafana"


@dataclass(frozen=True)
class Query:
    """One InfluxQL query a dashboard sends: a panel target, an annotation or a variable."""

    dashboard: str
    where: str
    datasource: str
    text: str

    @property
    def id(self) -> str:
        return f"{self.dashboard}:{self.where}"


def committed_dashboards() -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in sorted((COMMITTED / "dashboards").glob("*.json"))]


def panels(board: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for panel in board["panels"]:
        yield panel
        yield from panel.get("panels", [])  # a collapsed row keeps its panels inside


def queries(board: dict[str, Any]) -> Iterator[Query]:
    uid = board["uid"]
    for panel in panels(board):
        for target in panel.get("targets", []):
            where = f"{panel['title']}:{target['refId']}"
            yield Query(uid, where, target["datasource"]["uid"], target["query"])
    for annotation in board["annotations"]["list"]:
        yield Query(uid, annotation["name"], annotation["datasource"]["uid"], annotation["query"])
    for variable in board["templating"]["list"]:
        yield Query(uid, f"${variable['name']}", variable["datasource"]["uid"], variable["query"])


def all_queries() -> list[Query]:
    return [query for board in committed_dashboards() for query in queries(board)]
