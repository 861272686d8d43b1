"""The HTTP API's answers, through :class:`Api` in process (no sockets), byte for byte.

Every expected body here is what influxd 1.6 answered to the same request.
"""

from __future__ import annotations

import base64
import json
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

from devservers.embedded.tsdb.api import Api, Request, Response
from devservers.embedded.tsdb.store import Store

NOW = 1_795_918_918_847_828_685
T = 1_800_000_000_000_000_000


class Client:
    def __init__(self, api: Api, login: tuple[str, str] | None = ("admin", "pw")) -> None:
        self.api = api
        self.login = login

    def send(
        self, method: str, path: str, params: dict[str, str], body: bytes = b"", **headers: str
    ) -> Response:
        all_headers = {k.replace("_", "-"): v for k, v in headers.items()}
        if self.login is not None:
            token = base64.b64encode(":".join(self.login).encode()).decode()
            all_headers["authorization"] = f"Basic {token}"
        target = f"{path}?{urllib.parse.urlencode(params)}"
        return self.api.handle(Request(method, target, all_headers, body))

    def write(self, lines: str, db: str = "db", **params: str) -> Response:
        return self.send("POST", "/write", {"db": db, **params}, lines.encode())

    def query(self, q: str, db: str = "db", method: str = "GET", **params: str) -> Response:
        return self.send(method, "/query", {"db": db, "q": q, **params})


def body(response: Response) -> str:
    return response.body.decode()


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    store = Store(tmp_path / "data")
    yield Api(store, clock=lambda: NOW)
    store.close()


@pytest.fixture
def client(api: Api) -> Client:
    """Signed in as an admin, with an empty database ``db``."""
    client = Client(api, login=None)
    assert (
        client.query(
            "CREATE USER admin WITH PASSWORD 'pw' WITH ALL PRIVILEGES", method="POST"
        ).status
        == 200
    )
    client.login = ("admin", "pw")
    assert client.query('CREATE DATABASE "db"', method="POST").status == 200
    return client


def test_before_any_user_only_an_admin_may_be_created(api: Api) -> None:
    anonymous = Client(api, login=None)
    refused = anonymous.query("SHOW DATABASES")
    assert refused.status == 403
    assert body(refused) == (
        '{"error":"error authorizing query: create admin user first or disable authentication"}\n'
    )
    assert anonymous.write("m a=1", db="x").status == 404
    created = anonymous.query(
        "CREATE USER admin WITH PASSWORD 'pw' WITH ALL PRIVILEGES; SHOW DATABASES", method="POST"
    )
    assert body(created) == (
        '{"results":[{"statement_id":0},{"statement_id":1,"series":[{"name":"databases",'
        '"columns":["name"]}]}]}\n'
    )


def test_once_an_admin_exists_every_request_signs_in(client: Client) -> None:
    nobody = Client(client.api, login=None)
    missing = nobody.query("SHOW DATABASES")
    assert (missing.status, body(missing)) == (
        401,
        '{"error":"unable to parse authentication credentials"}\n',
    )
    assert ("Www-Authenticate", 'Basic realm="InfluxDB"') in missing.headers
    wrong = Client(client.api, login=("admin", "nope")).write("m a=1")
    assert (wrong.status, body(wrong)) == (401, '{"error":"authorization failed"}\n')
    by_params = nobody.send("GET", "/query", {"q": "SHOW DATABASES", "u": "admin", "p": "pw"})
    assert body(by_params) == (
        '{"results":[{"statement_id":0,"series":[{"name":"databases","columns":["name"],'
        '"values":[["db"]]}]}]}\n'
    )
    assert nobody.send("GET", "/ping", {}).status == 204


def test_a_user_is_created_once(client: Client) -> None:
    again = client.query("CREATE USER admin WITH PASSWORD 'pw' WITH ALL PRIVILEGES", method="POST")
    assert body(again) == '{"results":[{"statement_id":0}]}\n'
    other = client.query("CREATE USER admin WITH PASSWORD 'x' WITH ALL PRIVILEGES", method="POST")
    assert body(other) == '{"results":[{"statement_id":0,"error":"user already exists"}]}\n'


