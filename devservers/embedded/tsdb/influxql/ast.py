"""The statements and expressions the parser builds, and their InfluxQL text.

``render`` writes a node back as influxql's ``String()`` does, because influxd quotes statements
that way in messages (``deprecated use of 'CREATE DATABASE x' in a read only context``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Literal

from devservers.embedded.tsdb.influxql.scanner import KEYWORDS, ident_char, ident_first_char


@dataclass(frozen=True)
class VarRef:
    name: str
    type: str = ""
    """A ``::`` hint: float, integer, unsigned, string, boolean, field or tag."""


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Expr, ...] = ()


@dataclass(frozen=True)
class StringLit:
    value: str


@dataclass(frozen=True)
class IntegerLit:
    value: int


@dataclass(frozen=True)
class UnsignedLit:
    value: int


@dataclass(frozen=True)
class NumberLit:
    value: float


@dataclass(frozen=True)
class BooleanLit:
    value: bool


@dataclass(frozen=True)
class DurationLit:
    ns: int


@dataclass(frozen=True)
class TimeLit:
    ns: int


@dataclass(frozen=True)
class RegexLit:
    pattern: str


@dataclass(frozen=True)
class Wildcard:
    type: Literal["", "FIELD", "TAG"] = ""


@dataclass(frozen=True)
class Distinct:
    name: str


@dataclass(frozen=True)
class BinaryExpr:
    op: str
    lhs: Expr
    rhs: Expr


@dataclass(frozen=True)
class ParenExpr:
    expr: Expr


Expr = (
    VarRef
    | Call
    | StringLit
    | IntegerLit
    | UnsignedLit
    | NumberLit
    | BooleanLit
    | DurationLit
    | TimeLit
    | RegexLit
    | Wildcard
    | Distinct
    | BinaryExpr
    | ParenExpr
)
Literal_ = StringLit | IntegerLit | UnsignedLit | NumberLit | BooleanLit | DurationLit | TimeLit


@dataclass(frozen=True)
class Field:
    expr: Expr
    alias: str = ""

    def name(self) -> str:
        """The column name before duplicates are numbered (influxql's ``Field.Name``)."""
        if self.alias:
            return self.alias
        expr = self.expr
        while isinstance(expr, ParenExpr):
            expr = expr.expr
        if isinstance(expr, Call):
            return expr.name
        if isinstance(expr, BinaryExpr):
            return _binary_name(expr)
        if isinstance(expr, VarRef):
            return expr.name
        return ""


def _binary_name(expr: BinaryExpr) -> str:
    names = []
    for side in (expr.lhs, expr.rhs):
        name = Field(side).name()
        if name:
            names.append(name)
    return "_".join(names)


@dataclass(frozen=True)
class Measurement:
    database: str = ""
    retention_policy: str = ""
    name: str = ""
    regex: RegexLit | None = None


@dataclass(frozen=True)
class SubQuery:
    statement: SelectStatement


Source = Measurement | SubQuery


@dataclass(frozen=True)
class SortField:
    name: str
    ascending: bool = True


@dataclass(frozen=True)
class SelectStatement:
    fields: tuple[Field, ...]
    sources: tuple[Source, ...]
    target: Measurement | None = None
    condition: Expr | None = None
    dimensions: tuple[Expr, ...] = ()
    fill: str = "null"
    fill_value: float | int | None = None
    sort_fields: tuple[SortField, ...] = ()
    limit: int = 0
    offset: int = 0
    slimit: int = 0
    soffset: int = 0
    location: str | None = None

    @property
    def ascending(self) -> bool:
        return not self.sort_fields or self.sort_fields[0].ascending


@dataclass(frozen=True)
class ShowDatabases:
    pass


@dataclass(frozen=True)
class CreateDatabase:
    name: str
    options: str = ""
    """Any ``WITH ...`` clause as written back; the embedded store takes none."""


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
        return _PRIVILEGE_TEXT[self]


_PRIVILEGE_TEXT = {
    Privilege.NONE: "NO PRIVILEGES",
    Privilege.READ: "READ",
    Privilege.WRITE: "WRITE",
    Privilege.ALL: "ALL PRIVILEGES",
}


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
    """``SHOW GRANTS FOR user``."""

    user: str


@dataclass(frozen=True)
class Unsupported:
    """A valid InfluxQL statement the embedded store does not run (``SHOW MEASUREMENTS``)."""

    what: str


Statement = (
    SelectStatement
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


# --- rendering ----------------------------------------------------------------------------------


def ident_needs_quotes(ident: str) -> bool:
    if ident.upper() in KEYWORDS or ident.lower() in ("true", "false"):
        return True
    return not all((ident_first_char(c) if i == 0 else ident_char(c)) for i, c in enumerate(ident))


def _quote_segment(segment: str) -> str:
    escaped = segment.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def quote_ident(*segments: str) -> str:
    parts = []
    last = len(segments) - 1
    for i, segment in enumerate(segments):
        needs = (
            ident_needs_quotes(segment)
            or (i < last and segment != "")
            or ((i in (0, last)) and segment == "")
        )
        if needs:
            parts.append(_quote_segment(segment))
        else:
            parts.append(segment.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n"))
    return ".".join(parts)


def quote_string(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n") + "'"


def format_duration(ns: int) -> str:
    """influxql's ``FormatDuration``: the largest whole unit."""
    if ns == 0:
        return "0s"
    for unit, size in (("w", 604800 * 10**9), ("d", 86400 * 10**9), ("h", 3600 * 10**9)):
        if ns % size == 0:
            return f"{ns // size}{unit}"
    for unit, size in (("m", 60 * 10**9), ("s", 10**9), ("ms", 10**6), ("u", 10**3)):
        if ns % size == 0:
            return f"{ns // size}{unit}"
    return f"{ns}ns"


def render(node: Expr | Statement | Field | Source | SortField) -> str:
    """influxql's ``String()`` of a node."""
    match node:
        case VarRef(name, type_):
            return quote_ident(name) + (f"::{type_}" if type_ else "")
        case Call(name, args):
            return f"{name}({', '.join(render(a) for a in args)})"
        case StringLit(value):
            return quote_string(value)
        case IntegerLit(value) | UnsignedLit(value):
            return str(value)
        case NumberLit(value):
            return f"{value:.3f}"
        case BooleanLit(value):
            return "true" if value else "false"
        case DurationLit(ns):
            return format_duration(ns)
        case TimeLit(ns):
            from devservers.embedded.tsdb.gojson import rfc3339

            return quote_string(rfc3339(ns))
        case RegexLit(pattern):
            return "/" + pattern.replace("/", "\\/") + "/"
        case Wildcard(type_):
            return "*" + (f"::{type_.lower()}" if type_ else "")
        case Distinct(name):
            return f"DISTINCT {name}"
        case BinaryExpr(op, lhs, rhs):
            return f"{render(lhs)} {op} {render(rhs)}"
        case ParenExpr(expr):
            return f"({render(expr)})"
        case Field(expr, alias):
            return render(expr) + (f" AS {quote_ident(alias)}" if alias else "")
        case Measurement():
            return _render_measurement(node)
        case SubQuery(statement):
            return f"({render(statement)})"
        case SortField(name, ascending):
            return (f"{name} " if name else "") + ("ASC" if ascending else "DESC")
        case SelectStatement():
            return _render_select(node)
        case ShowDatabases():
            return "SHOW DATABASES"
        case CreateDatabase(name, options):
            return f"CREATE DATABASE {quote_ident(name)}{options}"
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
        case Unsupported(what):
            return what
    raise TypeError(f"cannot render {node!r}")


def _render_measurement(m: Measurement) -> str:
    text = ""
    if m.database:
        text += quote_ident(m.database) + "."
    if m.retention_policy:
        text += quote_ident(m.retention_policy)
    if m.database or m.retention_policy:
        text += "."
    if m.name:
        text += quote_ident(m.name)
    elif m.regex is not None:
        text += render(m.regex)
    return text


def _render_select(s: SelectStatement) -> str:
    text = "SELECT " + ", ".join(render(f) for f in s.fields)
    if s.target is not None:
        text += " INTO " + _render_measurement(s.target)
    if s.sources:
        text += " FROM " + ", ".join(render(src) for src in s.sources)
    if s.condition is not None:
        text += " WHERE " + render(s.condition)
    if s.dimensions:
        text += " GROUP BY " + ", ".join(render(d) for d in s.dimensions)
    if s.fill == "number":
        text += f" fill({s.fill_value})"
    elif s.fill != "null":
        text += f" fill({s.fill})"
    if s.sort_fields:
        text += " ORDER BY " + ", ".join(render(f) for f in s.sort_fields)
    for word, value in (("LIMIT", s.limit), ("OFFSET", s.offset)):
        if value > 0:
            text += f" {word} {value}"
    for word, value in (("SLIMIT", s.slimit), ("SOFFSET", s.soffset)):
        if value > 0:
            text += f" {word} {value}"
    if s.location is not None:
        text += f" TZ('{s.location}')"
    return text
