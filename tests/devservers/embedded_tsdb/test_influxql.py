"""InfluxQL read as influxd 1.6 reads it: statements, expressions and its parse errors."""

from __future__ import annotations

import pytest

from devservers.embedded.tsdb.influxql import ParseError, parse_duration, parse_query, render
from devservers.embedded.tsdb.influxql.ast import (
    BinaryExpr,
    Call,
    CreateDatabase,
    CreateUser,
    DropDatabase,
    Field,
    Grant,
    GrantAdmin,
    IntegerLit,
    Measurement,
    Privilege,
    Revoke,
    RevokeAdmin,
    SelectStatement,
    ShowDatabases,
    ShowGrants,
    SortField,
    StringLit,
    Unsupported,
    VarRef,
    Wildcard,
)


def select(text: str) -> SelectStatement:
    (statement,) = parse_query(text)
    assert isinstance(statement, SelectStatement)
    return statement


def test_the_window_query_of_the_telemetry_reader() -> None:
    statement = select(
        "SELECT * FROM \"rocket\" WHERE mission = 'm\\'1' AND time > 1800000000000000000 "
        "AND time <= 1800000002000000000 ORDER BY time DESC LIMIT 2"
    )
    assert statement.fields == (Field(Wildcard()),)
    assert statement.sources == (Measurement(name="rocket"),)
    assert statement.condition == BinaryExpr(
        "AND",
        BinaryExpr(
            "AND",
            BinaryExpr("=", VarRef("mission"), StringLit("m'1")),
            BinaryExpr(">", VarRef("time"), IntegerLit(1800000000000000000)),
        ),
        BinaryExpr("<=", VarRef("time"), IntegerLit(1800000002000000000)),
    )
    assert statement.sort_fields == (SortField("time", ascending=False),)
    assert statement.limit == 2
    assert not statement.ascending


def test_a_count_with_an_alias_and_a_qualified_source() -> None:
    statement = select('SELECT count("seq") AS "n" FROM "db".."m"')
    assert statement.fields == (Field(Call("count", (VarRef("seq"),)), "n"),)
    assert statement.sources == (Measurement("db", "", "m"),)


def test_keywords_are_case_blind_and_type_hints_are_kept() -> None:
    statement = select('select seq::integer, "phase"::tag from m where ok = TRUE')
    assert [f.expr for f in statement.fields] == [VarRef("seq", "integer"), VarRef("phase", "tag")]


def test_precedence_and_and_binds_tighter_than_or() -> None:
    condition = select("SELECT * FROM m WHERE a = 1 OR b = 2 AND c = 3").condition
    assert isinstance(condition, BinaryExpr) and condition.op == "OR"
    assert isinstance(condition.rhs, BinaryExpr) and condition.rhs.op == "AND"


def test_admin_statements() -> None:
    statements = parse_query(
        'CREATE DATABASE "select"; DROP DATABASE x;; SHOW DATABASES; '
        "CREATE USER admin WITH PASSWORD 'p\\'w' WITH ALL PRIVILEGES; SHOW MEASUREMENTS"
    )
    assert statements == [
        CreateDatabase("select"),
        DropDatabase("x"),
        ShowDatabases(),
        CreateUser("admin", "p'w", admin=True),
        Unsupported("SHOW MEASUREMENTS"),
    ]


