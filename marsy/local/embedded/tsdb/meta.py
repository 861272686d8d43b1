"""The catalogue: which databases exist (in creation order, as influxd lists them) and the users.

One small SQLite file beside the data. Passwords are kept as salted PBKDF2 hashes; a login that
was checked once is remembered in memory, because MarsY signs every request in and a key
derivation per request would cost more than the request (influxd keeps a cache the same way).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

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
"""


class UserExists(Exception):
    """influxd's ``user already exists``: same name, another password or privilege."""


@dataclass(frozen=True)
class User:
    name: str
    admin: bool


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
        """The user if ``password`` is theirs."""
        with self._lock:
            row = self._db.execute(
                "SELECT salt, hash, admin FROM users WHERE name = ?", (name,)
            ).fetchone()
            if row is None:
                return None
            salt, digest, admin = row
            quick = hashlib.sha256(salt + password.encode()).digest()
            known = self._checked.get(name)
        if known is not None and hmac.compare_digest(known, quick):
            return User(name, bool(admin))
        if not hmac.compare_digest(_derive(password, salt), digest):
            return None
        with self._lock:
            self._checked[name] = quick
        return User(name, bool(admin))
