"""InfluxQL text to :mod:`statements`: the shapes MarsY sends, nothing more.

A query is split into ``;``-separated statements. One that fits a shape the store runs becomes
that statement; one that opens like an InfluxQL statement but fits no shape becomes
:class:`Unsupported`, which runs as influxd runs a statement it refuses (an ``error`` in its
result); one that opens with any other word is refused as influxd refuses it, with a parse
error. Keywords are case-blind; names are bare or double-quoted, strings single-quoted, both
with influxql's escapes. Pure: no I/O.
"""

from __future__ import annotations

import re
from typing import NamedTuple, NoReturn, cast

from devservers.embedded.tsdb.statements import (
    KEYWORDS,
    Comparison,
    CreateDatabase,
    CreateUser,
    DropDatabase,
    Grant,
    GrantAdmin,
    Operator,
    Privilege,
    Revoke,
    RevokeAdmin,
    Select,
    ShowDatabases,
    ShowGrants,
    Statement,
    Unsupported,
    Value,
)

_STATEMENTS = "SELECT, DELETE, SHOW, CREATE, DROP, EXPLAIN, GRANT, REVOKE, ALTER, SET, KILL"
_TOKEN = re.compile(
    r"""(?P<word>[A-Za-z_][A-Za-z0-9_]*)
    |(?P<name>"(?:[^"\\\n]|\\.)*")
    |(?P<string>'(?:[^'\\\n]|\\.)*')
    |(?P<number>-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))
    |(?P<op><=|>=|!=|<>|[=<>;,()*])
    |(?P<other>\S)""",
    re.VERBOSE,
)
_SPACE = re.compile(r"\s*")
_ESCAPES = {"n": "\n", "\\": "\\", '"': '"', "'": "'"}
_OPERATORS = frozenset({"=", "!=", "<", "<=", ">", ">="})
_PRIVILEGES = {"READ": Privilege.READ, "WRITE": Privilege.WRITE, "ALL": Privilege.ALL}
INT64 = 2**63


class ParseError(Exception):
    """A query influxd does not parse; the message is influxd's."""


class _NoShape(Exception):
    """The statement fits none of the shapes served."""


class Token(NamedTuple):
    kind: str
    """``word``, ``name``, ``string``, ``number``, ``op`` or ``other``."""
    text: str
    start: int
    end: int


def tokens(text: str) -> list[Token]:
    found: list[Token] = []
    pos = _SPACE.match(text).end()  # type: ignore[union-attr]
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        assert match is not None and match.lastgroup is not None  # ``other`` takes any char
        found.append(Token(match.lastgroup, match.group(), pos, match.end()))
        pos = _SPACE.match(text, match.end()).end()  # type: ignore[union-attr]
    return found


def _unquote(quoted: str) -> str:
    """The text inside quotes; :class:`_NoShape` for an escape influxql does not have."""
    body = quoted[1:-1]
    if "\\" not in body:
        return body
    try:
        return re.sub(r"\\(.)", lambda m: _ESCAPES[m.group(1)], body)
    except KeyError:
        raise _NoShape from None


def parse_query(text: str) -> list[Statement]:
    """Every statement of ``text``; :class:`ParseError` for a word no statement opens with."""
    statements: list[Statement] = []
    current: list[Token] = []
    for token in [*tokens(text), Token("op", ";", len(text), len(text))]:
        if token.text != ";":
            current.append(token)
        elif current:
            statements.append(_statement(text, current))
            current = []
    return statements


def _statement(text: str, found: list[Token]) -> Statement:
    first = found[0]
    if first.kind != "word" or first.text.upper() not in _STATEMENTS.split(", "):
        line = text.count("\n", 0, first.start) + 1
        char = first.start - (text.rfind("\n", 0, first.start) + 1) + 1
        raise ParseError(f"found {first.text}, expected {_STATEMENTS} at line {line}, char {char}")
    try:
        return _Cursor(found).statement()
    except _NoShape:
        return Unsupported(_as_written(text, found))


def _as_written(text: str, found: list[Token]) -> str:
    """The statement's text, a password in it left out."""
    for token in found:
        if token.kind == "word" and token.text.upper() == "PASSWORD":
            return text[found[0].start : token.end] + " [REDACTED]"
    return text[found[0].start : found[-1].end]


