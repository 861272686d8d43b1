"""A certificate authority and a broker certificate for Mosquitto's TLS listener.

Made with the ``openssl`` command line (Debian's ``openssl`` package), so nothing beyond the base
system is needed: the tests and the simulation make a throwaway CA per run; an installation runs
``marsy deploy certs`` once, keeps the CA key offline and hands the broker its certificate and
key (ansible-vault encrypted) through the Ansible ``mosquitto`` role. Keys are P-256 EC keys:
quick to make, and every TLS library the fleet uses speaks them.
"""

from __future__ import annotations

import ipaddress
import secrets
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from devservers.process import find_binary

CA_CERT = "ca.crt"
CA_KEY = "ca.key"
SERVER_CERT = "server.crt"
SERVER_KEY = "server.key"

_CA_EXTENSIONS = """\
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
"""
_SERVER_EXTENSIONS = """\
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid, issuer
subjectAltName = {names}
"""


class CertificateError(RuntimeError):
    """openssl refused to make a key or certificate; the message carries its words."""


@dataclass(frozen=True)
class BrokerCertificates:
    """The files a TLS broker and its clients need, all in one folder."""

    ca_cert: Path
    """What clients trust (``MqttSettings.tls.ca_file``)."""
    ca_key: Path
    """Signs broker certificates; keep it off the broker and out of version control."""
    server_cert: Path
    server_key: Path


def subject_alt_names(hosts: Sequence[str]) -> str:
    """``DNS:``/``IP:`` entries for the names clients use to reach the broker.

    Clients check the name they dialled against these (``127.0.0.1`` must be an IP entry), so a
    broker reached by address and by name needs both.
    """
    if not hosts:
        raise ValueError("the broker certificate needs at least one host name or address")
    names = []
    for host in hosts:
        try:
            ipaddress.ip_address(host)
        except ValueError:
            names.append(f"DNS:{host}")
        else:
            names.append(f"IP:{host}")
    return ", ".join(names)


def make_certificates(
    out: Path,
    hosts: Sequence[str] = ("localhost", "127.0.0.1"),
    *,
    days: int = 825,
    ca_name: str = "MarsY broker CA",
) -> BrokerCertificates:
    """Make a new CA and a broker certificate it signed for ``hosts``, in ``out``.

    Existing files are overwritten: a new CA means every client needs the new ``ca.crt``.
    825 days is the longest validity clients that follow the CA/Browser rules accept.
    """
    openssl = find_binary("openssl", "openssl")
    out.mkdir(parents=True, exist_ok=True)
    made = BrokerCertificates(out / CA_CERT, out / CA_KEY, out / SERVER_CERT, out / SERVER_KEY)
    ca_config = out / "ca.cnf"
    server_ext = out / "server.ext"
    csr = out / "server.csr"
    # `req -x509` takes extensions only from a config section; the distribution's default
    # config may add others (and differs between versions), so a minimal one of our own.
    ca_config.write_text("[req]\ndistinguished_name = dn\n[dn]\n[v3_ca]\n" + _CA_EXTENSIONS)
    server_ext.write_text(_SERVER_EXTENSIONS.format(names=subject_alt_names(hosts)))
    for key in (made.ca_key, made.server_key):
        key.unlink(missing_ok=True)
        key.touch(mode=0o600)  # openssl writes into it: the key is never readable by others
    ec_key = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    try:
        _run(
            openssl,
            "req",
            "-x509",
            *ec_key,
            "-keyout",
            made.ca_key,
            "-out",
            made.ca_cert,
            "-subj",
            f"/CN={ca_name}",
            "-days",
            str(days),
            "-sha256",
            "-config",
            ca_config,
            "-extensions",
            "v3_ca",
        )
        _run(
            openssl,
            "req",
            "-new",
            *ec_key,
            "-keyout",
            made.server_key,
            "-out",
            csr,
            "-subj",
            f"/CN={hosts[0]}",
        )
        _run(
            openssl,
            "x509",
            "-req",
            "-in",
            csr,
            "-CA",
            made.ca_cert,
            "-CAkey",
            made.ca_key,
            "-set_serial",
            str(secrets.randbits(63)),
            "-days",
            str(days),
            "-sha256",
            "-extfile",
            server_ext,
            "-out",
            made.server_cert,
        )
    finally:
        for scratch in (ca_config, server_ext, csr):
            scratch.unlink(missing_ok=True)
    return made


def _run(*argv: str | Path) -> None:
    result = subprocess.run([str(arg) for arg in argv], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise CertificateError(f"{' '.join(map(str, argv[:3]))}: {result.stderr.strip()}")
