"""Every write leaves a line in hub.audit_log, inside the same transaction as the write."""

from __future__ import annotations

from typing import Any

from incheon.hub.storage.base import Store, Tx
from incheon.hub.util import dumps, iso, new_id, now


def record(tx: Tx, actor: str | None, action: str, object_type: str, object_id: str, **detail: Any) -> None:
    tx.execute(
        "INSERT INTO hub.audit_log (id, ts, actor, action, object_type, object_id, detail) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [new_id(), now(), actor, action, object_type, object_id, dumps(detail)],
    )


def recent(store: Store, limit: int = 100, object_id: str | None = None) -> list[dict[str, Any]]:
    """Newest first; for administrators only (the API checks)."""
    where, params = ("WHERE object_id = ?", [object_id]) if object_id else ("", [])
    rows = store.query_dicts(
        f"SELECT ts, actor, action, object_type, object_id, detail FROM hub.audit_log {where} "
        "ORDER BY ts DESC LIMIT ?",
        [*params, int(limit)],
    )
    for r in rows:
        r["ts"] = iso(r["ts"])
    return rows