def test_select_star_columns_types_and_times(client: Client) -> None:
    assert (
        client.write(
            'rocket,mission=m1,source=rocket altitude=1.0,seq=1i,phase="ascent",ok=true '
            f"{T}\nrocket,mission=m1,source=rocket altitude=2.5,seq=2i {T + 10**8}\n"
            f"rocket,mission=m2,source=rocket,extra=x speed=3 {T + 10**8}"
        ).status
        == 204
    )
    answer = client.query('SELECT * FROM "rocket"')
    assert body(answer) == (
        '{"results":[{"statement_id":0,"series":[{"name":"rocket","columns":["time","altitude",'
        '"extra","mission","ok","phase","seq","source","speed"],"values":[["2027-01-15T08:00:00Z",'
        '1,null,"m1",true,"ascent",1,"rocket",null],["2027-01-15T08:00:00.1Z",null,"x","m2",null,'
        'null,null,"rocket",3],["2027-01-15T08:00:00.1Z",2.5,null,"m1",null,null,2,"rocket",null]'
        "]}]}]}\n"
    )
    latest = client.query(
        f"SELECT * FROM rocket WHERE mission = 'm1' AND time > 1 AND time <= {T + 10**8} "
        "ORDER BY time DESC LIMIT 1",
        epoch="ns",
    )
    assert json.loads(latest.body)["results"][0]["series"][0]["values"] == [
        [T + 10**8, 2.5, None, "m1", None, None, 2, "rocket", None]
    ]
    counted = client.query("SELECT count(\"seq\") FROM rocket WHERE mission = 'm1'", epoch="ns")
    assert body(counted) == (
        '{"results":[{"statement_id":0,"series":[{"name":"rocket","columns":["time","count"],'
        '"values":[[0,2]]}]}]}\n'
    )
    empty = client.query("SELECT count(seq) FROM rocket WHERE mission = 'm9'")
    assert body(empty) == '{"results":[{"statement_id":0}]}\n'


def test_a_rewritten_point_merges_its_fields_last_value_wins(client: Client) -> None:
    client.write("n6 b=1 5\nn6 b=2 5\nn6 c=3 5")
    client.write("n6 c=4i 5")
    assert json.loads(client.query("SELECT * FROM n6", epoch="ns").body)["results"][0] == {
        "statement_id": 0,
        "series": [{"name": "n6", "columns": ["time", "b", "c"], "values": [[5, 2, 3]]}],
    }


def test_type_conflicts_are_refused_like_influxd(client: Client) -> None:
    client.write("other v=1 1")  # the shard exists before the writes below
    client.write("z a=1 5")
    refused = client.write('z q=1 5\nz p="x",a="s" 6')
    assert (refused.status, body(refused)) == (
        400,
        '{"error":"partial write: field type conflict: input field \\"a\\" on measurement '
        '\\"z\\" is type string, already exists as type float dropped=1"}\n',
    )
    assert ("X-Influxdb-Error", json.loads(refused.body)["error"]) in refused.headers
    fields = json.loads(client.query("SELECT * FROM z").body)["results"][0]["series"][0]
    assert fields["columns"] == ["time", "a", "q"]  # p was not created: its point clashed first


def test_a_clash_within_the_request_that_creates_a_shard_fails_it_whole(client: Client) -> None:
    refused = client.write('x a=1 1\nx a="s" 2\ny c=1 3')
    assert (refused.status, body(refused)) == (400, '{"error":"field type conflict"}\n')
    assert body(client.query("SELECT * FROM y")) == '{"results":[{"statement_id":0}]}\n'


def test_parse_errors_and_what_is_kept(client: Client) -> None:
    partial = client.write("m a=1 1\nbad line\nm b=2 2")
    assert body(partial) == (
        '{"error":"partial write: unable to parse \'bad line\': invalid field format dropped=0"}\n'
    )
    assert (
        len(json.loads(client.query("SELECT * FROM m").body)["results"][0]["series"][0]["values"])
        == 2
    )
    assert body(client.write("bad line\nworse")) == (
        '{"error":"unable to parse \'bad line\': invalid field format\\n'
        "unable to parse 'worse': missing fields\"}\n"
    )
    assert body(client.write("n4,time=x b=2 5")) == (
        '{"error":"partial write: invalid tag key: input tag \\"time\\" on measurement \\"n4\\" '
        'is invalid dropped=1"}\n'
    )


