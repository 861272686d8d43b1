"""InfluxQL read for the shapes MarsY sends, written back as influxd writes them; anything else
refused, in its result or (for a word no statement opens with) as influxd's parse error."""

from __future__ import annotations

import pytest

from devservers.embedded.tsdb.influxql import ParseError, parse_query
from devservers.embedded.tsdb.statements import (
    Comparison,
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
    Unsupported,
    render,
)
from marsy.store import queries


def test_every_shape_marsy_sends_is_one_the_store_runs() -> None:
    for shape in queries.SHAPES:
        (statement,) = parse_query(shape.example)
        assert isinstance(statement, Select), shape.name
        assert render(statement) == shape.example.replace('"', ""), shape.name


def test_the_shapes_read_as_sent() -> None:
    where = (Comparison("mission", "=", "m'1"),)
    bounded = (*where, Comparison("time", ">", 1), Comparison("time", "<=", 2))
    assert parse_query(queries.window("rocket", "m'1", 1, 2)) == [Select("rocket", where=bounded)]
    assert parse_query(queries.latest("rocket", "m'1", 1, 2, 3)) == [
        Select("rocket", where=bounded, descending=True, order=True, limit=3)
    ]
    assert parse_query(queries.whole_mission("suit", "m'1")) == [Select("suit", where=where)]
    assert parse_query(queries.count("booster", "m'1")) == [
        Select("booster", ("seq",), count=True, where=where)
    ]
    assert parse_query(queries.sequence_numbers("booster", "m'1")) == [
        Select("booster", ("seq",), where=where)
    ]


def test_keywords_are_case_blind_and_names_and_strings_take_escapes() -> None:
    (statement,) = parse_query(
        'select "a\\"b", c from "m n" where ok = TRUE and x != \'it\\\'s\' and v <> 1.5'
    )
    assert statement == Select(
        "m n",
        ('a"b', "c"),
        where=(
            Comparison("ok", "=", True),
            Comparison("x", "!=", "it's"),
            Comparison("v", "!=", 1.5),
        ),
    )


def test_set_up_and_privilege_statements() -> None:
    statements = parse_query(
        'CREATE DATABASE "select"; DROP DATABASE x;; SHOW DATABASES; '
        "CREATE USER admin WITH PASSWORD 'p\\'w' WITH ALL PRIVILEGES; CREATE USER u WITH "
        "PASSWORD 'x'; GRANT READ ON flight TO grafana; grant write on \"payload\" to "
        '"payload"; GRANT ALL ON x TO u; GRANT ALL PRIVILEGES TO boss; REVOKE WRITE ON x FROM '
        "u; REVOKE ALL PRIVILEGES ON x FROM u; REVOKE ALL FROM boss; SHOW GRANTS FOR u"
    )
    assert statements == [
        CreateDatabase("select"),
        DropDatabase("x"),
        ShowDatabases(),
        CreateUser("admin", "p'w", admin=True),
        CreateUser("u", "x"),
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
        ('SELECT count("seq") FROM "true"', 'SELECT count(seq) FROM "true"'),
        (
            'SELECT "a", b FROM m WHERE v >= 1.5 ORDER BY time',
            "SELECT a, b FROM m WHERE v >= 1.500 ORDER BY time ASC",
        ),
        ('CREATE DATABASE "a b"', 'CREATE DATABASE "a b"'),
        ('DROP DATABASE "select"', 'DROP DATABASE "select"'),
        (
            "CREATE USER admin WITH PASSWORD 'secret' WITH ALL PRIVILEGES",
            "CREATE USER admin WITH PASSWORD [REDACTED] WITH ALL PRIVILEGES",
        ),
    ],
)
def test_statements_are_written_back_as_influxd_writes_them(text: str, written: str) -> None:
    (statement,) = parse_query(text)
    assert render(statement) == written


@pytest.mark.parametrize(
    "text",
    [
        "SELECT mean(altitude) FROM rocket GROUP BY time(1s)",
        "SELECT * FROM rocket WHERE mission = 'm1' OR mission = 'm2'",
        "SELECT * FROM rocket WHERE (mission = 'm1')",
        "SELECT * FROM rocket WHERE time > now() - 1h",
        "SELECT * FROM rocket WHERE time > '2027-01-15T08:00:00Z'",
        "SELECT * FROM rocket WHERE time != 5",
        "SELECT * FROM rocket WHERE a =~ /x/",
        "SELECT * FROM rocket ORDER BY seq",
        "SELECT * FROM rocket LIMIT 1 OFFSET 1",
        "SELECT * FROM rocket LIMIT -1",
        "SELECT * FROM db..rocket",
        "SELECT * FROM select",
        "SELECT FROM WHERE",
        "SELECT * FROM m WHERE a = 'a\\q'",
        "SELECT * FROM m WHERE a = 99999999999999999999",
        "SHOW MEASUREMENTS",
        "SHOW TAG VALUES FROM rocket WITH KEY = mission",
        "SHOW RETENTION POLICIES ON flight",
        "DROP MEASUREMENT rocket",
        "GRANT READ TO w",
        "REVOKE ALL w",
        "ALTER RETENTION POLICY autogen ON flight DURATION 30d",
    ],
)
def test_other_statements_are_kept_as_written_to_be_refused(text: str) -> None:
    assert parse_query(text) == [Unsupported(text)]


def test_a_refused_statement_keeps_no_password() -> None:
    (statement,) = parse_query("CREATE USER x WITH PASSWORD 'secret' WITH READ")
    assert statement == Unsupported("CREATE USER x WITH PASSWORD [REDACTED]")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "SELEC nonsense",
            "found SELEC, expected SELECT, DELETE, SHOW, CREATE, DROP, EXPLAIN, GRANT, REVOKE, "
            "ALTER, SET, KILL at line 1, char 1",
        ),
        (
            "SHOW DATABASES;\n  42",
            "found 42, expected SELECT, DELETE, SHOW, CREATE, DROP, EXPLAIN, GRANT, REVOKE, "
            "ALTER, SET, KILL at line 2, char 3",
        ),
    ],
)
def test_a_word_no_statement_opens_with_is_influxds_parse_error(text: str, message: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_query(text)
    assert str(caught.value) == message


def test_an_empty_query_has_no_statements() -> None:
    assert parse_query(" ; ;") == []
