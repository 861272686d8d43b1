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
from marsy.protocol import Device
from marsy.store.http import InfluxHttp, Series
from marsy.store.reads import TelemetryReader


class Recording(InfluxHttp):
    """Keeps the queries MarsY's reader sends instead of sending them."""

    def __init__(self) -> None:
        super().__init__("http://127.0.0.1:1")
        self.sent: list[str] = []

    def query(self, query: str, database: str | None = None) -> list[Series]:
        self.sent.append(query)
        return []


def test_the_telemetry_readers_queries() -> None:
    http = Recording()
    reader = TelemetryReader(http, "flight")
    reader.window(Device.ROCKET, "m'1", 1.0, 2.0)
    reader.latest(Device.ROCKET, "m1", 2.0, count=3, horizon=1.0)
    reader.count(Device.BOOSTER, "m1")
    reader.sequence_numbers(Device.BOOSTER, "m1")
    assert [parse_query(q) for q in http.sent] == [
        [
            Select(
                "rocket",
                where=(
                    Comparison("mission", "=", "m'1"),
                    Comparison("time", ">", 1_000_000_000),
                    Comparison("time", "<=", 2_000_000_000),
                ),
            )
        ],
        [
            Select(
                "rocket",
                where=(
                    Comparison("mission", "=", "m1"),
                    Comparison("time", ">", 1_000_000_000),
                    Comparison("time", "<=", 2_000_000_000),
                ),
                descending=True,
                order=True,
                limit=3,
            )
        ],
        [Select("booster", ("seq",), count=True, where=(Comparison("mission", "=", "m1"),))],
        [Select("booster", ("seq",), where=(Comparison("mission", "=", "m1"),))],
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