def test_write_errors_before_the_body(client: Client) -> None:
    missing = client.write("m a=1", db="nodb")
    assert (missing.status, body(missing)) == (404, '{"error":"database not found: \\"nodb\\""}\n')
    assert body(client.send("POST", "/write", {}, b"m a=1")) == '{"error":"database is required"}\n'
    assert client.send("GET", "/write", {"db": "db"}).status == 405
    assert client.send("GET", "/nowhere", {}).body == b"404 page not found\n"


def test_query_errors(client: Client) -> None:
    bad = client.query("SELEC nonsense")
    assert (bad.status, json.loads(bad.body)["error"]) == (
        400,
        "error parsing query: found SELEC, expected SELECT, DELETE, SHOW, CREATE, DROP, "
        "EXPLAIN, GRANT, REVOKE, ALTER, SET, KILL at line 1, char 1",
    )
    assert body(client.query("SELECT * FROM m", db="nodb")) == (
        '{"results":[{"statement_id":0,"error":"database not found: nodb"}]}\n'
    )
    assert body(client.query("SELECT count() FROM m; SHOW DATABASES")) == (
        '{"results":[{"statement_id":0,"error":"not executed"}]}\n'
    )
    assert json.loads(client.send("GET", "/query", {"db": "db"}).body) == {
        "error": 'missing required parameter "q"'
    }


def test_a_write_statement_sent_with_get_runs_with_a_warning(client: Client) -> None:
    assert body(client.query('CREATE DATABASE "a b"')) == (
        '{"results":[{"statement_id":0,"messages":[{"level":"warning","text":"deprecated use of '
        "'CREATE DATABASE \\\"a b\\\"' in a read only context, please use a POST request "
        'instead"}]}]}\n'
    )


def test_a_form_body_carries_the_query(client: Client) -> None:
    answer = client.send(
        "POST",
        "/query",
        {"q": "SELECT 1"},
        b"q=SHOW+DATABASES",
        content_type="application/x-www-form-urlencoded",
    )
    assert json.loads(answer.body)["results"][0]["series"][0]["values"] == [["db"]]


def test_a_dropped_database_is_gone(client: Client) -> None:
    client.write("m a=1 1")
    assert client.query('DROP DATABASE "db"', method="POST").status == 200
    assert client.write("m a=1 1").status == 404
    assert client.query('CREATE DATABASE "db"', method="POST").status == 200
    assert body(client.query("SELECT * FROM m")) == '{"results":[{"statement_id":0}]}\n'


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT mean(a) FROM m GROUP BY time(1m)",
        "SELECT count(seq), seq FROM m",
        "SELECT * FROM m WHERE a = 1 OR a = 2",
        "SELECT * FROM m WHERE time > now() - 5m",
        "SELECT a FROM m OFFSET 1",
        'SELECT * FROM "db".."m"',
        "SHOW MEASUREMENTS",
        "SHOW USERS",
        "CREATE DATABASE x WITH DURATION 1d",
        "DROP SERIES FROM m",
    ],
)
def test_what_marsy_never_sends_is_refused_in_its_result(client: Client, statement: str) -> None:
    client.write("m a=1 1")
    answer = client.query(statement, method="POST")
    assert answer.status == 200
    assert json.loads(answer.body) == {
        "results": [
            {
                "statement_id": 0,
                "error": "not supported by the embedded time-series store, which runs MarsY's "
                f"queries only: {statement}",
            }
        ]
    }


@pytest.mark.parametrize(
    ("statement", "needs"),
    [
        ("SELECT mean(a) FROM m GROUP BY time(1m)", "READ on db"),
        ("SHOW MEASUREMENTS", "READ on db"),
        ("DELETE FROM m", "WRITE on db"),
        ("SHOW USERS", "admin privilege"),
        ("ALTER RETENTION POLICY autogen ON db DURATION 1d", "admin privilege"),
    ],
)
def test_a_refused_statement_needs_what_influxd_would_ask_first(
    client: Client, statement: str, needs: str
) -> None:
    client.query("CREATE USER nobody WITH PASSWORD 'pw'", method="POST")
    refused = Client(client.api, login=("nobody", "pw")).query(statement, method="POST")
    assert (refused.status, json.loads(refused.body)["error"]) == (
        403,
        f"error authorizing query: nobody not authorized to execute statement '{statement}', "
        f"requires {needs}",
    )


def test_a_password_in_a_refused_statement_is_not_repeated(client: Client) -> None:
    answer = client.query("CREATE USER x WITH PASSWORD 'secret' WITH READ", method="POST")
    assert "secret" not in body(answer)
    assert "CREATE USER x WITH PASSWORD [REDACTED]" in body(answer)


