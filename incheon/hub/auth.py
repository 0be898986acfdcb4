"""Users, organisations' members and API keys. Keys are shown once and stored only as SHA-256 hashes.

Roles: anonymous reader; publisher (member of an organisation with capacity editor/admin, acting
only for that organisation); system administrator.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field

from incheon.errors import BadRequest, Conflict, NotAuthorized, not_found
from incheon.hub import audit
from incheon.hub.storage.base import Store
from incheon.hub.util import check_name, new_id, now

KEY_PREFIX = "inch"
CAPACITIES = ("member", "editor", "admin")


@dataclass(frozen=True)
class Principal:
    """Who is calling. `orgs` maps organisation id → capacity."""

    user_id: str | None = None
    name: str = "anonymous"
    sysadmin: bool = False
    orgs: dict[str, str] = field(default_factory=dict)

    @property
    def anonymous(self) -> bool:
        return self.user_id is None

    def can_publish(self, org_id: str) -> bool:
        return self.sysadmin or self.orgs.get(org_id) in ("editor", "admin")

    def require_publish(self, org_id: str) -> None:
        if not self.can_publish(org_id):
            raise NotAuthorized(
                "이 기관의 데이터를 게시할 권한이 없습니다.",
                "Not authorised to publish for this organisation.",
            )

    def require_sysadmin(self) -> None:
        if not self.sysadmin:
            raise NotAuthorized("관리자만 할 수 있습니다.", "Only a system administrator can do this.")


ANONYMOUS = Principal()


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Auth:
    def __init__(self, store: Store) -> None:
        self.store = store

    def create_user(
        self,
        name: str,
        *,
        sysadmin: bool = False,
        fullname: str = "",
        email: str = "",
        actor: str | None = None,
    ) -> str:
        check_name(name, "사용자 이름", "user name")
        if self.store.query("SELECT 1 FROM hub.users WHERE name = ?", [name]):
            raise Conflict(f"이미 있는 사용자입니다: {name}", f"User already exists: {name}")
        uid = new_id()
        with self.store.transaction() as tx:
            tx.execute(
                "INSERT INTO hub.users (id, name, fullname, email, sysadmin, created, state) "
                "VALUES (?, ?, ?, ?, ?, ?, 'active')",
                [uid, name, fullname, email, sysadmin, now()],
            )
            audit.record(tx, actor, "user.create", "user", uid, name=name, sysadmin=sysadmin)
        return uid

    def user_id(self, name_or_id: str) -> str:
        row = self.store.query("SELECT id FROM hub.users WHERE name = ? OR id = ?", [name_or_id, name_or_id])
        if not row:
            raise not_found("사용자", "User", name_or_id)
        return row[0][0]

    def list_users(self) -> list[dict]:
        """Administrators' view: names and roles, never keys."""
        return self.store.query_dicts(
            "SELECT id, name, fullname, sysadmin, state, created FROM hub.users ORDER BY name"
        )

    def set_membership(self, user: str, org_id: str, capacity: str, actor: str | None = None) -> None:
        if capacity not in CAPACITIES:
            raise BadRequest(
                f"권한은 {CAPACITIES} 중 하나여야 합니다.", f"capacity must be one of {CAPACITIES}."
            )
        uid = self.user_id(user)
        with self.store.transaction() as tx:
            tx.execute("DELETE FROM hub.memberships WHERE user_id = ? AND org_id = ?", [uid, org_id])
            tx.execute(
                "INSERT INTO hub.memberships (user_id, org_id, capacity) VALUES (?, ?, ?)",
                [uid, org_id, capacity],
            )
            audit.record(tx, actor, "membership.set", "organization", org_id, user=uid, capacity=capacity)

    def create_key(self, user: str, label: str = "", actor: str | None = None) -> str:
        """Return the new key. It is never retrievable again."""
        uid = self.user_id(user)
        prefix = secrets.token_hex(4)
        token = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
        kid = new_id()
        with self.store.transaction() as tx:
            tx.execute(
                "INSERT INTO hub.api_keys (id, user_id, prefix, hash, label, created, revoked) "
                "VALUES (?, ?, ?, ?, ?, ?, false)",
                [kid, uid, prefix, _hash(token), label, now()],
            )
            audit.record(tx, actor, "apikey.create", "user", uid, key_id=kid, label=label)
        return token

    def revoke_key(self, key_id_or_prefix: str, actor: str | None = None) -> None:
        with self.store.transaction() as tx:
            row = tx.one(
                "SELECT id, user_id FROM hub.api_keys WHERE id = ? OR prefix = ?", [key_id_or_prefix] * 2
            )
            if not row:
                raise not_found("API 키", "API key", key_id_or_prefix)
            tx.execute("UPDATE hub.api_keys SET revoked = true WHERE id = ?", [row[0]])
            audit.record(tx, actor, "apikey.revoke", "user", row[1], key_id=row[0])

    def list_keys(self, user: str) -> list[dict]:
        return self.store.query_dicts(
            "SELECT id, prefix, label, created, revoked FROM hub.api_keys WHERE user_id = ? ORDER BY created",
            [self.user_id(user)],
        )

    def principal_for_key(self, token: str | None) -> Principal:
        """Anonymous when no key is given; a wrong or revoked key is an error, not anonymity."""
        if not token:
            return ANONYMOUS
        token = token.strip()
        if token.lower().startswith("bearer "):
            token = token[7:].strip()
        parts = token.split("_")
        bad = NotAuthorized("API 키가 올바르지 않습니다.", "Invalid API key.")
        if len(parts) < 3 or parts[0] != KEY_PREFIX:
            raise bad
        rows = self.store.query(
            "SELECT k.hash, u.id, u.name, u.sysadmin FROM hub.api_keys k JOIN hub.users u ON u.id = k.user_id "
            "WHERE k.prefix = ? AND NOT k.revoked AND u.state = 'active'",
            [parts[1]],
        )
        digest = _hash(token)
        for key_hash, uid, name, sysadmin in rows:
            if hmac.compare_digest(key_hash, digest):
                return self._principal(uid, name, sysadmin)
        raise bad

    def principal_for_key_hash(self, user_id: str, hash_prefix: str) -> Principal | None:
        """For a web session, which remembers a prefix of the signing-in key's hash (never the key): valid
        only while that key is. None when the key was revoked or the user disabled."""
        if len(hash_prefix) < 16:
            return None
        rows = self.store.query(
            "SELECT k.hash, u.name, u.sysadmin FROM hub.api_keys k JOIN hub.users u ON u.id = k.user_id "
            "WHERE u.id = ? AND NOT k.revoked AND u.state = 'active'",
            [user_id],
        )
        for key_hash, name, sysadmin in rows:
            if hmac.compare_digest(key_hash[: len(hash_prefix)], hash_prefix):
                return self._principal(user_id, name, sysadmin)
        return None

    def _principal(self, uid: str, name: str, sysadmin: bool) -> Principal:
        orgs = dict(self.store.query("SELECT org_id, capacity FROM hub.memberships WHERE user_id = ?", [uid]))
        return Principal(user_id=uid, name=name, sysadmin=bool(sysadmin), orgs=orgs)
