"""The site playbook applied twice to a temporary root, then what it installed, put to use.

Ansible runs are slow, so one module fixture runs the playbook twice and every test reads the
result: the agents' and services' settings load as the programs load them, the unit files pass
``systemd-analyze verify``, the broker and influxd run on their installed drop-ins, InfluxDB has
the databases and one least-privilege user per role (and gets them back after a hand-made
drift, the one test that changes it, last), Grafana's files are the committed ones. No Grafana
and no systemd run here.
"""

from __future__ import annotations

import getpass
import json
import stat
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from pydantic import SecretStr

from devservers import LocalInfluxd, free_port
from devservers.certs import make_certificates
from devservers.process import ServerProcess, find_binary, port_open
from ground.grafana.provisioning import DATASOURCES_FILE, ENVIRONMENT
from marsy.brokerconf import password_file_text
from marsy.logins import OBSERVER_CONSOLE, PAYLOAD_RECORDER, as_login, login_passwords
from marsy.mqtt import MqttBus, NotConnected
from marsy.protocol import Channel, Device
from marsy.settings import EdgeSettings, GroundSettings, InfluxSettings, MqttSettings
from marsy.store import InfluxHttp, InfluxNotSetUp, InfluxRejected
from marsy.store.users import ADMIN, SERVICE_USERS, role_grants
from marsy_cli.serve import SERVICES, serve
from tests.ansible.deployment import ANSIBLE, Run, Secrets, ansible_env, play, snapshot
from tests.broker.checks import assert_rocket_confined
from tests.devservers.listening import listening

pytestmark = pytest.mark.integration


@dataclass(frozen=True)
class Deployment:
    root: Path
    source: Path
    first: Run
    second: Run
    secrets: Secrets
    influxd: LocalInfluxd
    mqtt_port: int
    tls_port: int
    rpc_port: int
    extra_vars: Path
    env: dict[str, str]
    base: Path

    def path(self, absolute: str) -> Path:
        return self.root / absolute.lstrip("/")


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    base = tmp_path_factory.mktemp("deployment")
    root = base / "root"
    source = snapshot(base / "source")
    env = ansible_env(base / "ansible-home")
    make_certificates(root / "controller" / "tls")  # what `marsy deploy certs` makes
    # InfluxDB as a fresh package leaves it: auth on, no user yet; the role creates the admin.
    influxd = LocalInfluxd(base / "influxd")
    influxd.process.start(timeout=30.0)
    try:
        secrets = Secrets.random(("operator", *SERVICES))
        vault = secrets.vault_file(base / "vault.yml", base / "vault-password", env)
        mqtt_port, tls_port, rpc_port = free_port(), free_port(), free_port()
        extra = base / "vars.json"
        extra.write_text(
            json.dumps(
                {
                    "marsy_root": str(root),
                    "marsy_source_dir": str(source),
                    "marsy_mqtt_port": mqtt_port,
                    "marsy_mqtt_tls_port": tls_port,
                    "marsy_influx_url": influxd.url,
                    # 8088 may be taken on this machine: the installed influxd gets a free port
                    "influxdb_rpc_bind_address": f"127.0.0.1:{rpc_port}",
                    "ground_services_workers": {"telemetry": 2},
                }
            )
        )
        first = play(extra, vault, base / "vault-password", env)
        second = play(extra, vault, base / "vault-password", env)
        yield Deployment(
            root,
            source,
            first,
            second,
            secrets,
            influxd,
            mqtt_port,
            tls_port,
            rpc_port,
            extra,
            env,
            base,
        )
    finally:
        influxd.stop()


def test_a_second_run_changes_nothing(deployment: Deployment) -> None:
    assert deployment.first.count("failed") == 0
    assert deployment.first.count("changed") > 20, deployment.first.recap
    assert deployment.second.count("failed") == 0
    assert deployment.second.count("changed") == 0, deployment.second.changed_tasks()


