"""Statements run against the store, each giving one entry of influxd's ``results``.

Statements run in order and the first failure stops the rest. influxd then reports what it
reports, quirks included: a failure in the last statement shows its error, a failure earlier
shows ``not executed`` in its place and nothing after it. A write statement sent with GET runs
but carries influxd's deprecation warning.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from marsy.local.embedded.tsdb.influxql.ast import (
    CreateDatabase,
    CreateUser,
    DropDatabase,
    SelectStatement,
    ShowDatabases,
    Statement,
    Unsupported,
    render,
)
from marsy.local.embedded.tsdb.meta import User, UserExists
from marsy.local.embedded.tsdb.reading import QueryError
from marsy.local.embedded.tsdb.select import ResultSeries, run, target_measurement
from marsy.local.embedded.tsdb.store import Store
from marsy.local.embedded.tsdb.timerange import ConditionError


@dataclass
class StatementResult:
    statement_id: int
    series: list[ResultSeries] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    """Warnings, in influxd's words."""
    error: str | None = None
    has_time: bool = True
    """Whether the first column of each row is a time (SHOW DATABASES has none)."""


@dataclass(frozen=True)
class Context:
    database: str
    """The ``db`` parameter."""
    retention_policy: str
    """The ``rp`` parameter."""
    user: User | None
    read_only: bool
    """Sent with GET."""
    now: int


def valid_name(name: str) -> bool:
    """influxd's rule for a database name."""
    return (
        name not in ("", ".", "..")
        and "/" not in name
        and "\\" not in name
        and all(c.isprintable() for c in name)
    )


def execute(
    store: Store, statements: Sequence[Statement], context: Context
) -> list[StatementResult]:
    results: list[StatementResult] = []
    for i, statement in enumerate(statements):
        result = StatementResult(i)
        try:
            _run(store, statement, context, result)
        except (QueryError, ConditionError) as exc:
            last = i == len(statements) - 1
            results.append(StatementResult(i, error=str(exc) if last else "not executed"))
            break
        if context.read_only and isinstance(statement, CreateDatabase | DropDatabase | CreateUser):
            result.messages.append(
                f"deprecated use of '{render(statement)}' in a read only context, "
                "please use a POST request instead"
            )
        results.append(result)
    return results


def _run(store: Store, statement: Statement, context: Context, result: StatementResult) -> None:
    match statement:
        case SelectStatement():
            result.series = _select(store, statement, context)
        case ShowDatabases():
            user = context.user
            names = store.database_names() if user is None or user.admin else []
            result.series = [ResultSeries("databases", ["name"], [[n] for n in names])]
            result.has_time = False
        case CreateDatabase(name, options):
            if options:
                raise QueryError(
                    "CREATE DATABASE ... WITH is not supported by the embedded time-series store"
                )
            if not valid_name(name):
                raise QueryError("invalid name")
            store.create_database(name)
        case DropDatabase(name):
            store.drop_database(name)
        case CreateUser(name, password, admin):
            if not name:
                raise QueryError("username required")
            try:
                store.meta.create_user(name, password, admin)
            except UserExists as exc:
                raise QueryError(str(exc)) from None
        case Unsupported(what):
            raise QueryError(f"{what} is not supported by the embedded time-series store")


def _select(store: Store, statement: SelectStatement, context: Context) -> list[ResultSeries]:
    source = target_measurement(statement)
    database = source.database or context.database
    if not database:
        raise QueryError("database name required")
    with store.use(database) as db:
        if db is None:
            raise QueryError(f"database not found: {database}")
        policy = source.retention_policy or context.retention_policy
        if policy and policy != "autogen":
            raise QueryError(f"retention policy not found: {policy}")
        with db.snapshot() as snapshot:
            return run(statement, snapshot, context.now)