def test_privilege_statements() -> None:
    statements = parse_query(
        'GRANT READ ON flight TO grafana; grant write on "payload" to "payload"; '
        "GRANT ALL ON x TO u; GRANT ALL PRIVILEGES TO boss; REVOKE WRITE ON x FROM u; "
        "REVOKE ALL PRIVILEGES ON x FROM u; REVOKE ALL FROM boss; SHOW GRANTS FOR u"
    )
    assert statements == [
        Grant(Privilege.READ, "flight", "grafana"),
        Grant(Privilege.WRITE, "payload", "payload"),
        Grant(Privilege.ALL, "x", "u"),
        GrantAdmin("boss"),
        Revoke(Privilege.WRITE, "x", "u"),
        Revoke(Privilege.ALL, "x", "u"),
        RevokeAdmin("boss"),
        ShowGrants("u"),
    ]


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("grant all on flight to telemetry", "GRANT ALL PRIVILEGES ON flight TO telemetry"),
        ('GRANT READ ON "a b" TO "select"', 'GRANT READ ON "a b" TO "select"'),
        ("GRANT ALL TO boss", "GRANT ALL PRIVILEGES TO boss"),
        ("REVOKE ALL ON b FROM w", "REVOKE ALL PRIVILEGES ON b FROM w"),
        ("REVOKE ALL FROM w", "REVOKE ALL PRIVILEGES FROM w"),
        ("show grants for w", "SHOW GRANTS FOR w"),
        (
            "select * from \"rocket\" where mission='m1' and time > 0 order by time desc limit 5",
            "SELECT * FROM rocket WHERE mission = 'm1' AND time > 0 ORDER BY time DESC LIMIT 5",
        ),
        ('CREATE DATABASE "a b"', 'CREATE DATABASE "a b"'),
        ('DROP DATABASE "select"', 'DROP DATABASE "select"'),
        (
            "CREATE USER admin WITH PASSWORD 'secret' WITH ALL PRIVILEGES",
            "CREATE USER admin WITH PASSWORD [REDACTED] WITH ALL PRIVILEGES",
        ),
        (
            'SELECT -seq, count(x) AS "c d" FROM p1..m',
            'SELECT -1 * seq, count(x) AS "c d" FROM p1..m',
        ),
        ("SELECT * FROM m WHERE a =~ /x\\/y/", "SELECT * FROM m WHERE a =~ /x\\/y/"),
    ],
)
def test_statements_are_written_back_as_influxd_quotes_them(text: str, written: str) -> None:
    (statement,) = parse_query(text)
    assert render(statement) == written


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "SELEC nonsense",
            "found SELEC, expected SELECT, DELETE, SHOW, CREATE, DROP, EXPLAIN, GRANT, REVOKE, "
            "ALTER, SET, KILL at line 1, char 1",
        ),
        ("SELECT", "found EOF, expected identifier, string, number, bool at line 1, char 8"),
        ("SELECT *", "found EOF, expected FROM at line 1, char 9"),
        ("SELECT * FROM", "found EOF, expected identifier at line 1, char 15"),
        ("SELECT * FROM 'x'", "found x, expected identifier at line 1, char 14"),
        (
            "SELECT * FROM m WHERE a =",
            "found EOF, expected identifier, string, number, bool at line 1, char 26",
        ),
        (
            "SELECT * \nFROM m WHERE a =",
            "found EOF, expected identifier, string, number, bool at line 2, char 17",
        ),
        (
            "SELECT * FROM m WHERE a = 'x",
            "found x, expected identifier, string, number, bool at line 1, char 26",
        ),
        (
            "SELECT * FROM m WHERE a = 'a\\q'",
            "found \\q, expected identifier, string, number, bool at line 1, char 30",
        ),
        ("SELECT * FROM m LIMIT -1", "found -, expected integer at line 1, char 23"),
        ("SELECT * FROM m LIMIT 1.5", "found 1.5, expected integer at line 1, char 23"),
        ("SELECT * FROM m ORDER time", "found time, expected BY at line 1, char 23"),
        ("SELECT * FROM m ORDER BY foo", "only ORDER BY time supported at this time"),
        ("SELECT count(seq", "found EOF, expected ) at line 1, char 18"),
        ("SHOW DATABASES SHOW DATABASES", "found SHOW, expected ; at line 1, char 16"),
        ("SELECT * FROM m INTO x", "found INTO, expected ; at line 1, char 17"),
        ("SELECT * FROM a.b.c.d", 'too many segments in "a"."b"."c".d at line 1, char 1'),
        (
            "SELECT a = 1 FROM m",
            "invalid operator = in SELECT clause at line 1, char 8; operator is intended for "
            "WHERE clause",
        ),
        (
            "SELECT * FROM m WHERE a = 99999999999999999999",
            "unable to parse integer at line 1, char 27",
        ),
        (
            "SELECT * FROM m WHERE a = -9223372036854775809",
            "constant -9223372036854775809 underflows int64",
        ),
        ("SELECT * FROM m WHERE time > now() - 5x", "invalid duration"),
        ("SELECT * FROM m WHERE a = $x", "missing parameter: x"),
        ("CREATE USER x WITH PASSWORD y", "found y, expected string at line 1, char 29"),
        (
            "CREATE USER x WITH PASSWORD 'y' WITH ALL",
            "found EOF, expected PRIVILEGES at line 1, char 42",
        ),
        (
            "SHOW FOO",
            "found FOO, expected CONTINUOUS, DATABASES, DIAGNOSTICS, FIELD, GRANTS, MEASUREMENT, "
            "MEASUREMENTS, QUERIES, RETENTION, SERIES, SHARD, SHARDS, STATS, SUBSCRIPTIONS, TAG, "
            "USERS at line 1, char 6",
        ),
        ("GRANT", "found EOF, expected READ, WRITE, ALL [PRIVILEGES] at line 1, char 7"),
        (
            "GRANT BOGUS ON a TO w",
            "found BOGUS, expected READ, WRITE, ALL [PRIVILEGES] at line 1, char 7",
        ),
        ("GRANT READ TO w", "found TO, expected ON at line 1, char 12"),
        ("GRANT ALL PRIVILEGES w", "found w, expected ON, TO at line 1, char 22"),
        ("GRANT READ ON a w", "found w, expected TO at line 1, char 17"),
        ("REVOKE READ FROM w", "found FROM, expected ON at line 1, char 13"),
        ("REVOKE ALL w", "found w, expected ON, FROM at line 1, char 12"),
        ("SHOW GRANTS w", "found w, expected FOR at line 1, char 13"),
        ("SHOW GRANTS FOR", "found EOF, expected identifier at line 1, char 17"),
        (
            "DROP FOO",
            "found FOO, expected CONTINUOUS, DATABASE, MEASUREMENT, RETENTION, SERIES, SHARD, "
            "SUBSCRIPTION, USER at line 1, char 6",
        ),
    ],
)
def test_influxd_parse_errors(text: str, message: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_query(text)
    assert str(caught.value) == message


def test_an_empty_query_has_no_statements() -> None:
    assert parse_query(";") == []


@pytest.mark.parametrize(
    ("text", "ns"),
    [("5m", 300 * 10**9), ("1h30m", 5400 * 10**9), ("10ms", 10**7), ("2w", 1209600 * 10**9)],
)
def test_durations(text: str, ns: int) -> None:
    assert parse_duration(text) == ns
