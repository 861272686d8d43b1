"""Who may connect and what each user may publish and read, from Mosquitto's own files.

The password file holds ``user:$7$iterations$salt$hash`` lines (PBKDF2-SHA512, what
``mosquitto_passwd`` and :func:`marsy.brokerconf.password_hash` write; the older ``$6$`` SHA-512
lines are read too). The ACL file is Mosquitto's ``acl_file``: ``user NAME`` followed by
``topic [read|write|readwrite|deny] FILTER`` lines, and ``pattern`` lines for everyone with
``%u``/``%c`` standing for the user name and client id. As in Mosquitto, a matching ``deny``
wins, and a user with no matching line may do nothing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass, field
from enum import IntFlag
from pathlib import Path

from devservers.embedded.broker.topics import matches


class Access(IntFlag):
    NONE = 0
    READ = 1
    WRITE = 2


_ACCESS = {
    "read": Access.READ,
    "write": Access.WRITE,
    "readwrite": Access.READ | Access.WRITE,
    "deny": Access.NONE,
}


class ConfigError(ValueError):
    """A password or ACL file line the broker cannot use; it refuses to start on one."""


@dataclass(frozen=True)
class PasswordFile:
    """User names and their hashed passwords."""

    hashes: dict[str, str]

    @classmethod
    def parse(cls, text: str) -> PasswordFile:
        hashes: dict[str, str] = {}
        for number, raw in enumerate(text.splitlines(), 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            user, sep, hashed = line.partition(":")
            if not sep or not user:
                raise ConfigError(f"password file line {number}: expected user:hash")
            hashes[user] = hashed
        return cls(hashes)

    @classmethod
    def load(cls, path: Path) -> PasswordFile:
        return cls.parse(path.read_text())

    def verify(self, user: str, password: bytes) -> bool:
        """Whether ``password`` is this user's; an unknown user or hash format is a no."""
        hashed = self.hashes.get(user)
        return hashed is not None and verify_hash(hashed, password)


def verify_hash(hashed: str, password: bytes) -> bool:
    """Check ``password`` against one ``$7$`` or ``$6$`` hash, in constant time."""
    parts = hashed.split("$")
    try:
        if len(parts) == 5 and parts[1] == "7":
            iterations = int(parts[2])
            salt, expected = base64.b64decode(parts[3]), base64.b64decode(parts[4])
            actual = hashlib.pbkdf2_hmac("sha512", password, salt, iterations)
        elif len(parts) == 4 and parts[1] == "6":
            salt, expected = base64.b64decode(parts[2]), base64.b64decode(parts[3])
            actual = hashlib.sha512(password + salt).digest()
        else:
            return False
    except (ValueError, binascii.Error):
        return False
    return hmac.compare_digest(actual, expected)


@dataclass(frozen=True)
class Rule:
    access: Access
    topic: str


@dataclass
class Acl:
    """Per-user rules and the ``pattern`` rules every user gets."""

    users: dict[str, list[Rule]] = field(default_factory=dict)
    patterns: list[Rule] = field(default_factory=list)

    @classmethod
    def parse(cls, text: str) -> Acl:
        acl = cls()
        user: str | None = None  # lines before any ``user`` are for anonymous clients: none here
        for number, raw in enumerate(text.splitlines(), 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            keyword, _, rest = line.partition(" ")
            rest = rest.strip()
            if keyword == "user":
                user = rest
                acl.users.setdefault(user, [])
            elif keyword in ("topic", "pattern"):
                rule = _rule(rest, number)
                if keyword == "pattern":
                    acl.patterns.append(rule)
                elif user is not None:
                    acl.users[user].append(rule)
            else:
                raise ConfigError(f"ACL line {number}: unknown keyword {keyword!r}")
        return acl

    @classmethod
    def load(cls, path: Path) -> Acl:
        return cls.parse(path.read_text())

    def allows(self, user: str, client_id: str, topic: str, access: Access) -> bool:
        """Whether ``user`` (connected as ``client_id``) may do ``access`` on ``topic``."""
        rules = list(self.users.get(user, ()))
        if self.patterns and not any(c in user + client_id for c in "+#"):
            rules += [
                Rule(r.access, r.topic.replace("%u", user).replace("%c", client_id))
                for r in self.patterns
            ]
        matching = [rule for rule in rules if matches(rule.topic, topic)]
        if any(rule.access is Access.NONE for rule in matching):
            return False
        return any(rule.access & access for rule in matching)


def _rule(rest: str, number: int) -> Rule:
    first, _, topic = rest.partition(" ")
    if first in _ACCESS and topic.strip():
        return Rule(_ACCESS[first], topic.strip())
    if not rest:
        raise ConfigError(f"ACL line {number}: a topic is missing")
    return Rule(Access.READ | Access.WRITE, rest)  # no access word: read and write
