"""Signed session cookies for the portal: who is logged in and the CSRF token, never the API key itself.

The cookie is `base64url(JSON).base64url(HMAC-SHA256)`: readable by its owner, unforgeable without the
secret. The secret comes from `INCHEON_SECRET_KEY` or, when that is not set, from `data_dir/secret`
(random, created once with mode 0600). A logged-in session holds the user id and the first 16 hex digits
of the SHA-256 of the key used to log in: revoking that key ends the session at the next request.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from incheon.hub.auth import Principal
from incheon.hub.hub import Hub

COOKIE = "incheon_session"
MAX_AGE = 8 * 3600
KEY_HASH_CHARS = 16


def load_secret(data_dir: Path, configured: str = "") -> bytes:
    """`INCHEON_SECRET_KEY` (Settings.secret_key), else `data_dir/secret` (created with 0600 on first use)."""
    if configured:
        return configured.encode("utf-8")
    path = data_dir / "secret"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    token = secrets.token_hex(32).encode("ascii")
    with os.fdopen(fd, "wb") as fh:
        fh.write(token)
    return token


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Session:
    """What the cookie says. `changed` asks the response to (re)write the cookie."""

    csrf: str = ""
    user_id: str | None = None
    user_name: str | None = None
    key_hash: str | None = None
    issued: float = field(default_factory=time.time)
    changed: bool = False

    @property
    def logged_in(self) -> bool:
        return self.user_id is not None

    def ensure_csrf(self) -> str:
        if not self.csrf:
            self.csrf = secrets.token_urlsafe(24)
            self.changed = True
        return self.csrf

    def check_csrf(self, token: Any) -> bool:
        return bool(self.csrf) and isinstance(token, str) and hmac.compare_digest(self.csrf, token)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"c": self.csrf, "t": int(self.issued)}
        if self.user_id:
            out.update(u=self.user_id, n=self.user_name, k=self.key_hash)
        return out


class Signer:
    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _mac(self, payload: str) -> str:
        return _b64(hmac.new(self._secret, payload.encode("ascii"), hashlib.sha256).digest())

    def dumps(self, session: Session) -> str:
        payload = _b64(json.dumps(session.to_dict(), separators=(",", ":")).encode("utf-8"))
        return f"{payload}.{self._mac(payload)}"

    def loads(self, cookie: str | None) -> Session:
        """The session in a cookie; a missing, forged, malformed or expired cookie is a fresh session."""
        if not cookie or "." not in cookie:
            return Session()
        payload, mac = cookie.rsplit(".", 1)
        if not hmac.compare_digest(mac, self._mac(payload)):
            return Session()
        try:
            data = json.loads(_unb64(payload))
            issued = float(data["t"])
        except (ValueError, KeyError, TypeError):
            return Session()
        if time.time() - issued > MAX_AGE:
            return Session()
        return Session(
            csrf=str(data.get("c") or ""),
            user_id=data.get("u"),
            user_name=data.get("n"),
            key_hash=data.get("k"),
            issued=issued,
        )


def key_hash(api_key: str) -> str:
    return hashlib.sha256(api_key.strip().encode()).hexdigest()[:KEY_HASH_CHARS]


def principal_for_session(hub: Hub, session: Session) -> Principal | None:
    """The logged-in user's rights, re-read on each request (so revoked keys and changed memberships count)."""
    if not session.user_id or not session.key_hash:
        return None
    return hub.auth.principal_for_key_hash(session.user_id, session.key_hash)
