"""Who may do what, by influxd 1.6's rules with authentication on (as MarsY runs it).

Until an admin exists nobody signs in: a query is refused unless its first statement creates an
admin user, and a write has no user to write as. Once one exists every ``/query`` and
``/write`` needs ``u``/``p`` parameters or Basic auth. Admins may do anything; another user may
list the databases it holds a privilege on, SELECT where it may READ, write where it may WRITE
(``ALL`` is both), and nothing else: every other statement needs an admin, as in influxd
(``SHOW GRANTS`` too, even for oneself). Pure: the users come in.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NoReturn

from devservers.embedded.tsdb.influxql.ast import (
    CreateUser,
    Measurement,
    Privilege,
    SelectStatement,
    ShowDatabases,
    Statement,
    SubQuery,
    render,
)
from devservers.embedded.tsdb.meta import User


class Refused(Exception):
    """The request is refused; ``status`` and the message are influxd's."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str


def credentials(params: Mapping[str, str], authorization: str | None) -> Credentials:
    """The login of a request: ``u`` and ``p`` parameters first, then Basic auth."""
    username, password = params.get("u", ""), params.get("p", "")
    if username and password:
        return Credentials(username, password)
    if authorization:
        parts = authorization.split(" ")
        if len(parts) == 2 and parts[0] == "Bearer":
            raise Refused(401, "bearer auth disabld")  # sic: influxd's own spelling
        if authorization.startswith("Basic "):
            try:
                decoded = base64.b64decode(authorization[6:], validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                decoded = ""
            name, colon, secret = decoded.partition(":")
            if colon:
                return Credentials(name, secret)
    raise Refused(401, "unable to parse authentication credentials")


def quote(text: str) -> str:
    """Go's ``%q`` for the names influxd quotes in errors."""
    out = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif char == "\r":
            out.append("\\r")
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\x{ord(char):02x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def required(statement: Statement) -> list[tuple[Privilege, str]] | None:
    """influxql's ``RequiredPrivileges``: (privilege, database) pairs, the database empty for the
    request's ``db``; ``None`` where only an admin may."""
    if isinstance(statement, ShowDatabases):
        return [(Privilege.NONE, "")]
    if isinstance(statement, SelectStatement):
        needs: list[tuple[Privilege, str]] = []
        for source in statement.sources:
            if isinstance(source, Measurement):
                needs.append((Privilege.READ, source.database))
            elif isinstance(source, SubQuery):
                needs += required(source.statement) or []
        if statement.target is not None:
            needs.append((Privilege.WRITE, statement.target.database))
        return needs
    return None


def authorize_query(
    statements: Sequence[Statement], user: User | None, user_count: int, database: str
) -> None:
    """Raise :class:`Refused` (403) unless ``user`` may run every statement."""
    if user_count == 0:
        first = statements[0] if statements else None
        if isinstance(first, CreateUser) and first.admin:
            return
        raise Refused(
            403, "error authorizing query: create admin user first or disable authentication"
        )
    if user is None:
        raise Refused(403, "error authorizing query: no user provided")
    if user.admin:
        return
    for statement in statements:
        needs = required(statement)
        if needs is None:
            _refuse(user, statement, "admin privilege")
        for privilege, target in needs:
            if not user.may(privilege, target or database):
                _refuse(user, statement, f"{privilege.text()} on {target or database}")


def _refuse(user: User, statement: Statement, needs: str) -> NoReturn:
    raise Refused(
        403,
        f"error authorizing query: {user.name} not authorized to execute statement "
        f"'{render(statement)}', requires {needs}",
    )


def authorize_write(user: User | None, database: str) -> None:
    """Raise :class:`Refused` (403) unless ``user`` may write to ``database``."""
    if user is None:
        raise Refused(403, f"user is required to write to database {quote(database)}")
    if not user.may(Privilege.WRITE, database):
        raise Refused(
            403, f"{quote(user.name)} user is not authorized to write to database {quote(database)}"
        )
