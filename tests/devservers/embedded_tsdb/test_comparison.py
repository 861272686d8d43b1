"""The embedded store against influxd 1.6: the same writes, MarsY's queries, the same answers.

Both servers get the same line protocol (two missions, tags, float/int/string/bool fields, a
point written twice, alerts at the same instant); then every query shape MarsY sends (the
telemetry reader's window, latest, count and sequence numbers, the report's and the replay's
whole mission, the tests' whole measurement and field filter), through
:class:`TelemetryReader` as MarsY reads them and as raw ``/query`` bodies compared byte for
byte, plus empty answers, a missing database and refused writes; and the set-up and privilege
statements, with what each user may then do. What MarsY never sends is not compared: the
embedded store refuses it (``test_api``).
"""

from __future__ import annotations

import base64
import http.client
import urllib.parse
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from devservers import LocalInfluxd
from devservers.embedded.tsdb.instance import EmbeddedInfluxd
from marsy.protocol import (
    Alert,
    AlertRule,
    Device,
    DeviceHealth,
    DeviceTelemetry,
    FlightPhase,
    Severity,
)
from marsy.store import InfluxHttp, InfluxRejected, TelemetryReader, queries
from marsy.store.schema import alert_line, health_line, point_line, timestamp_ns

pytestmark = pytest.mark.integration

T0 = 1_800_000_000.0
Server = LocalInfluxd | EmbeddedInfluxd