@pytest.fixture
def writer(client: Client) -> Client:
    """A user with WRITE on ``db`` only, beside a database ``other``."""
    for statement in (
        'CREATE DATABASE "other"',
        "CREATE USER w WITH PASSWORD 'pw'",
        'GRANT WRITE ON "db" TO "w"',
    ):
        assert body(client.query(statement, method="POST")).count("error") == 0, statement
    return Client(client.api, login=("w", "pw"))


def test_a_writer_writes_its_database_and_does_nothing_else(client: Client, writer: Client) -> None:
    assert writer.write(f"m a=1 {T}").status == 204
    assert writer.write("").status == 204, "an empty write: how a writer checks its grant"
    other = writer.write(f"m a=1 {T}", db="other")
    assert (other.status, body(other)) == (
        403,
        '{"error":"\\"w\\" user is not authorized to write to database \\"other\\""}\n',
    )
    read = writer.query("SELECT * FROM m")
    assert (read.status, body(read)) == (
        403,
        '{"error":"error authorizing query: w not authorized to execute statement '
        "'SELECT * FROM m', requires READ on db\"}\n",
    )
    for statement in ('CREATE DATABASE "x"', 'DROP DATABASE "db"', "SHOW GRANTS FOR w"):
        refused = writer.query(statement, method="POST")
        assert refused.status == 403 and "requires admin privilege" in body(refused), statement
    assert body(writer.query("SHOW DATABASES")) == (
        '{"results":[{"statement_id":0,"series":[{"name":"databases","columns":["name"],'
        '"values":[["db"]]}]}]}\n'
    )
    assert body(client.query("SELECT * FROM m", epoch="ns")) == (
        '{"results":[{"statement_id":0,"series":[{"name":"m","columns":["time","a"],'
        f'"values":[[{T},1]]}}]}}]}}\n'
    )


def test_a_reader_reads_and_may_not_write(client: Client, writer: Client) -> None:
    client.write(f"m a=1 {T}")
    client.query('GRANT READ ON "db" TO "w"', method="POST")
    assert writer.query("SELECT * FROM m").status == 200
    assert writer.write(f"m a=2 {T}").status == 403


def test_revoking_clears_bits_and_leaves_no_privileges_listed(
    client: Client, writer: Client
) -> None:
    def grants() -> str:
        return body(client.query("SHOW GRANTS FOR w"))

    client.query("GRANT ALL ON db TO w; REVOKE READ ON db FROM w", method="POST")
    assert grants() == (
        '{"results":[{"statement_id":0,"series":[{"columns":["database","privilege"],'
        '"values":[["db","WRITE"]]}]}]}\n'
    )
    client.query("REVOKE WRITE ON db FROM w", method="POST")
    assert '"values":[["db","NO PRIVILEGES"]]' in grants()
    assert writer.write(f"m a=1 {T}").status == 403
    client.query("GRANT READ ON other TO w; DROP DATABASE other", method="POST")
    assert '"values":[["db","NO PRIVILEGES"]]' in grants(), "a dropped database's grant goes"


def test_an_admin_made_and_unmade(client: Client, writer: Client) -> None:
    client.query("GRANT ALL PRIVILEGES TO w", method="POST")
    assert writer.query('CREATE DATABASE "x"', method="POST").status == 200
    client.query("REVOKE ALL PRIVILEGES FROM w", method="POST")
    assert writer.query('DROP DATABASE "x"', method="POST").status == 403


def test_privilege_statement_errors(client: Client, writer: Client) -> None:
    assert body(client.query("GRANT READ ON nodb TO w", method="POST")) == (
        '{"results":[{"statement_id":0,"error":"database not found: nodb"}]}\n'
    )
    for statement in ("GRANT READ ON db TO nobody", "REVOKE ALL FROM nobody", "SHOW GRANTS FOR x"):
        assert body(client.query(statement, method="POST")) == (
            '{"results":[{"statement_id":0,"error":"user not found"}]}\n'
        )
    assert body(client.query("GRANT READ ON db TO w", method="GET")) == (
        '{"results":[{"statement_id":0,"messages":[{"level":"warning","text":"deprecated use of '
        "'GRANT READ ON db TO w' in a read only context, please use a POST request instead\"}]}]}\n"
    )
