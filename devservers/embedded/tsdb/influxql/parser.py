"""InfluxQL text to statements: a port of influxql's parser for the statements MarsY sends.

SELECT is parsed in full (fields, INTO, FROM, WHERE, GROUP BY, fill, ORDER BY, LIMIT, OFFSET,
SLIMIT, SOFFSET, tz) so a malformed query gets influxd's exact message; the executor then
refuses what the embedded store does not do. ``SHOW DATABASES``, ``CREATE``/``DROP DATABASE``,
``CREATE USER``, ``GRANT``, ``REVOKE`` and ``SHOW GRANTS FOR`` are parsed in full too; other
statements influxd knows are read up to their ``;`` and returned as :class:`Unsupported`.
"""

from __future__ import annotations

import zoneinfo

from devservers.embedded.tsdb.influxql.ast import (
    BinaryExpr,
    Call,
    CreateDatabase,
    CreateUser,
    DropDatabase,
    Expr,
    Field,
    Grant,
    GrantAdmin,
    IntegerLit,
    Measurement,
    NumberLit,
    ParenExpr,
    Privilege,
    Revoke,
    RevokeAdmin,
    SelectStatement,
    ShowDatabases,
    ShowGrants,
    SortField,
    Source,
    Statement,
    StringLit,
    SubQuery,
    Unsupported,
    VarRef,
    format_duration,
    quote_ident,
)
from devservers.embedded.tsdb.influxql.expressions import (
    INT64,
    ExpressionParser,
    ParseError,
    at,
    expected,
    parse_duration,
)
from devservers.embedded.tsdb.influxql.scanner import COMPARISONS

__all__ = ["ParseError", "parse_duration", "parse_query"]

_STATEMENTS = ["SELECT", "DELETE", "SHOW", "CREATE", "DROP", "EXPLAIN", "GRANT", "REVOKE"]
_STATEMENTS += ["ALTER", "SET", "KILL"]
_SHOW = "CONTINUOUS DATABASES DIAGNOSTICS FIELD GRANTS MEASUREMENT MEASUREMENTS QUERIES".split()  # noqa: SIM905
_SHOW += "RETENTION SERIES SHARD SHARDS STATS SUBSCRIPTIONS TAG USERS".split()  # noqa: SIM905
_CREATE = ["CONTINUOUS", "DATABASE", "USER", "RETENTION", "SUBSCRIPTION"]
_DROP = "CONTINUOUS DATABASE MEASUREMENT RETENTION SERIES SHARD SUBSCRIPTION USER".split()  # noqa: SIM905
_FILLS = ("null", "none", "previous", "linear")


def parse_query(text: str) -> list[Statement]:
    """Every statement of ``text`` (``;``-separated); :class:`ParseError` as influxd words it."""
    return _Parser(text).parse_query()


def _invalid_operator(expr: Expr) -> str | None:
    """The comparison or logical operator influxql refuses in a SELECT field (its last one)."""
    found: str | None = None
    stack: list[Expr] = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, BinaryExpr):
            if node.op in COMPARISONS or node.op in ("AND", "OR"):
                found = node.op
                continue
            stack += [node.rhs, node.lhs]
        elif isinstance(node, ParenExpr):
            stack.append(node.expr)
        elif isinstance(node, Call):
            stack += reversed(node.args)
    return found


