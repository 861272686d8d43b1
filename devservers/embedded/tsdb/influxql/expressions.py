"""InfluxQL expressions, and the token reading every part of the parser shares.

A port of influxql's expression parser: precedence climbing that grows the tree in place as
influxql does (so the same text gives the same tree), literals with influxql's limits and
errors, calls, ``name::type`` references and regular expressions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from devservers.embedded.tsdb.influxql.ast import (
    BinaryExpr,
    BooleanLit,
    Call,
    Distinct,
    DurationLit,
    Expr,
    IntegerLit,
    NumberLit,
    ParenExpr,
    RegexLit,
    StringLit,
    UnsignedLit,
    VarRef,
    Wildcard,
    quote_ident,
)
from devservers.embedded.tsdb.influxql.scanner import OPERATORS, BufScanner, Token, precedence

INT64 = 2**63
_VAR_TYPES = ["float", "integer", "unsigned", "string", "boolean"]


class ParseError(Exception):
    """A query influxd would refuse to parse; ``str()`` is its message."""


def expected(token: Token, wanted: Sequence[str]) -> ParseError:
    return ParseError(
        f"found {token.text()}, expected {', '.join(wanted)} "
        f"at line {token.line + 1}, char {token.char + 1}"
    )


def at(message: str, token: Token | None = None) -> ParseError:
    line, char = (token.line, token.char) if token is not None else (0, 0)
    return ParseError(f"{message} at line {line + 1}, char {char + 1}")


def parse_duration(text: str) -> int:
    """influxql's ``ParseDuration`` (``1h30m``, ``5ms``, ``2w``) in nanoseconds."""
    if len(text) < 2:
        raise ParseError("invalid duration")
    i = 0
    negative = text[0] == "-"
    if negative:
        i = 1
    total = 0
    measure, unit = 0, ""
    while i < len(text):
        start = i
        while i < len(text) and "0" <= text[i] <= "9":
            i += 1
        if i >= len(text) or i == start:
            raise ParseError("invalid duration")
        measure = int(text[start:i])
        if measure >= INT64:
            raise ParseError("invalid duration")
        unit = text[i]
        following = text[i + 1] if i + 1 < len(text) else ""
        if unit in "nm" and following == "s":
            unit += "s"
        size = {"ns": 1, "u": 10**3, "µ": 10**3, "ms": 10**6, "m": 60 * 10**9, "s": 10**9}.get(
            unit
        ) or {"h": 3600 * 10**9, "d": 86400 * 10**9, "w": 604800 * 10**9}.get(unit)
        if size is None:
            raise ParseError("invalid duration")
        total = _wrap(total + _wrap(measure * size))
        i += len(unit)
    if total < 0 and not negative:
        raise ParseError(f"overflowed duration {measure}{unit}: choose a smaller duration or INF")
    return -total if negative else total


def _wrap(value: int) -> int:
    """Go's int64 arithmetic, which wraps around."""
    return (value + INT64) % (2 * INT64) - INT64


@dataclass
class _Node:
    """A binary expression still being built (influxql grows its tree in place)."""

    op: str
    lhs: Expr | _Node
    rhs: Expr | _Node

    def freeze(self) -> BinaryExpr:
        return BinaryExpr(self.op, _freeze(self.lhs), _freeze(self.rhs))


def _freeze(node: Expr | _Node) -> Expr:
    return node.freeze() if isinstance(node, _Node) else node


