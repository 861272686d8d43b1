"""The statements the embedded store runs, and their InfluxQL text as influxd writes it back.

Only what MarsY sends: one SELECT shape (below), ``SHOW DATABASES``, ``CREATE``/``DROP
DATABASE``, ``CREATE USER``, ``GRANT``, ``REVOKE`` and ``SHOW GRANTS FOR``. Anything else is
:class:`Unsupported`, kept as written. ``render`` writes a statement as influxql's ``String()``
does, because influxd quotes statements that way in messages (``not authorized to execute
statement 'SELECT * FROM rocket'``, ``deprecated use of 'CREATE DATABASE x'``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Literal

KEYWORDS = frozenset(
    """ALL ALTER ANALYZE ANY AS ASC BEGIN BY CARDINALITY CREATE CONTINUOUS DATABASE DATABASES
    DEFAULT DELETE DESC DESTINATIONS DIAGNOSTICS DISTINCT DROP DURATION END EVERY EXACT EXPLAIN
    FIELD FOR FROM GRANT GRANTS GROUP GROUPS INF INSERT INTO KEY KEYS KILL LIMIT MEASUREMENT
    MEASUREMENTS NAME OFFSET ON ORDER PASSWORD POLICY POLICIES PRIVILEGES QUERIES QUERY READ
    REPLICATION RESAMPLE RETENTION REVOKE SELECT SERIES SET SHOW SHARD SHARDS SLIMIT SOFFSET STATS
    SUBSCRIPTION SUBSCRIPTIONS TAG TO USER USERS VALUES WHERE WITH WRITE AND OR IN TRUE
    FALSE""".split()  # noqa: SIM905
)
"""influxql's keywords: a name spelled like one is quoted when written back."""

Value = str | int | float | bool
Operator = Literal["=", "!=", "<", "<=", ">", ">="]


@dataclass(frozen=True)
class Comparison:
    """``name op literal``; ``time`` compared with an integer of nanoseconds bounds the read."""

    name: str
    op: Operator
    value: Value


@dataclass(frozen=True)
class Select:
    """``SELECT * | "a", "b" | count("a") FROM "m" [WHERE c AND ...] [ORDER BY time [ASC|DESC]]
    [LIMIT n]``: the telemetry reader's, the report's and the replay's queries."""

    measurement: str
    names: tuple[str, ...] = ()
    """The selected names; empty for ``*``."""
    count: bool = False
    """``count(name)`` of the one name."""
    where: tuple[Comparison, ...] = ()
    descending: bool = False
    order: bool = False
    """Whether ORDER BY was written (it is written back)."""
    limit: int = 0


@dataclass(frozen=True)
class ShowDatabases:
    pass


@dataclass(frozen=True)
class CreateDatabase:
    name: str


@dataclass(frozen=True)
class DropDatabase:
    name: str


@dataclass(frozen=True)
class CreateUser:
    name: str
    password: str = field(repr=False)
    admin: bool = False


class Privilege(IntEnum):
    """influxql's privilege on one database, as bits: ALL is READ and WRITE."""

    NONE = 0
    READ = 1
    WRITE = 2
    ALL = 3

    def text(self) -> str:
        """As influxd writes it in statements, ``SHOW GRANTS`` and errors."""
        return "NO PRIVILEGES" if self is Privilege.NONE else _TEXT.get(self, self.name)


_TEXT = {Privilege.ALL: "ALL PRIVILEGES"}


@dataclass(frozen=True)
class Grant:
    """``GRANT READ|WRITE|ALL ON database TO user``: sets the user's privilege there."""

    privilege: Privilege
    database: str
    user: str


@dataclass(frozen=True)
class GrantAdmin:
    """``GRANT ALL [PRIVILEGES] TO user``: makes the user an admin."""

    user: str


@dataclass(frozen=True)
class Revoke:
    """``REVOKE READ|WRITE|ALL ON database FROM user``: clears those bits of the privilege."""

    privilege: Privilege
    database: str
    user: str


@dataclass(frozen=True)
class RevokeAdmin:
    """``REVOKE ALL [PRIVILEGES] FROM user``: the user is no admin any more."""

    user: str


@dataclass(frozen=True)
class ShowGrants:
    user: str


@dataclass(frozen=True)
class Unsupported:
    """A statement the embedded store does not run (``SHOW MEASUREMENTS``, a ``GROUP BY``)."""

    text: str


Statement = (
    Select
    | ShowDatabases
    | CreateDatabase
    | DropDatabase
    | CreateUser
    | Grant
    | GrantAdmin
    | Revoke
    | RevokeAdmin
    | ShowGrants
    | Unsupported
)
WRITES = CreateDatabase | DropDatabase | CreateUser | Grant | GrantAdmin | Revoke | RevokeAdmin
"""The statements influxd runs from a GET only with a deprecation warning."""


def _plain(name: str) -> bool:
    return (
        name != ""
        and name.upper() not in KEYWORDS
        and (name[0].isascii() and (name[0].isalpha() or name[0] == "_"))
        and all(c.isascii() and (c.isalnum() or c == "_") for c in name)
    )


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def quote_ident(name: str) -> str:
    """A name as influxql writes it: bare when it may be, else double-quoted."""
    return _escape(name) if _plain(name) else '"' + _escape(name).replace('"', '\\"') + '"'


def _literal(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return "'" + _escape(value).replace("'", "\\'") + "'"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def _render_select(s: Select) -> str:
    names = ", ".join(quote_ident(n) for n in s.names) or "*"
    text = f"SELECT {f'count({names})' if s.count else names} FROM {quote_ident(s.measurement)}"
    if s.where:
        text += " WHERE " + " AND ".join(
            f"{quote_ident(c.name)} {c.op} {_literal(c.value)}" for c in s.where
        )
    if s.order:
        text += " ORDER BY time " + ("DESC" if s.descending else "ASC")
    return text + (f" LIMIT {s.limit}" if s.limit else "")


def render(statement: Statement) -> str:
    """influxql's ``String()`` of a statement (an unsupported one as it was written)."""
    match statement:
        case Select():
            return _render_select(statement)
        case ShowDatabases():
            return "SHOW DATABASES"
        case CreateDatabase(name):
            return f"CREATE DATABASE {quote_ident(name)}"
        case DropDatabase(name):
            return f"DROP DATABASE {quote_ident(name)}"
        case CreateUser(name, _, admin):
            privileges = " WITH ALL PRIVILEGES" if admin else ""
            return f"CREATE USER {quote_ident(name)} WITH PASSWORD [REDACTED]{privileges}"
        case Grant(privilege, database, user):
            return f"GRANT {privilege.text()} ON {quote_ident(database)} TO {quote_ident(user)}"
        case GrantAdmin(user):
            return f"GRANT ALL PRIVILEGES TO {quote_ident(user)}"
        case Revoke(privilege, database, user):
            return f"REVOKE {privilege.text()} ON {quote_ident(database)} FROM {quote_ident(user)}"
        case RevokeAdmin(user):
            return f"REVOKE ALL PRIVILEGES FROM {quote_ident(user)}"
        case ShowGrants(user):
            return f"SHOW GRANTS FOR {quote_ident(user)}"
        case Unsupported(text):
            return text
    raise TypeError(f"cannot render {statement!r}")
