"""Who may do what on our private InfluxDB servers (influxd and the embedded store), and what
influxd opens: each role user does its job and nothing else, strangers are refused, the RPC port
is on loopback only, and ``/debug`` answers as influxd 1.6 answers (anonymously: documented)."""

from __future__ import annotations

import json
import stat
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from devservers import LocalInfluxd
from devservers.embedded.tsdb.instance import EmbeddedInfluxd
from devservers.influx_admin import USERS_FILE
from devservers.process import find_binary
from marsy.store import InfluxHttp, InfluxNotSetUp, InfluxRejected
from marsy.store.users import REPORT, SERVICE_USERS, TELEMETRY, role_grants
from tests.devservers.listening import listening

pytestmark = pytest.mark.integration

Server = LocalInfluxd | EmbeddedInfluxd
FLIGHT, PAYLOAD = "flight", "payload"
ADMIN_ONLY = (
    "SHOW USERS",
    "CREATE USER intruder WITH PASSWORD 'x' WITH ALL PRIVILEGES",
    "GRANT ALL PRIVILEGES TO intruder",
    'CREATE DATABASE "intruder"',
    'DROP DATABASE "flight"',
    'SHOW GRANTS FOR "report"',
)


@pytest.fixture(scope="module", params=["influxd", "embedded"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp(request.param)
    made: Server = LocalInfluxd(folder) if request.param == "influxd" else EmbeddedInfluxd(folder)
    made.start()
    yield made
    made.stop()


def client(server: Server, user: str | None, password: str | None = None) -> InfluxHttp:
    """A client signed in as ``user`` (with its own password unless one is given)."""
    if user is None:
        return InfluxHttp(server.url)
    settings = server.settings_for(user)
    secret = SecretStr(password) if password is not None else settings.password
    return InfluxHttp(server.url, username=user, password=secret)


def point(seq: int) -> bytes:
    return f"probe,mission=m1 value={seq}i {1_800_000_000_000_000_000 + seq}".encode()


@pytest.mark.parametrize("user", sorted(role_grants()))
def test_each_user_does_its_job_and_nothing_else(server: Server, user: str) -> None:
    grants = role_grants()[user]
    http = client(server, user)
    try:
        for seq, database in enumerate((FLIGHT, PAYLOAD)):
            privilege = grants.get(database)
            if privilege in ("WRITE", "ALL"):
                http.write(database, point(seq))
                http.check_writable(database)
            else:
                with pytest.raises(InfluxNotSetUp, match="may not write"):
                    http.write(database, point(seq))
            if privilege in ("READ", "ALL"):
                http.query('SELECT * FROM "probe"', database)
            else:
                with pytest.raises(InfluxRejected, match=f"requires READ on {database}"):
                    http.query('SELECT * FROM "probe"', database)
        for statement in ADMIN_ONLY:
            with pytest.raises(InfluxRejected, match="requires admin privilege"):
                http.query(statement)
    finally:
        http.close()


def test_the_ingest_cannot_read_what_it_wrote_and_the_report_can_only_read(
    server: Server,
) -> None:
    ingest, report = client(server, TELEMETRY), client(server, REPORT)
    try:
        ingest.write(FLIGHT, point(100))
        with pytest.raises(InfluxRejected, match="403"):
            ingest.query('SELECT * FROM "probe"', FLIGHT)
        (series,) = report.query('SELECT * FROM "probe" WHERE value = 100', FLIGHT)
        assert [row["value"] for row in series.rows] == [100]
        with pytest.raises(InfluxNotSetUp, match="'report' may not write"):
            report.write(FLIGHT, point(101))
    finally:
        ingest.close()
        report.close()


def test_the_admin_sets_up_and_strangers_are_refused(server: Server) -> None:
    admin = client(server, server.username)
    try:
        admin.query("CREATE DATABASE \"extra\"; CREATE USER extra WITH PASSWORD 'pw'")
        admin.query('GRANT WRITE ON "extra" TO "extra"')
        (grants,) = admin.query('SHOW GRANTS FOR "extra"')
        assert grants.values == [["extra", "WRITE"]]
    finally:
        admin.close()
    for stranger in (client(server, None), client(server, REPORT, "not its password")):
        try:
            with pytest.raises(InfluxRejected, match="401"):
                stranger.query("SHOW DATABASES")
            with pytest.raises(InfluxNotSetUp, match="does not take"):
                stranger.write(FLIGHT, point(200))
        finally:
            stranger.close()


def test_every_service_that_uses_influxdb_has_its_own_user() -> None:
    assert set(SERVICE_USERS) == {"telemetry", "payload", "calculator"}
    assert len(set(SERVICE_USERS.values())) == len(SERVICE_USERS)
    assert role_grants()[SERVICE_USERS["telemetry"]] == {FLIGHT: "WRITE"}
    assert role_grants()[SERVICE_USERS["payload"]] == {PAYLOAD: "WRITE"}


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_logins_stay_with_the_data_and_an_interrupted_set_up_resumes(tmp_path: Path) -> None:
    with EmbeddedInfluxd(tmp_path) as first:
        users = dict(first.users)
    assert set(users) == set(role_grants())
    for name in ("admin.json", USERS_FILE):
        assert mode(tmp_path / name) == 0o600, name
    # The set-up stopped before its end: its passwords were kept aside, the users may exist.
    (tmp_path / USERS_FILE).rename(tmp_path / f"{USERS_FILE}.pending")
    with EmbeddedInfluxd(tmp_path) as again:
        assert again.users == users
        http = client(again, REPORT)
        try:
            assert http.query("SHOW DATABASES")[0].values == [[FLIGHT], [PAYLOAD]]
        finally:
            http.close()
    assert json.loads((tmp_path / USERS_FILE).read_text()) == users


# --- what influxd itself opens ----------------------------------------------------------------


@pytest.fixture(scope="module")
def influxd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalInfluxd]:
    server = LocalInfluxd(tmp_path_factory.mktemp("influxd-ports"))
    server.start()
    yield server
    server.stop()


def rpc_address(server: LocalInfluxd) -> str:
    for line in (server.workdir / "influxdb.conf").read_text().splitlines():
        if line.startswith("bind-address = "):
            return line.split('"')[1]
    raise AssertionError("no top-level bind-address in influxdb.conf")


def test_influxd_listens_on_loopback_only_its_http_and_rpc_ports(influxd: LocalInfluxd) -> None:
    rpc = rpc_address(influxd)
    assert rpc.startswith("127.0.0.1:")
    assert influxd.process.pid is not None
    assert listening(influxd.process.pid) == {
        ("127.0.0.1", influxd.port),
        ("127.0.0.1", int(rpc.rsplit(":", 1)[1])),
    }


def test_the_rpc_port_takes_no_login_which_is_why_it_stays_on_loopback(
    influxd: LocalInfluxd, tmp_path: Path
) -> None:
    """influxd 1.6's backup service has no authentication: anyone on this host may back up
    (users' hashes included). What the deployment can do is keep it on loopback."""
    influxd_binary = find_binary("influxd", "influxdb")
    backup = subprocess.run(
        [influxd_binary, "backup", "-portable", "-host", rpc_address(influxd), str(tmp_path / "b")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert backup.returncode == 0, backup.stderr
    assert any(p.suffix == ".meta" for p in (tmp_path / "b").iterdir())


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_influxd_serves_debug_vars_and_requests_without_a_login(influxd: LocalInfluxd) -> None:
    """Auth on, influxd 1.6 still answers /debug/vars (statistics, its command line) and
    /debug/requests (who asked, from where) to anyone: no setting closes them, so the
    deployment keeps the port to the ground hosts. /debug/pprof is closed by pprof-enabled."""
    status, body = get(f"{influxd.url}/debug/vars")
    assert status == 200
    assert str(influxd.workdir / "influxdb.conf") in json.loads(body)["cmdline"]
    assert get(f"{influxd.url}/debug/pprof/")[0] == 404
    seen: list[tuple[int, bytes]] = []
    watcher = threading.Thread(
        target=lambda: seen.append(get(f"{influxd.url}/debug/requests?seconds=2"))
    )
    watcher.start()
    time.sleep(0.5)
    report = client(influxd, REPORT)
    try:
        report.query("SHOW DATABASES")
    finally:
        report.close()
    watcher.join(10)
    assert seen and seen[0][0] == 200
    assert f"{REPORT}:127.0.0.1" in json.loads(seen[0][1])


def test_the_embedded_store_serves_no_debug_pages(tmp_path: Path) -> None:
    with EmbeddedInfluxd(tmp_path) as embedded:
        for page in ("/debug/vars", "/debug/requests", "/debug/pprof/"):
            assert get(f"{embedded.url}{page}")[0] == 404, page
