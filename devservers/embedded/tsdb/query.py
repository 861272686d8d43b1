"""Statements run against the store, each giving one entry of influxd's ``results``.

Statements run in order and the first failure stops the rest. influxd then reports what it
reports, quirks included: a failure in the last statement shows its error, a failure earlier
shows ``not executed`` in its place and nothing after it. A write statement sent with GET runs
but carries influxd's deprecation warning.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from devservers.embedded.tsdb.meta import Meta, MetaError, User
from devservers.embedded.tsdb.select import QueryError, ResultSeries, run
from devservers.embedded.tsdb.statements import (
    WRITES,
    CreateDatabase,
    CreateUser,
    DropDatabase,
    Grant,
    GrantAdmin,
    Privilege,
    Revoke,
    RevokeAdmin,
    Select,
    ShowDatabases,
    ShowGrants,
    Statement,
    Unsupported,
    render,
)
from devservers.embedded.tsdb.store import Store


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
        except QueryError as exc:
            last = i == len(statements) - 1
            results.append(StatementResult(i, error=str(exc) if last else "not executed"))
            break
        if context.read_only and isinstance(statement, WRITES):
            result.messages.append(
                f"deprecated use of '{render(statement)}' in a read only context, "
                "please use a POST request instead"
            )
        results.append(result)
    return results


def _run(store: Store, statement: Statement, context: Context, result: StatementResult) -> None:
    match statement:
        case Select():
            result.series = _select(store, statement, context)
        case ShowDatabases():
            user = context.user
            names = [
                name
                for name in store.database_names()
                if user is None or user.may(Privilege.READ, name) or user.may(Privilege.WRITE, name)
            ]
            result.series = [ResultSeries("databases", ["name"], [[n] for n in names])]
            result.has_time = False
        case CreateDatabase(name):
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
            except MetaError as exc:
                raise QueryError(str(exc)) from None
        case Grant() | GrantAdmin() | Revoke() | RevokeAdmin() | ShowGrants():
            try:
                result.series = _privileges(store.meta, statement)
            except MetaError as exc:
                raise QueryError(str(exc)) from None
            result.has_time = False
        case Unsupported(text):
            raise QueryError(
                f"not supported by the embedded time-series store, which runs MarsY's queries "
                f"only: {text[:200]}"
            )


def _privileges(meta: Meta, statement: Statement) -> list[ResultSeries]:
    """influxd's statements on privileges; only ``SHOW GRANTS`` answers rows (unnamed)."""
    match statement:
        case Grant(privilege, database, user):
            meta.set_privilege(user, database, privilege)
        case GrantAdmin(user):
            meta.set_admin(user, True)
        case Revoke(privilege, database, user):
            left = Privilege.NONE
            if privilege is not Privilege.ALL:
                left = Privilege(meta.user(user).privileges.get(database, 0) & ~privilege)
            meta.set_privilege(user, database, left)
        case RevokeAdmin(user):
            meta.set_admin(user, False)
        case ShowGrants(user):
            granted = meta.user(user).privileges.items()
            rows: list[list[object]] = [[db, p.text()] for db, p in granted]
            return [ResultSeries("", ["database", "privilege"], rows)]
    return []


def _select(store: Store, statement: Select, context: Context) -> list[ResultSeries]:
    database = context.database
    if not database:
        raise QueryError("database name required")
    with store.use(database) as db:
        if db is None:
            raise QueryError(f"database not found: {database}")
        policy = context.retention_policy
        if policy and policy != "autogen":
            raise QueryError(f"retention policy not found: {policy}")
        with db.snapshot() as snapshot:
            return run(statement, snapshot)
