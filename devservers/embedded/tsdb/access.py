"""Who may do what, by influxd 1.6's rules with authentication on (as MarsY runs it).

Until an admin exists nobody signs in: a query is refused unless its first statement creates an
admin user, and a write has no user to write as. Once one exists every ``/query`` and
``/write`` needs ``u``/``p`` parameters or Basic auth. Admins may do anything; another user may
list the databases it holds a privilege on, SELECT where it may READ, write where it may WRITE
(``ALL`` is both), and nothing else: every other statement needs an admin, as in influxd
(``SHOW GRANTS`` too, even for oneself). A statement the store does not run needs what influxd
would ask for it (READ for a query, WRITE to delete, the admin otherwise), so a login learns
that it may not before it learns that the store cannot. Pure: the users come in.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NoReturn

from devservers.embedded.tsdb.meta import User
from devservers.embedded.tsdb.statements import (
    CreateUser,
    Privilege,
    Select,
    ShowDatabases,
    Statement,
    Unsupported,
    render,
)


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


_ADMIN_SHOWS = ("USERS", "GRANTS", "STATS", "DIAGNOSTICS", "SHARDS", "SHARD", "SUBSCRIPTIONS")


def required(statement: Statement) -> Privilege | None:
    """influxql's ``RequiredPrivileges`` on the request's database; ``None`` where only an
    admin may."""
    if isinstance(statement, ShowDatabases):
        return Privilege.NONE
    if isinstance(statement, Select):
        return Privilege.READ
    if isinstance(statement, Unsupported):
        verb, noun = [*statement.text.upper().split(), ""][:2]
        if verb == "SELECT" or (verb == "SHOW" and noun not in _ADMIN_SHOWS):
            return Privilege.READ
        if verb == "DELETE" or (verb == "DROP" and noun in ("SERIES", "MEASUREMENT")):
            return Privilege.WRITE
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
        if not user.may(needs, database):
            _refuse(user, statement, f"{needs.text()} on {database}")


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