class _Parser(ExpressionParser):
    # --- statements ---------------------------------------------------------------------------

    def parse_query(self) -> list[Statement]:
        statements: list[Statement] = []
        semi = True
        while True:
            token = self.scan_ws()
            if token.kind == "EOF":
                return statements
            if token.kind == ";":
                semi = True
                continue
            if not semi:
                raise expected(token, [";"])
            self.unscan()
            statements.append(self.statement())
            semi = False

    def statement(self) -> Statement:
        token = self.scan_ws()
        kind = token.kind
        if kind == "SELECT":
            return self.select()
        if kind == "SHOW":
            return self.show()
        if kind == "CREATE":
            return self.create()
        if kind == "DROP":
            return self.drop()
        if kind == "GRANT":
            return self.grant()
        if kind == "REVOKE":
            return self.revoke()
        if kind in _STATEMENTS:
            return self.skip(kind)
        raise expected(token, _STATEMENTS)

    def skip(self, what: str) -> Unsupported:
        """Read an unsupported statement up to its end."""
        while True:
            token = self.scan()
            if token.kind in (";", "EOF"):
                self.unscan()
                return Unsupported(what)

    def show(self) -> Statement:
        token = self.scan_ws()
        if token.kind == "DATABASES":
            return ShowDatabases()
        if token.kind == "GRANTS":
            self.expect("FOR")
            return ShowGrants(self.ident())
        if token.kind in _SHOW:
            return self.skip(f"SHOW {token.kind}")
        raise expected(token, _SHOW)

    def create(self) -> Statement:
        token = self.scan_ws()
        if token.kind == "DATABASE":
            return self.create_database()
        if token.kind == "USER":
            name = self.ident()
            self.expect("WITH", "PASSWORD")
            password = self.string()
            if self.scan_ws().kind != "WITH":
                self.unscan()
                return CreateUser(name, password, admin=False)
            self.expect("ALL", "PRIVILEGES")
            return CreateUser(name, password, admin=True)
        if token.kind in _CREATE:
            return self.skip(f"CREATE {token.kind}")
        raise expected(token, _CREATE)

    def create_database(self) -> CreateDatabase:
        name = self.ident()
        if self.scan_ws().kind != "WITH":
            self.unscan()
            return CreateDatabase(name)
        token = self.scan_ws()
        if token.kind not in ("DURATION", "NAME", "REPLICATION", "SHARD"):
            raise expected(token, ["DURATION", "NAME", "REPLICATION", "SHARD"])
        self.unscan()
        options = " WITH"
        if self.optional("DURATION"):
            options += f" DURATION {self.duration_value()}"
        if self.optional("REPLICATION"):
            options += f" REPLICATION {self.bounded_int(1, 2**31 - 1)}"
        if self.optional("SHARD"):
            self.expect("DURATION")
            options += f" SHARD DURATION {self.duration_value()}"
        if self.optional("NAME"):
            options += f" NAME {quote_ident(self.ident())}"
        return CreateDatabase(name, options)

    def optional(self, kind: str) -> bool:
        if self.scan_ws().kind == kind:
            return True
        self.unscan()
        return False

    def duration_value(self) -> str:
        token = self.scan_ws()
        if token.kind == "INF":
            return "INF"
        if token.kind != "DURATIONVAL":
            raise expected(token, ["duration"])
        try:
            return format_duration(parse_duration(token.lit))
        except ParseError as exc:
            raise at(str(exc), token) from None

    def bounded_int(self, low: int, high: int) -> int:
        token = self.scan_ws()
        if token.kind != "INTEGER":
            raise expected(token, ["integer"])
        value = int(token.lit)
        if not low <= value <= high:
            raise at(f"invalid value {value}: must be {low} <= n <= {high}", token)
        return value

    def drop(self) -> Statement:
        token = self.scan_ws()
        if token.kind == "DATABASE":
            return DropDatabase(self.ident())
        if token.kind in _DROP:
            return self.skip(f"DROP {token.kind}")
        raise expected(token, _DROP)

    def privilege(self) -> Privilege:
        token = self.scan_ws()
        if token.kind == "READ":
            return Privilege.READ
        if token.kind == "WRITE":
            return Privilege.WRITE
        if token.kind == "ALL":
            self.optional("PRIVILEGES")
            return Privilege.ALL
        raise expected(token, ["READ", "WRITE", "ALL [PRIVILEGES]"])

    def grant(self) -> Grant | GrantAdmin:
        privilege = self.privilege()
        token = self.scan_ws()
        if token.kind == "ON":
            database = self.ident()
            self.expect("TO")
            return Grant(privilege, database, self.ident())
        if token.kind == "TO" and privilege is Privilege.ALL:
            return GrantAdmin(self.ident())
        raise expected(token, ["ON", "TO"] if privilege is Privilege.ALL else ["ON"])

    def revoke(self) -> Revoke | RevokeAdmin:
        privilege = self.privilege()
        token = self.scan_ws()
        if token.kind == "ON":
            database = self.ident()
            self.expect("FROM")
            return Revoke(privilege, database, self.ident())
        if token.kind == "FROM" and privilege is Privilege.ALL:
            return RevokeAdmin(self.ident())
        raise expected(token, ["ON", "FROM"] if privilege is Privilege.ALL else ["ON"])

    # --- SELECT -------------------------------------------------------------------------------

    def select(self) -> SelectStatement:
        fields = self.fields()
        target = self.target()
        token = self.scan_ws()
        if token.kind != "FROM":
            raise expected(token, ["FROM"])
        sources = self.sources()
        condition = self.condition()
        dimensions = self.dimensions()
        fill, fill_value = self.fill()
        sort_fields = self.order_by()
        limit = self.optional_int("LIMIT")
        offset = self.optional_int("OFFSET")
        slimit = self.optional_int("SLIMIT")
        soffset = self.optional_int("SOFFSET")
        location = self.location()
        return SelectStatement(
            fields=fields,
            sources=sources,
            target=target,
            condition=condition,
            dimensions=dimensions,
            fill=fill,
            fill_value=fill_value,
            sort_fields=sort_fields,
            limit=limit,
            offset=offset,
            slimit=slimit,
            soffset=soffset,
            location=location,
        )

    def fields(self) -> tuple[Field, ...]:
        fields = [self.field()]
        while self.scan().kind == ",":
            fields.append(self.field())
        self.unscan()
        return tuple(fields)

    def field(self) -> Field:
        expr: Expr | None = self.regex()
        if expr is None:
            first = self.scan_ws()
            self.unscan()
            expr = self.expr()
            op = _invalid_operator(expr)
            if op is not None:
                raise ParseError(
                    f"invalid operator {op} in SELECT clause at line {first.line + 1}, "
                    f"char {first.char + 1}; operator is intended for WHERE clause"
                )
        alias = ""
        if self.scan_ws().kind == "AS":
            alias = self.ident()
        else:
            self.unscan()
        self.consume_whitespace()
        return Field(expr, alias)

    def target(self) -> Measurement | None:
        if self.scan_ws().kind != "INTO":
            self.unscan()
            return None
        idents = self.segmented_idents()
        if len(idents) < 3 and self.s.peek_rune() == ":":
            self.expect(":", "MEASUREMENT")
            idents.append("")
        padded = ["", "", *idents][-3:]
        return Measurement(padded[0], padded[1], padded[2])

    def sources(self) -> tuple[Source, ...]:
        sources = [self.source()]
        while self.scan_ws().kind == ",":
            sources.append(self.source())
        self.unscan()
        return tuple(sources)

    def source(self) -> Source:
        regex = self.regex()
        if regex is not None:
            return Measurement(regex=regex)
        if self.scan_ws().kind == "(":
            self.expect("SELECT")
            statement = self.select()
            self.expect(")")
            return SubQuery(statement)
        self.unscan()
        idents = self.segmented_idents()
        if len(idents) == 3:
            return Measurement(idents[0], idents[1], idents[2])
        regex = self.regex()
        if len(idents) == 1:
            if regex is not None:
                return Measurement(retention_policy=idents[0], regex=regex)
            return Measurement(name=idents[0])
        if regex is not None:
            return Measurement(idents[0], idents[1], regex=regex)
        return Measurement(retention_policy=idents[0], name=idents[1])

    def condition(self) -> Expr | None:
        if self.scan_ws().kind != "WHERE":
            self.unscan()
            return None
        return self.expr()

    def dimensions(self) -> tuple[Expr, ...]:
        if self.scan_ws().kind != "GROUP":
            self.unscan()
            return ()
        token = self.scan_ws()
        if token.kind != "BY":
            raise expected(token, ["BY"])
        dimensions = [self.dimension()]
        while self.scan().kind == ",":
            dimensions.append(self.dimension())
        self.unscan()
        return tuple(dimensions)

    def dimension(self) -> Expr:
        regex = self.regex()
        if regex is not None:
            return regex
        expr = self.expr()
        self.consume_whitespace()
        return expr

    def fill(self) -> tuple[str, float | int | None]:
        token = self.scan_ws()
        self.unscan()
        if token.kind != "IDENT" or token.lit.lower() != "fill":
            return "null", None
        expr = self.expr()
        if not isinstance(expr, Call):
            raise ParseError("fill must be a function call")
        if len(expr.args) != 1:
            raise ParseError("fill requires an argument, e.g.: 0, null, none, previous, linear")
        arg = expr.args[0]
        if isinstance(arg, VarRef) and not arg.type and arg.name in _FILLS:
            return arg.name, None
        if isinstance(arg, IntegerLit | NumberLit):
            return "number", arg.value
        raise ParseError("expected number argument in fill()")

    def order_by(self) -> tuple[SortField, ...]:
        if self.scan_ws().kind != "ORDER":
            self.unscan()
            return ()
        token = self.scan_ws()
        if token.kind != "BY":
            raise expected(token, ["BY"])
        token = self.scan_ws()
        if token.kind in ("ASC", "DESC"):
            fields = [SortField("", token.kind == "ASC")]
        elif token.kind == "IDENT":
            self.unscan()
            field = self.sort_field()
            if token.lit != "time":
                raise ParseError("only ORDER BY time supported at this time")
            fields = [field]
        else:
            raise expected(token, ["identifier", "ASC", "DESC"])
        while self.scan_ws().kind == ",":
            fields.append(self.sort_field())
        self.unscan()
        if len(fields) > 1:
            raise ParseError("only ORDER BY time supported at this time")
        return tuple(fields)

    def sort_field(self) -> SortField:
        name = self.ident()
        token = self.scan_ws()
        if token.kind not in ("ASC", "DESC"):
            self.unscan()
            return SortField(name, True)
        return SortField(name, token.kind == "ASC")

    def optional_int(self, kind: str) -> int:
        if self.scan_ws().kind != kind:
            self.unscan()
            return 0
        token = self.scan_ws()
        if token.kind != "INTEGER":
            raise expected(token, ["integer"])
        return min(int(token.lit), INT64 - 1)  # Go's ParseInt saturates; influxql ignores it

    def location(self) -> str | None:
        token = self.scan_ws()
        self.unscan()
        if token.kind != "IDENT" or token.lit.lower() != "tz":
            return None
        expr = self.expr()
        if not isinstance(expr, Call):
            raise ParseError("tz must be a function call")
        if len(expr.args) != 1:
            raise ParseError("tz requires exactly one argument")
        name = expr.args[0]
        if not isinstance(name, StringLit):
            raise ParseError("expected string argument in tz()")
        try:
            zoneinfo.ZoneInfo(name.value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ParseError(f"unable to find time zone {name.value}") from None
        return name.value
