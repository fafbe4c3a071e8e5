"""API keys, stored only as argon2 hashes in <data_dir>/access/keys.sqlite.

A key reads `kg_<id>_<secret>`: the id (public, random) finds the record, the secret is
checked against its argon2id hash. The plain key is shown once, when it is created.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from kg.access import Principal, Unauthenticated, check_clearance, check_role
from kg.errors import InvalidRequest, NotFound

_SCHEMA = """
CREATE TABLE IF NOT EXISTS keys (
    id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, role TEXT NOT NULL,
    clearance TEXT NOT NULL, hash TEXT NOT NULL, created TEXT NOT NULL, revoked TEXT
);
"""
_KEY = re.compile(r"^kg_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
# A key checked against no record still costs one argon2 verification, so the time taken
# does not tell a caller whether a key id exists.
_DUMMY_HASH = PasswordHasher().hash("not a key")


@dataclass(frozen=True)
class KeyInfo:
    """A key's record without its hash: what `kg keys list` shows."""

    id: str
    name: str
    role: str
    clearance: str
    created: str
    revoked: str | None


class KeyStore:
    """The API keys of one data directory."""

    def __init__(self, access_dir: Path, cache_s: float = 30.0) -> None:
        self.path = access_dir / "keys.sqlite"
        self._hasher = PasswordHasher()
        self._cache_s = cache_s
        self._cache: dict[bytes, tuple[Principal, float, float]] = {}
        self._lock = threading.Lock()

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        con = sqlite3.connect(self.path, timeout=10)
        con.row_factory = sqlite3.Row
        con.executescript(_SCHEMA)
        return con

    def create(self, name: str, role: str, clearance: str) -> tuple[str, KeyInfo]:
        """A new key: (the plain key, shown only now; its record)."""
        if not _NAME.match(name):
            raise InvalidRequest(
                f"key name {name!r}: 1-64 letters, digits, '.', '_', '@' or '-', "
                "starting with a letter or digit"
            )
        try:
            role = check_role(role)
            clearance = check_clearance(clearance)
        except ValueError as e:
            raise InvalidRequest(str(e)) from e
        key_id = secrets.token_hex(8)
        secret = secrets.token_urlsafe(32)
        created = _now()
        con = self._connect()
        try:
            with con:
                if con.execute("SELECT 1 FROM keys WHERE name = ?", (name,)).fetchone():
                    raise InvalidRequest(f"a key named {name!r} exists (revoke it first)")
                con.execute(
                    "INSERT INTO keys VALUES (?, ?, ?, ?, ?, ?, NULL)",
                    (key_id, name, role, clearance, self._hasher.hash(secret), created),
                )
        finally:
            con.close()
        return f"kg_{key_id}_{secret}", KeyInfo(key_id, name, role, clearance, created, None)

    def list(self) -> list[KeyInfo]:
        """Every key, revoked ones included, by name."""
        if not self.path.exists():
            return []
        con = self._connect()
        try:
            rows = con.execute("SELECT * FROM keys ORDER BY name").fetchall()
        finally:
            con.close()
        return [
            KeyInfo(r["id"], r["name"], r["role"], r["clearance"], r["created"], r["revoked"])
            for r in rows
        ]

    def revoke(self, name: str) -> KeyInfo:
        """Revoke the key named `name`; it is refused from then on (the record stays)."""
        con = self._connect()
        try:
            with con:
                row = con.execute("SELECT * FROM keys WHERE name = ?", (name,)).fetchone()
                if row is None:
                    raise NotFound(f"no key named {name!r}")
                revoked = row["revoked"] or _now()
                con.execute("UPDATE keys SET revoked = ? WHERE id = ?", (revoked, row["id"]))
                # The name is free again; the revoked record keeps its id for the audit log.
                con.execute(
                    "UPDATE keys SET name = ? WHERE id = ?", (f"{name}~{row['id']}", row["id"])
                )
        finally:
            con.close()
        with self._lock:
            self._cache.clear()
        return KeyInfo(row["id"], name, row["role"], row["clearance"], row["created"], revoked)

    def authenticate(self, key: str) -> Principal:
        """The principal a presented key stands for; Unauthenticated otherwise."""
        digest = hashlib.sha256(key.encode()).digest()
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(digest)
        if cached is not None and now - cached[1] < self._cache_s and self._unchanged(cached[2]):
            return cached[0]
        match = _KEY.match(key)
        row = self._row(match.group(1)) if match else None
        secret = match.group(2) if match else key
        try:
            self._hasher.verify(row["hash"] if row else _DUMMY_HASH, secret)
            ok = row is not None and row["revoked"] is None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            ok = False
        if not ok or row is None:
            raise Unauthenticated("the API key is unknown or revoked")
        principal = Principal(row["name"], check_role(row["role"]), row["clearance"], "key")
        with self._lock:
            self._cache[digest] = (principal, now, self._mtime())
        return principal

    def _row(self, key_id: str) -> sqlite3.Row | None:
        if not self.path.exists():
            return None
        con = self._connect()
        try:
            row: sqlite3.Row | None = con.execute(
                "SELECT * FROM keys WHERE id = ?", (key_id,)
            ).fetchone()
        finally:
            con.close()
        return row

    def _mtime(self) -> float:
        try:
            return self.path.stat().st_mtime
        except OSError:
            return 0.0

    def _unchanged(self, mtime: float) -> bool:
        # A revocation by another process (kg keys revoke) rewrites the file.
        return self._mtime() == mtime


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
