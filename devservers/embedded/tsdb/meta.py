"""The catalogue: which databases exist (in creation order, as influxd lists them), the users
and their privileges on each database.

One small SQLite file beside the data. Passwords are kept as salted PBKDF2 hashes; a login that
was checked once is remembered in memory, because MarsY signs every request in and a key
derivation per request would cost more than the request (influxd keeps a cache the same way).
A privilege stays listed once set, even as ``NO PRIVILEGES`` after a revoke, until its database
is dropped: influxd's meta store does the same.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import sqlite3
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from devservers.embedded.tsdb.statements import Privilege

_ITERATIONS = 100_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS databases (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY,
    salt BLOB NOT NULL,
    hash BLOB NOT NULL,
    admin INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS privileges (
    user TEXT NOT NULL,
    database TEXT NOT NULL,
    privilege INTEGER NOT NULL,
    PRIMARY KEY (user, database)
);
"""


class MetaError(Exception):
    """A statement on users or privileges failed; the message is influxd's."""


class UserExists(MetaError):
    """influxd's ``user already exists``: same name, another password or privilege."""


@dataclass(frozen=True)
class User:
    name: str
    admin: bool
    privileges: Mapping[str, Privilege] = field(default_factory=dict)
    """By database: what the user may do there beside an admin's everything."""

    def may(self, privilege: Privilege, database: str) -> bool:
        """influxd's ``AuthorizeDatabase``: ALL covers READ and WRITE, NONE asks nothing."""
        if self.admin or privilege is Privilege.NONE:
            return True
        return self.privileges.get(database) in (privilege, Privilege.ALL)


def _derive(password: str, salt: bytes) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", password.encode(), salt, _ITERATIONS)


class Meta:
    """Databases and users, safe to share between threads."""

    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._lock = threading.Lock()
        self._checked: dict[str, bytes] = {}
        """User name to a digest of the password last seen to be right."""

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # --- databases ----------------------------------------------------------------------------

    def databases(self) -> list[tuple[int, str]]:
        """(id, name) of every database, oldest first."""
        with self._lock:
            return list(self._db.execute("SELECT id, name FROM databases ORDER BY id"))

    def add_database(self, name: str) -> int:
        """The database's id; creating one that exists changes nothing."""
        with self._lock:
            self._db.execute("INSERT OR IGNORE INTO databases (name) VALUES (?)", (name,))
            row = self._db.execute("SELECT id FROM databases WHERE name = ?", (name,)).fetchone()
            return int(row[0])

    def remove_database(self, name: str) -> int | None:
        """The id of the database removed, or ``None`` if there was none."""
        with self._lock:
            row = self._db.execute("SELECT id FROM databases WHERE name = ?", (name,)).fetchone()
            if row is None:
                return None
            self._db.execute("DELETE FROM databases WHERE id = ?", (row[0],))
            self._db.execute("DELETE FROM privileges WHERE database = ?", (name,))
            return int(row[0])

    # --- users --------------------------------------------------------------------------------

    def user_count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM users").fetchone()[0])

    def admin_exists(self) -> bool:
        with self._lock:
            return self._db.execute("SELECT 1 FROM users WHERE admin = 1").fetchone() is not None

    def create_user(self, name: str, password: str, admin: bool) -> None:
        """Create a user; repeating a creation exactly is fine, anything else
        :class:`UserExists`."""
        with self._lock:
            row = self._db.execute(
                "SELECT salt, hash, admin FROM users WHERE name = ?", (name,)
            ).fetchone()
        if row is not None:
            salt, digest, was_admin = row
            if not hmac.compare_digest(_derive(password, salt), digest) or bool(was_admin) != admin:
                raise UserExists("user already exists")
            return
        salt = os.urandom(16)
        digest = _derive(password, salt)
        with self._lock:
            self._db.execute(
                "INSERT INTO users (name, salt, hash, admin) VALUES (?, ?, ?, ?)",
                (name, salt, digest, int(admin)),
            )

    def authenticate(self, name: str, password: str) -> User | None:
        """The user, with the privileges they have now, if ``password`` is theirs."""
        with self._lock:
            row = self._db.execute(
                "SELECT salt, hash FROM users WHERE name = ?", (name,)
            ).fetchone()
            if row is None:
                return None
            salt, digest = row
            quick = hashlib.sha256(salt + password.encode()).digest()
            known = self._checked.get(name)
        if known is None or not hmac.compare_digest(known, quick):
            if not hmac.compare_digest(_derive(password, salt), digest):
                return None
            with self._lock:
                self._checked[name] = quick
        return self.user(name)

    def user(self, name: str) -> User:
        """The user as they are now; :class:`MetaError` ``user not found``."""
        with self._lock:
            row = self._db.execute("SELECT admin FROM users WHERE name = ?", (name,)).fetchone()
            if row is None:
                raise MetaError("user not found")
            granted = self._db.execute(
                "SELECT database, privilege FROM privileges WHERE user = ? ORDER BY rowid", (name,)
            ).fetchall()
        return User(name, bool(row[0]), {database: Privilege(p) for database, p in granted})

    def set_admin(self, name: str, admin: bool) -> None:
        with self._lock:
            changed = self._db.execute(
                "UPDATE users SET admin = ? WHERE name = ?", (int(admin), name)
            ).rowcount
        if not changed:
            raise MetaError("user not found")

    def set_privilege(self, name: str, database: str, privilege: Privilege) -> None:
        """influxd's ``SetPrivilege``: the user, then the database must exist."""
        with self._lock:
            if self._db.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone() is None:
                raise MetaError("user not found")
            known = self._db.execute("SELECT 1 FROM databases WHERE name = ?", (database,))
            if known.fetchone() is None:
                raise MetaError(f"database not found: {database}")
            self._db.execute(
                "INSERT INTO privileges (user, database, privilege) VALUES (?, ?, ?) "
                "ON CONFLICT (user, database) DO UPDATE SET privilege = excluded.privilege",
                (name, database, int(privilege)),
            )