def test_no_secret_reaches_the_output(deployment: Deployment) -> None:
    output = deployment.first.output + deployment.second.output
    # The random part alone: a printed secret may have its quotes escaped (JSON output).
    leaked = [s for s in deployment.secrets.all() if s.rstrip("'\"\\") in output]
    assert not leaked, f"{len(leaked)} secrets printed by ansible-playbook"


def agent_config(deployment: Deployment, device: Device) -> Path:
    return deployment.path(f"/etc/marsy/agent-{device}.toml")


def ground_config(deployment: Deployment, service: str) -> Path:
    return deployment.path(f"/etc/marsy/ground-{service}.toml")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_every_agent_gets_settings_its_program_loads(deployment: Deployment) -> None:
    ports = {
        Device.ROCKET: "/dev/marsy-rocket",  # behind the udev rule
        Device.BOOSTER: "/dev/ttyAMA0",
        Device.SATELLITE: "/dev/ttyUSB0",
        Device.SUIT: "/dev/ttyUSB0",
    }
    for device in Device:
        path = agent_config(deployment, device)
        assert mode(path) == 0o640, path
        settings = EdgeSettings.load(path)
        assert settings.device is device
        assert settings.serial_url == ports[device]
        assert settings.state_dir == deployment.path(f"/var/lib/marsy/agents/{device}")
        assert settings.state_dir.is_dir()
        mqtt = settings.mqtt
        assert (mqtt.username, mqtt.port) == (str(device), deployment.tls_port)
        assert mqtt.password is not None
        assert mqtt.password.get_secret_value() == deployment.secrets.mqtt[device]
        assert mqtt.tls is not None
        assert mqtt.tls.ca_file == deployment.path("/etc/marsy/ca.crt")


def test_the_agent_runs_from_the_wheel_in_its_own_virtualenv(deployment: Deployment) -> None:
    venv = deployment.path("/opt/marsy/venv")
    marsy = venv / "bin" / "marsy"
    result = subprocess.run(
        [str(marsy), "agent", "--help"], capture_output=True, text=True, check=True, timeout=60
    )
    assert "Run the onboard agent of DEVICE" in result.stdout
    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import marsy; print(marsy.__file__)"],
        cwd=deployment.root,  # not the repository, whose marsy/ the current folder would shadow
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert where.startswith(str(venv)), f"marsy imported from {where}, not from the wheel"


def test_the_ground_role_adds_its_extra_to_the_virtualenv(deployment: Deployment) -> None:
    """The bare wheel is an agent's install (tests/ansible/test_install_by_role.py); this host
    also runs the ground services, whose role installs the wheel's ``ground`` extra."""
    venv = deployment.path("/opt/marsy/venv")
    imports = "import flask, matplotlib, ground.telemetry.service, ground.report.plots"
    result = subprocess.run(
        [str(venv / "bin" / "python"), "-c", imports],
        cwd=deployment.root,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]


def unit_lines(path: Path) -> set[str]:
    return {line.strip() for line in path.read_text().splitlines()}