@dataclass
class Side:
    server: Server
    http: InfluxHttp

    def raw(
        self,
        method: str,
        path: str,
        params: dict[str, str],
        body: bytes = b"",
        login: tuple[str, str] | None = None,
    ) -> bytes:
        """Status and body of one request, as sent (as the admin unless another ``login`` is
        given, anonymous if it is empty): errors are compared, not raised."""
        user, password = login or (self.server.username, self.server.password)
        headers = {}
        if user:
            token = base64.b64encode(f"{user}:{password}".encode()).decode()
            headers["Authorization"] = "Basic " + token
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        try:
            conn.request(method, f"{path}?{urllib.parse.urlencode(params)}", body, headers)
            response = conn.getresponse()
            return f"{response.status} ".encode() + response.read()
        finally:
            conn.close()


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedInfluxd]:
    server = EmbeddedInfluxd(tmp_path_factory.mktemp("embedded-tsdb"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def sides(influxd: LocalInfluxd, embedded: EmbeddedInfluxd) -> Iterator[tuple[str, list[Side]]]:
    """Both servers, each with the same new database."""
    database = f"cmp_{uuid.uuid4().hex[:10]}"
    pair = []
    for server in (influxd, embedded):
        settings = server.settings()
        client = InfluxHttp(settings.url, username=settings.username, password=settings.password)
        client.create_database(database)
        pair.append(Side(server, client))
    yield database, pair
    for side in pair:
        side.http.query(f'DROP DATABASE "{database}"')
        side.http.close()


def telemetry(device: Device, mission: str, seq: int, altitude: float) -> str:
    values: dict[str, float | int] = {"altitude": altitude, "engines_running": 9 - seq % 3}
    return point_line(
        DeviceTelemetry(
            mission_id=mission,
            source=str(device),
            seq=seq,
            ts=T0 + seq / 10,
            device=device,
            phase=FlightPhase.ASCENT if seq < 30 else FlightPhase.COAST,
            values=values if device is not Device.SATELLITE else {"battery": altitude},
        )
    )


def alert(seq: int, ts: float, rule: AlertRule, parameter: str, cleared: bool = False) -> str:
    return alert_line(
        Alert(
            mission_id="m1",
            source="calculator",
            seq=seq,
            ts=ts,
            device=Device.ROCKET,
            rule=rule,
            severity=Severity.YELLOW,
            cleared=cleared,
            parameter=parameter,
            value=41_000.0,
            limit=40_000.0,
            message="<dynamic pressure> & more",
        )
    )


def health(seq: int) -> str:
    return health_line(
        DeviceHealth(
            mission_id="m1",
            source="rocket",
            seq=seq,
            ts=T0 + seq,
            device=Device.ROCKET,
            uptime=float(seq),
            frames_ok=50 * seq,
            frames_bad=seq // 3,
            queue_depth=0,
            dropped=0,
            reconnects=0,
            board_online=seq % 2 == 0,
        )
    )


def mission_lines() -> list[str]:
    lines = [telemetry(Device.ROCKET, "m1", s, s * 1.5) for s in range(40)]
    lines += [telemetry(Device.ROCKET, "m2", s, 100.0 + s) for s in range(0, 40, 4)]
    lines += [telemetry(Device.BOOSTER, "m1", s, s * 0.25) for s in range(20)]
    lines.append(telemetry(Device.ROCKET, "m1", 5, 1234.0))  # the same point again: it wins
    lines += [health(s) for s in range(4)]
    lines += [
        alert(1, T0 + 2.0, AlertRule.LIMIT, "dynamic_pressure"),
        alert(2, T0 + 2.0, AlertRule.RATE, "altitude"),
        alert(3, T0 + 2.0, AlertRule.LIMIT, "mach"),
        alert(4, T0 + 3.0, AlertRule.LIMIT, "dynamic_pressure", cleared=True),
    ]
    return lines


def same(
    pair: list[Side],
    method: str,
    path: str,
    params: dict[str, str],
    body: bytes = b"",
    login: tuple[str, str] | None = None,
) -> bytes:
    answers = [side.raw(method, path, params, body, login) for side in pair]
    assert answers[1] == answers[0], f"{method} {path} {params} as {login and login[0]}"
    return answers[0]


def test_marsy_queries_get_influxds_answers(sides: tuple[str, list[Side]]) -> None:
    database, pair = sides
    for side in pair:
        side.http.write(database, "\n".join(mission_lines()).encode())

    readers = [TelemetryReader(side.http, database) for side in pair]
    for device, mission in ((Device.ROCKET, "m1"), (Device.ROCKET, "m2"), (Device.BOOSTER, "m1")):
        window = [r.window(device, mission, T0 + 0.4, T0 + 2.5) for r in readers]
        assert window[1] == window[0] and window[0]
        latest = [r.latest(device, mission, T0 + 4.0, count=3) for r in readers]
        assert latest[1] == latest[0] and len(latest[0]) == 3
        assert readers[1].count(device, mission) == readers[0].count(device, mission) > 0
        sequence = [r.sequence_numbers(device, mission) for r in readers]
        assert sequence[1] == sequence[0] and sequence[0]
    assert readers[1].window(Device.ROCKET, "m9", T0, T0 + 5) == []

    start, end = timestamp_ns(T0 + 0.4), timestamp_ns(T0 + 2.5)
    sent = [  # every shape of marsy.store.queries, over the data above
        queries.window("rocket", "m1", start, end),
        queries.latest("rocket", "m1", start, end, 2),
        queries.whole_mission("rocket", "m1"),
        queries.alerts("m1"),
        queries.count("rocket", "m1"),
        queries.sequence_numbers("rocket", "m2"),
        queries.whole_mission("health", "m1"),
        queries.whole_mission("rocket", "m9"),
        queries.whole_mission("suit", "m1"),
        queries.count("booster", "m2"),
        'SELECT * FROM "health"',  # the tests' own reads, through MarsY's client
        'SELECT * FROM "health" WHERE frames_bad = 1',
        "SELECT * FROM \"alerts\" WHERE level = 1 AND mission = 'm1'",
    ]
    assert {s.name for s in queries.SHAPES} == {
        "window",
        "latest",
        "whole mission",
        "alerts",
        "count",
        "sequence numbers",
    }, "a new shape MarsY sends: compare it here"
    for query in sent:
        for epoch in ("ns", ""):
            params = {"db": database, "q": query} | ({"epoch": epoch} if epoch else {})
            same(pair, "GET", "/query", params)
    assert same(pair, "GET", "/query", {"db": "no_such_db", "q": sent[0]}).startswith(b"200 ")


def test_refused_writes_get_influxds_errors(sides: tuple[str, list[Side]]) -> None:
    database, pair = sides
    same(pair, "POST", "/write", {"db": database}, b"rocket,mission=m1 altitude=1.0 1")
    refusals = [
        b'rocket,mission=m1 altitude="text" 2',  # a field type conflict
        b"rocket,mission=m1 altitude=3.0 3\nnot line protocol\n",  # one bad line of two
        b"rocket,mission=m1,time=x altitude=4.0 4",  # a tag named time
    ]
    for body in refusals:
        assert same(pair, "POST", "/write", {"db": database}, body).startswith(b"400 ")
    assert same(pair, "POST", "/write", {"db": "no_such_db"}, b"m a=1").startswith(b"404 ")
    same(pair, "GET", "/query", {"db": database, "q": 'SELECT * FROM "rocket"', "epoch": "ns"})
    for side in pair:
        with pytest.raises(InfluxRejected, match="field type conflict"):
            side.http.write(database, b'rocket,mission=m1 altitude="again" 5')


def test_privileges_get_influxds_answers(sides: tuple[str, list[Side]]) -> None:
    """A user per test (users are server-wide), granted, used, revoked; one database at a time
    in ``SHOW GRANTS``, whose rows influxd lists in no fixed order."""
    database, pair = sides
    user = f"u_{uuid.uuid4().hex[:8]}"
    login = (user, "pw")

    def admin(statement: str, method: str = "POST") -> bytes:
        return same(pair, method, "/query", {"q": statement})

    def as_user(method: str, path: str, params: dict[str, str], body: bytes = b"") -> bytes:
        return same(pair, method, path, params, body, login)

    def select() -> bytes:
        return as_user("GET", "/query", {"db": database, "q": 'SELECT * FROM "rocket"'})

    def write(body: bytes, db: str = database) -> bytes:
        return as_user("POST", "/write", {"db": db}, body)

    admin(f"CREATE USER {user} WITH PASSWORD 'pw'")
    assert b"values" not in admin(f"SHOW GRANTS FOR {user}", "GET")
    admin(f'GRANT WRITE ON "{database}" TO "{user}"')
    assert b'"WRITE"' in admin(f"SHOW GRANTS FOR {user}", "GET")
    assert write(b"rocket,mission=m1 altitude=1.0 1") == b"204 "
    assert write(b"") == b"204 ", "an empty write: how a recorder checks its grant"
    assert write(b"m a=1", "no_such_db").startswith(b"404 ")
    assert select().startswith(b"403 ")
    assert as_user("GET", "/query", {"q": "SHOW DATABASES"}).startswith(b"200 ")
    for statement in (
        "CREATE DATABASE x",
        f"DROP DATABASE {database}",
        f"SHOW GRANTS FOR {user}",
        f"GRANT ALL ON {database} TO {user}",
        f"REVOKE ALL PRIVILEGES FROM {user}",
    ):
        assert as_user("POST", "/query", {"q": statement}).startswith(b"403 ")

    admin(f"GRANT READ ON {database} TO {user}", "GET")  # a warning: use POST
    assert b'"altitude"' in select()
    assert write(b"rocket,mission=m1 altitude=2.0 2").startswith(b"403 ")
    admin(f"GRANT ALL ON {database} TO {user}; REVOKE READ ON {database} FROM {user}")
    assert b'"WRITE"' in admin(f"SHOW GRANTS FOR {user}")
    admin(f"REVOKE ALL ON {database} FROM {user}")
    assert b"NO PRIVILEGES" in admin(f"SHOW GRANTS FOR {user}")
    assert b"values" not in as_user("GET", "/query", {"q": "SHOW DATABASES"})
    admin(f"GRANT ALL PRIVILEGES TO {user}")
    assert b'"altitude"' in select()
    admin(f"REVOKE ALL FROM {user}")
    assert select().startswith(b"403 ")

    for statement in (
        f"GRANT READ ON no_such_db TO {user}",
        f"GRANT READ ON {database} TO nobody_{user}",
        f"REVOKE WRITE ON {database} FROM nobody_{user}",
        f"SHOW GRANTS FOR nobody_{user}",
        f"GRANT READ ON {database} TO {user}; GRANT WRITE ON no_such_db TO {user}; SHOW DATABASES",
    ):
        admin(statement)
    for anonymous in (("", ""), (user, "wrong")):
        same(pair, "GET", "/query", {"db": database, "q": "SHOW DATABASES"}, login=anonymous)
        same(pair, "POST", "/write", {"db": database}, b"m a=1", login=anonymous)