class ExpressionParser:
    """Tokens and expressions; the statement parser of :mod:`.parser` builds on it."""

    def __init__(self, text: str) -> None:
        self.s = BufScanner(text)

    # --- tokens -------------------------------------------------------------------------------

    def scan(self) -> Token:
        return self.s.scan()

    def scan_ws(self) -> Token:
        while True:
            token = self.s.scan()
            if token.kind not in ("WS", "COMMENT"):
                return token

    def unscan(self) -> None:
        self.s.unscan()

    def consume_whitespace(self) -> None:
        if self.scan().kind != "WS":
            self.unscan()

    def expect(self, *kinds: str) -> None:
        for kind in kinds:
            token = self.scan_ws()
            if token.kind != kind:
                raise expected(token, [kind])

    def ident(self) -> str:
        token = self.scan_ws()
        if token.kind != "IDENT":
            raise expected(token, ["identifier"])
        return token.lit

    def string(self) -> str:
        token = self.scan_ws()
        if token.kind != "STRING":
            raise expected(token, ["string"])
        return token.lit

    def segmented_idents(self) -> list[str]:
        idents = [self.ident()]
        while True:
            if self.scan().kind != ".":
                self.unscan()
                break
            following = self.s.peek_rune()
            if following in ("/", ":"):
                break
            if following == ".":
                idents.append("")
                continue
            idents.append(self.ident())
        if len(idents) > 3:
            raise at(f"too many segments in {quote_ident(*idents)}")
        return idents

    def expr(self) -> Expr:
        root = _Node("", IntegerLit(0), self.unary())
        while True:
            op = self.scan_ws()
            if op.kind not in OPERATORS:
                self.unscan()
                return _freeze(root.rhs)
            rhs: Expr
            if op.kind in ("=~", "!~"):
                regex = self.regex()
                if regex is None:
                    raise expected(self.scan_ws(), ["regex"])
                rhs = regex
            else:
                rhs = self.unary()
            node = root
            while True:
                inner = node.rhs
                if not isinstance(inner, _Node) or precedence(inner.op) >= precedence(op.kind):
                    node.rhs = _Node(op.kind, node.rhs, rhs)
                    break
                node = inner

    def unary(self) -> Expr:
        if self.scan_ws().kind == "(":
            expr = self.expr()
            token = self.scan_ws()
            if token.kind != ")":
                raise expected(token, [")"])
            return ParenExpr(expr)
        self.unscan()
        token = self.scan_ws()
        kind = token.kind
        if kind == "IDENT":
            if self.scan().kind == "(":
                return self.call(token.lit)
            self.unscan()
            self.unscan()
            return self.var_ref()
        if kind == "DISTINCT":
            following = self.scan()
            if following.kind == "(":
                return self.call("distinct")
            if following.kind == "WS":
                word = self.scan_ws()
                if word.kind != "IDENT":
                    raise expected(word, ["identifier"])
                return Distinct(word.lit)
            raise expected(following, ["(", "identifier"])
        if kind == "STRING":
            return StringLit(token.lit)
        if kind == "NUMBER":
            return NumberLit(float(token.lit))
        if kind == "INTEGER":
            value = int(token.lit)
            if value < INT64:
                return IntegerLit(value)
            if value < 2 * INT64:
                return UnsignedLit(value)
            raise at("unable to parse integer", token)
        if kind in ("TRUE", "FALSE"):
            return BooleanLit(kind == "TRUE")
        if kind == "DURATIONVAL":
            return DurationLit(parse_duration(token.lit))
        if kind == "*":
            if self.scan().kind == "::":
                hint = self.scan()
                if hint.kind not in ("FIELD", "TAG"):
                    raise expected(hint, ["field", "tag"])
                return Wildcard("FIELD" if hint.kind == "FIELD" else "TAG")
            self.unscan()
            return Wildcard()
        if kind == "BOUNDPARAM":
            name = token.lit[1:]
            if not name:
                raise ParseError("empty bound parameter")
            raise ParseError(f"missing parameter: {name}")
        if kind in ("+", "-"):
            return self.signed(token)
        raise expected(token, ["identifier", "string", "number", "bool"])

    def signed(self, sign: Token) -> Expr:
        following = self.scan_ws()
        if following.kind not in ("NUMBER", "INTEGER", "DURATIONVAL", "(", "IDENT"):
            raise expected(following, ["identifier", "number", "duration", "("])
        self.unscan()
        value = self.unary()
        negative = sign.kind == "-"
        match value:
            case NumberLit(number):
                return NumberLit(-number) if negative else value
            case IntegerLit(number):
                return IntegerLit(-number) if negative else value
            case UnsignedLit(number):
                if not negative:
                    return value
                if number == INT64:
                    return IntegerLit(-number)
                raise ParseError(f"constant -{number} underflows int64")
            case DurationLit(ns):
                return DurationLit(-ns) if negative else value
        return BinaryExpr("*", IntegerLit(-1 if negative else 1), value)

    def call(self, name: str) -> Call:
        name = name.lower()
        args: list[Expr] = []
        regex = self.regex()
        if regex is not None:
            args.append(regex)
        else:
            if self.scan().kind == ")":
                return Call(name)
            self.unscan()
            args.append(self.expr())
        while True:
            if self.scan_ws().kind != ",":
                self.unscan()
                break
            regex = self.regex()
            args.append(regex if regex is not None else self.expr())
        token = self.scan()
        if token.kind != ")":
            raise expected(token, [")"])
        return Call(name, tuple(args))

    def var_ref(self) -> VarRef:
        segments = self.segmented_idents()
        hint = ""
        if self.scan().kind == "::":
            token = self.scan()
            if token.kind == "IDENT" and token.lit.lower() in _VAR_TYPES:
                hint = token.lit.lower()
            elif token.kind in ("FIELD", "TAG"):
                hint = token.kind.lower()
            elif token.kind == "IDENT":
                raise expected(token, [*_VAR_TYPES, "field", "tag"])
            else:
                raise expected(token, ["float", "integer", "string", "boolean", "field", "tag"])
        else:
            self.unscan()
        return VarRef(".".join(segments), hint)

    def regex(self) -> RegexLit | None:
        if self.s.peek_rune() in " \t\n":
            self.consume_whitespace()
        following = self.s.peek_rune()
        if following == "$":
            self.scan()
            self.unscan()
            return None
        if following != "/":
            return None
        token = self.s.scan_regex()
        if token.kind == "BADREGEX":
            raise at("bad regex: ", token)
        if token.kind != "REGEX":
            raise expected(token, ["regex"])
        try:
            re.compile(token.lit)
        except re.error as exc:
            raise at(f"error parsing regexp: {exc}", token) from None
        return RegexLit(token.lit)