def verify_unit(directory: Path, instance: str) -> None:
    """``systemd-analyze verify`` of a unit instance, which also checks ExecStart exists."""
    analyze = find_binary("systemd-analyze", "systemd")
    result = subprocess.run(
        [analyze, "verify", str(directory / instance)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_the_agent_unit_restarts_on_failure_after_the_network(deployment: Deployment) -> None:
    units = deployment.path("/etc/systemd/system")
    unit = units / "marsy-agent@.service"
    lines = unit_lines(unit)
    venv = deployment.path("/opt/marsy/venv")
    config = deployment.path("/etc/marsy")
    assert {
        "Restart=on-failure",
        "After=network-online.target",
        "Wants=network-online.target",
        "User=marsy",
        "SupplementaryGroups=dialout",
        f"ExecStart={venv}/bin/marsy agent %i --config {config}/agent-%i.toml",
        "WantedBy=multi-user.target",
    } <= lines
    for device in Device:
        verify_unit(units, f"marsy-agent@{device}.service")


def test_only_a_board_with_usb_ids_gets_a_udev_rule(deployment: Deployment) -> None:
    rules = deployment.path("/etc/udev/rules.d")
    assert sorted(p.name for p in rules.iterdir()) == ["99-marsy-rocket.rules"]
    rule = (rules / "99-marsy-rocket.rules").read_text()
    usb = 'ATTRS{idVendor}=="10c4", ATTRS{idProduct}=="ea60", ATTRS{serial}=="MARSY-R1"'
    assert usb in rule
    assert 'SYMLINK+="marsy-rocket", GROUP="dialout"' in rule


def test_every_ground_service_gets_settings_and_a_unit(deployment: Deployment) -> None:
    tokens = deployment.secrets.tokens
    for service in SERVICES:
        path = ground_config(deployment, service)
        assert mode(path) == 0o640
        settings = GroundSettings.load(path)
        assert settings.mqtt.username == service
        assert settings.mqtt.tls is not None
        assert settings.token is not None
        assert settings.token.get_secret_value() == tokens[service]
        assert {k: v.get_secret_value() for k, v in settings.api_tokens.items()} == tokens
        assert set(settings.services) == set(SERVICES) - {service}
        if service in SERVICE_USERS:  # its role's InfluxDB user, with that user's password
            assert settings.influx.url == deployment.influxd.url
            assert settings.influx.username == SERVICE_USERS[service]
            assert settings.influx.password is not None
            password = deployment.secrets.influx[SERVICE_USERS[service]]
            assert settings.influx.password.get_secret_value() == password
        else:  # no business with InfluxDB, no login
            assert (settings.influx.username, settings.influx.password) == (None, None)
    ports = {GroundSettings.load(ground_config(deployment, s)).http_port for s in SERVICES}
    assert len(ports) == len(SERVICES), "two services on one port"
    units = deployment.path("/etc/systemd/system")
    assert "Restart=on-failure" in unit_lines(units / "marsy-ground@.service")
    verify_unit(units, "marsy-ground@telemetry.service")


def test_telemetry_runs_as_the_workers_asked_for_and_the_others_alone(
    deployment: Deployment,
) -> None:
    unit = (deployment.path("/etc/systemd/system") / "marsy-ground@.service").read_text()
    start = next(line for line in unit.splitlines() if line.startswith("ExecStart="))
    assert start.endswith(" $MARSY_SERVE_ARGS"), "unquoted: systemd splits it into words"
    for service in SERVICES:
        extras = deployment.path(f"/etc/marsy/ground-{service}.env").read_text().splitlines()
        (args,) = [line.split("=", 1)[1] for line in extras if line.startswith("MARSY_SERVE_ARGS=")]
        assert args == ("--workers 2" if service == "telemetry" else "")
        config = str(ground_config(deployment, service))
        context = serve.make_context("serve", [service, "--config", config, *args.split()])
        assert context.params["workers"] == (2 if service == "telemetry" else 1)


@pytest.fixture(scope="module")
def installed_broker(
    deployment: Deployment, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    """Mosquitto started the way Debian's package starts it, with the installed drop-in."""
    workdir = tmp_path_factory.mktemp("installed-mosquitto")
    (workdir / "data").mkdir()
    conf = workdir / "mosquitto.conf"
    conf.write_text(
        "\n".join(
            [  # Debian's /etc/mosquitto/mosquitto.conf, paths moved under the test's folders
                "persistence true",
                f"persistence_location {workdir}/data/",
                f"log_dest file {workdir}/mosquitto.log",
                f"user {getpass.getuser()}",
                f"include_dir {deployment.path('/etc/mosquitto/conf.d')}",
                "",
            ]
        )
    )
    process = ServerProcess(
        "mosquitto",
        [find_binary("mosquitto", "mosquitto"), "-c", str(conf)],
        workdir / "mosquitto.log",
        lambda: port_open(deployment.mqtt_port) and port_open(deployment.tls_port),
    )
    process.start()
    yield deployment
    process.stop()


def connect(settings: MqttSettings, buses: list[MqttBus], wait: float = 5.0) -> MqttBus:
    bus = MqttBus(settings)
    buses.append(bus)
    bus.start(wait=wait)
    return bus


@pytest.fixture
def buses() -> Iterator[list[MqttBus]]:
    made: list[MqttBus] = []
    yield made
    for bus in made:
        bus.stop(timeout=1.0)


def test_the_installed_broker_takes_the_installed_agents_over_tls(
    installed_broker: Deployment, buses: list[MqttBus]
) -> None:
    deployment = installed_broker
    rocket = EdgeSettings.load(agent_config(deployment, Device.ROCKET)).mqtt
    ingest = GroundSettings.load(ground_config(deployment, "telemetry")).mqtt
    telemetry = MqttBus(ingest)
    buses.append(telemetry)
    telemetry.subscribe(telemetry.topics.channel_filter(Channel.TELEMETRY))
    telemetry.start(wait=5.0)
    agent = connect(rocket, buses)
    assert_rocket_confined(agent, telemetry, "deployed")


def test_the_installed_broker_takes_a_services_second_login(
    installed_broker: Deployment, buses: list[MqttBus]
) -> None:
    """The payload service opens its recorder's login from its own settings alone."""
    payload = GroundSettings.load(ground_config(installed_broker, "payload")).mqtt
    recorder = connect(as_login(payload, PAYLOAD_RECORDER), buses)
    assert recorder.client_id == PAYLOAD_RECORDER
    connect(payload, buses)
    with pytest.raises(NotConnected):  # a login of another role derives nothing valid
        connect(
            as_login(payload.model_copy(update={"username": "observer"}), OBSERVER_CONSOLE),
            buses,
            wait=1.0,
        )


def test_the_installed_broker_refuses_strangers(
    installed_broker: Deployment, buses: list[MqttBus]
) -> None:
    rocket = EdgeSettings.load(agent_config(installed_broker, Device.ROCKET)).mqtt
    plain = rocket.model_copy(update={"port": installed_broker.mqtt_port, "tls": None})
    connect(plain, buses)  # the plain listener serves this host, with a password
    for stranger in (
        plain.model_copy(update={"username": None, "password": None}),
        rocket.model_copy(update={"username": None, "password": None}),
        rocket.model_copy(update={"password": SecretStr("guess")}),
        rocket.model_copy(update={"tls": None}),
    ):
        with pytest.raises(NotConnected):
            connect(stranger, buses, wait=1.0)


def admin(deployment: Deployment) -> InfluxHttp:
    settings = deployment.influxd.settings(password=deployment.secrets.influx["admin"])
    return InfluxHttp(settings.url, username=settings.username, password=settings.password)


def test_influxdb_has_the_databases_retention_and_users(deployment: Deployment) -> None:
    http = admin(deployment)
    try:
        for database, duration in (("flight", "8760h0m0s"), ("payload", "0s")):
            (policies,) = http.query(f'SHOW RETENTION POLICIES ON "{database}"')
            marsy = next(row for row in policies.rows if row["name"] == "marsy")
            assert (marsy["duration"], marsy["default"]) == (duration, True)
        assert users_and_grants(http) == expected_users()
    finally:
        http.close()


def expected_users() -> dict[str, tuple[bool, dict[str, str]]]:
    """The admin, and each role user with its privileges (marsy.store.users)."""
    expected: dict[str, tuple[bool, dict[str, str]]] = {ADMIN: (True, {})}
    for user, grants in role_grants().items():
        expected[user] = (False, dict(grants))
    return expected


def users_and_grants(http: InfluxHttp) -> dict[str, tuple[bool, dict[str, str]]]:
    """Every user: whether an admin, and the privileges it holds (none left out)."""
    (users,) = http.query("SHOW USERS")
    found = {}
    for row in users.rows:
        (grants,) = http.query(f'SHOW GRANTS FOR "{row["user"]}"')
        held = {db: privilege for db, privilege in grants.values if privilege != "NO PRIVILEGES"}
        found[row["user"]] = (row["admin"], held)
    return found


def test_each_installed_login_does_its_job_and_nothing_else(deployment: Deployment) -> None:
    """The services' settings and Grafana's environment, used as they are installed."""
    logins = {
        service: GroundSettings.load(ground_config(deployment, service)).influx
        for service in SERVICE_USERS
    }
    env = grafana_environment(deployment)
    logins["grafana"] = InfluxSettings(
        url=env["MARSY_INFLUX_URL"],
        username=env["MARSY_INFLUX_USER"],
        password=SecretStr(env["MARSY_INFLUX_PASSWORD"]),
    )
    for seq, (who, settings) in enumerate(sorted(logins.items())):
        grants = role_grants()[settings.username or ""]
        http = InfluxHttp(settings.url, username=settings.username, password=settings.password)
        try:
            for database in ("flight", "payload"):
                line = f"probe,mission=m1 value={seq}i {1_800_000_000_000_000_000 + seq}"
                if grants.get(database) == "WRITE":
                    http.write(database, line.encode())
                else:
                    with pytest.raises(InfluxNotSetUp, match="may not write"):
                        http.write(database, line.encode())
                if grants.get(database) == "READ":
                    http.query('SELECT * FROM "probe"', database)
                else:
                    with pytest.raises(InfluxRejected, match="requires READ"):
                        http.query('SELECT * FROM "probe"', database)
            with pytest.raises(InfluxRejected, match="requires admin privilege"):
                http.query("SHOW USERS")
        finally:
            http.close()
        assert grants, who


def grafana_environment(deployment: Deployment) -> dict[str, str]:
    """The env file the role wrote, read the way systemd reads a quoted EnvironmentFile."""
    values = {}
    for line in deployment.path("/etc/grafana/marsy.env").read_text().splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key] = json.loads(value)
    return values


def test_grafana_gets_the_committed_files_and_their_environment(deployment: Deployment) -> None:
    committed = deployment.source / "grafana"
    installed = deployment.path("/etc/grafana/provisioning")
    datasources = installed / "datasources" / "marsy.yaml"
    assert datasources.read_text() == (committed / DATASOURCES_FILE).read_text()
    dashboards = deployment.path("/var/lib/grafana/dashboards/marsy")
    assert sorted(p.name for p in dashboards.iterdir()) == sorted(
        p.name for p in (committed / "dashboards").iterdir()
    )
    for board in dashboards.iterdir():
        assert board.read_bytes() == (committed / "dashboards" / board.name).read_bytes()
    provider = yaml.safe_load((installed / "dashboards" / "marsy.yaml").read_text())
    assert provider["providers"][0]["options"]["path"] == str(dashboards)
    env_file = deployment.path("/etc/grafana/marsy.env")
    assert mode(env_file) == 0o640
    env = grafana_environment(deployment)
    assert set(env) == set(ENVIRONMENT)
    assert env["MARSY_INFLUX_URL"] == deployment.influxd.url
    assert env["MARSY_INFLUX_PASSWORD"] == deployment.secrets.influx["grafana"]
    dropin = deployment.path("/etc/systemd/system/grafana-server.service.d/marsy.conf")
    assert f"EnvironmentFile={env_file}" in dropin.read_text()


def test_the_broker_gets_the_generated_acl_and_unreadable_hashes(deployment: Deployment) -> None:
    broker = deployment.path("/etc/mosquitto/marsy")
    for name in ("passwd", "acl", "server.key"):
        assert mode(broker / name) == 0o640, name
    assert (broker / "acl").read_text() == (deployment.source / "mosquitto" / "acl").read_text()
    expected = password_file_text(sorted(login_passwords(deployment.secrets.mqtt).items()))
    assert (broker / "passwd").read_text() == expected


def test_the_role_keeps_the_rpc_port_on_loopback_and_the_users_of_marsy() -> None:
    defaults = yaml.safe_load((ANSIBLE / "roles/influxdb/defaults/main.yml").read_text())
    assert defaults["influxdb_rpc_bind_address"] == "127.0.0.1:8088"
    assert defaults["influxdb_retired_users"] == ["marsy"]
    table = {user["name"]: user["grants"] for user in defaults["influxdb_users"]}
    assert table == role_grants(), "the role's users are marsy.store.users'"
    services = yaml.safe_load((ANSIBLE / "roles/ground_services/defaults/main.yml").read_text())
    assert services["ground_services_influx_users"] == dict(SERVICE_USERS)


@pytest.fixture(scope="module")
def installed_influxd(
    deployment: Deployment, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[ServerProcess, int]]:
    """influxd as Debian's package starts it (its configuration, paths moved) with the
    environment of the installed drop-in; only its HTTP port moved off the test's influxd."""
    workdir = tmp_path_factory.mktemp("installed-influxd")
    conf = workdir / "influxdb.conf"
    conf.write_text(
        "reporting-enabled = false\n"
        f'[meta]\n  dir = "{workdir}/meta"\n'
        f'[data]\n  dir = "{workdir}/data"\n  wal-dir = "{workdir}/wal"\n'
    )
    dropin = deployment.path("/etc/systemd/system/influxdb.service.d/marsy.conf")
    environment = dict(
        line.removeprefix("Environment=").split("=", 1)
        for line in dropin.read_text().splitlines()
        if line.startswith("Environment=")
    )
    here = deployment.influxd.url.removeprefix("http://")
    assert environment["INFLUXDB_HTTP_BIND_ADDRESS"] == here, "the URL is this host's: loopback"
    port = free_port()
    environment["INFLUXDB_HTTP_BIND_ADDRESS"] = f"127.0.0.1:{port}"
    settings = [f"{key}={value}" for key, value in environment.items()]
    process = ServerProcess(
        "installed influxd",
        ["env", *settings, find_binary("influxd", "influxdb"), "-config", str(conf)],
        workdir / "influxd.log",
        lambda: port_open(port),
    )
    process.start(timeout=30.0)
    yield process, port
    process.stop()


def test_the_installed_influxd_wants_a_login_and_keeps_rpc_on_loopback(
    deployment: Deployment, installed_influxd: tuple[ServerProcess, int]
) -> None:
    process, port = installed_influxd
    assert process.pid is not None
    assert listening(process.pid) == {("127.0.0.1", port), ("127.0.0.1", deployment.rpc_port)}
    anonymous = InfluxHttp(f"http://127.0.0.1:{port}")
    try:
        with pytest.raises(InfluxRejected, match="create admin user first"):
            anonymous.query("SHOW DATABASES")
        status, _ = anonymous.request("GET", "/debug/vars", {})
        assert status == 200, "influxd 1.6 serves /debug/vars to anyone: firewall the port"
        with pytest.raises(InfluxRejected, match="404"):
            anonymous.request("GET", "/debug/pprof/", {})
    finally:
        anonymous.close()


def test_the_role_sets_drifted_users_and_grants_back(deployment: Deployment) -> None:
    """Hands changed InfluxDB: an earlier version's all-powerful user, a role user made admin
    and given more. One run of the role alone puts the table back. Last: it changes InfluxDB."""
    http = admin(deployment)
    try:
        http.query(
            "CREATE USER marsy WITH PASSWORD 'old'; GRANT ALL ON flight TO marsy; "
            "GRANT ALL PRIVILEGES TO telemetry; GRANT READ ON payload TO telemetry; "
            "GRANT ALL ON flight TO grafana"
        )
        playbook = deployment.base / "influxdb.yml"
        playbook.write_text(
            yaml.safe_dump([{"name": "InfluxDB", "hosts": "influxdb", "roles": ["influxdb"]}])
        )
        again = play(
            deployment.extra_vars,
            deployment.base / "vault.yml",
            deployment.base / "vault-password",
            deployment.env,
            playbook=str(playbook),
        )
        assert again.count("failed") == 0
        assert {
            "influxdb : Take the admin privilege from the users that have it",
            "influxdb : Grant the privileges that differ, revoke those on other databases",
            "influxdb : Drop the users of earlier versions",
        } <= set(again.changed_tasks())
        assert users_and_grants(http) == expected_users()
    finally:
        http.close()