class _Cursor:
    def __init__(self, found: list[Token]) -> None:
        self.tokens = found
        self.pos = 0

    def _next(self) -> Token:
        if self.pos >= len(self.tokens):
            raise _NoShape
        self.pos += 1
        return self.tokens[self.pos - 1]

    def peek(self, *words: str) -> bool:
        """Whether the next token is one of ``words`` (keywords or operators)."""
        if self.pos >= len(self.tokens):
            return False
        token = self.tokens[self.pos]
        return (token.text.upper() if token.kind == "word" else token.text) in words

    def accept(self, *words: str) -> str | None:
        if not self.peek(*words):
            return None
        return self._next().text.upper()

    def expect(self, *words: str) -> str:
        return self.accept(*words) or _no_shape()

    def end(self) -> None:
        if self.pos != len(self.tokens):
            raise _NoShape

    def ident(self) -> str:
        token = self._next()
        if token.kind == "name":
            return _unquote(token.text)
        if token.kind == "word" and token.text.upper() not in KEYWORDS:
            return token.text
        raise _NoShape

    def value(self) -> Value:
        token = self._next()
        if token.kind == "string":
            return _unquote(token.text)
        if token.kind == "number":
            if "." in token.text:
                return float(token.text)
            number = int(token.text)
            return number if -INT64 <= number < INT64 else _no_shape()
        if token.kind == "word" and token.text.upper() in ("TRUE", "FALSE"):
            return token.text.upper() == "TRUE"
        raise _NoShape

    def statement(self) -> Statement:
        shapes = {
            "SELECT": self.select,
            "SHOW": self.show,
            "CREATE": self.create,
            "DROP": self.drop,
            "GRANT": self.grant,
            "REVOKE": self.revoke,
        }
        statement = shapes[self.expect(*shapes)]()
        self.end()
        return statement

    def select(self) -> Statement:
        count = False
        names: list[str] = []
        if not self.accept("*"):
            following = self.tokens[self.pos + 1 : self.pos + 2]
            count = self.peek("COUNT") and [t.text for t in following] == ["("]
            if count:
                self.pos += 2
                names.append(self.ident())
                self.expect(")")
            else:
                names.append(self.ident())
                while self.accept(","):
                    names.append(self.ident())
        self.expect("FROM")
        measurement = self.ident()
        where: list[Comparison] = []
        if self.accept("WHERE"):
            where.append(self.comparison())
            while self.accept("AND"):
                where.append(self.comparison())
        order = descending = False
        if self.accept("ORDER"):
            self.expect("BY")
            if self.ident().lower() != "time":
                raise _NoShape
            order = True
            descending = self.accept("ASC", "DESC") == "DESC"
        limit = 0
        if self.accept("LIMIT"):
            value = self.value()
            limit = value if type(value) is int and value >= 0 else _no_shape()
        return Select(measurement, tuple(names), count, tuple(where), descending, order, limit)

    def comparison(self) -> Comparison:
        name = self.ident()
        op = self.expect(*_OPERATORS, "<>")
        value = self.value()
        if name.lower() == "time" and (type(value) is not int or op in ("!=", "<>")):
            raise _NoShape  # a time is bounded by nanoseconds here, nothing else
        return Comparison(name, cast(Operator, "!=" if op == "<>" else op), value)

    def show(self) -> Statement:
        if self.accept("DATABASES"):
            return ShowDatabases()
        self.expect("GRANTS")
        self.expect("FOR")
        return ShowGrants(self.ident())

    def create(self) -> Statement:
        if self.accept("DATABASE"):
            return CreateDatabase(self.ident())
        self.expect("USER")
        name = self.ident()
        self.expect("WITH")
        self.expect("PASSWORD")
        token = self._next()
        password = _unquote(token.text) if token.kind == "string" else _no_shape()
        admin = self.accept("WITH") is not None
        if admin:
            self.expect("ALL")
            self.expect("PRIVILEGES")
        return CreateUser(name, password, admin)

    def drop(self) -> Statement:
        self.expect("DATABASE")
        return DropDatabase(self.ident())

    def _privilege(self) -> Privilege:
        privilege = _PRIVILEGES[self.expect(*_PRIVILEGES)]
        if privilege is Privilege.ALL:
            self.accept("PRIVILEGES")
        return privilege

    def grant(self) -> Statement:
        privilege = self._privilege()
        if privilege is Privilege.ALL and self.accept("TO"):
            return GrantAdmin(self.ident())
        self.expect("ON")
        database = self.ident()
        self.expect("TO")
        return Grant(privilege, database, self.ident())

    def revoke(self) -> Statement:
        privilege = self._privilege()
        if privilege is Privilege.ALL and self.accept("FROM"):
            return RevokeAdmin(self.ident())
        self.expect("ON")
        database = self.ident()
        self.expect("FROM")
        return Revoke(privilege, database, self.ident())


def _no_shape() -> NoReturn:
    raise _NoShape
