"""Usage counts per dataset (page views, downloads, API reads), by day.

Counting must not slow reading down: hits are added up in memory and written in one small transaction
at most every few seconds (or when read), so a burst of page views costs one write, not one each.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import date, timedelta
from typing import Any

from incheon.hub.storage.base import Store

KINDS = ("view", "download", "api")
MIGRATION = (
    2,
    [
        """CREATE TABLE hub.usage_daily (dataset_id TEXT NOT NULL, day DATE NOT NULL, kind TEXT NOT NULL,
           hits BIGINT NOT NULL, PRIMARY KEY (dataset_id, day, kind))"""
    ],
)


class Usage:
    def __init__(self, store: Store, flush_seconds: float = 5.0) -> None:
        self.store = store
        self.flush_seconds = flush_seconds
        self._pending: Counter[tuple[str, date, str]] = Counter()
        self._lock = threading.Lock()
        self._last_flush = time.monotonic()

    def record(self, dataset_id: str, kind: str) -> None:
        if kind not in KINDS:
            raise ValueError(kind)
        with self._lock:
            self._pending[(dataset_id, date.today(), kind)] += 1
            due = time.monotonic() - self._last_flush >= self.flush_seconds
        if due:
            self.flush()

    def flush(self) -> None:
        """Write pending hits: one transaction, added to what the day already has."""
        with self._lock:
            pending, self._pending = self._pending, Counter()
            self._last_flush = time.monotonic()
        if not pending:
            return
        try:
            with self.store.transaction() as tx:
                for (dataset_id, day, kind), hits in pending.items():
                    updated = tx.execute(
                        "UPDATE hub.usage_daily SET hits = hits + ? WHERE dataset_id = ? AND day = ? AND kind = ? "
                        "RETURNING hits",
                        [hits, dataset_id, day, kind],
                    )
                    if not updated:
                        tx.execute(
                            "INSERT INTO hub.usage_daily (dataset_id, day, kind, hits) VALUES (?, ?, ?, ?)",
                            [dataset_id, day, kind, hits],
                        )
        except Exception:
            with self._lock:  # keep the hits for the next flush rather than lose them
                self._pending.update(pending)
            raise

    def summary(self, dataset_id: str, recent_days: int = 14) -> dict[str, Any]:
        """Totals and the last `recent_days` per kind (CKAN's tracking_summary has total/recent views)."""
        self.flush()
        since = date.today() - timedelta(days=recent_days)
        rows = self.store.query(
            "SELECT kind, sum(hits), sum(CASE WHEN day >= ? THEN hits ELSE 0 END) FROM hub.usage_daily "
            "WHERE dataset_id = ? GROUP BY kind",
            [since, dataset_id],
        )
        out: dict[str, Any] = {k: {"total": 0, "recent": 0} for k in KINDS}
        for kind, total, recent in rows:
            out[kind] = {"total": int(total), "recent": int(recent)}
        return out

    def popular(self, limit: int = 10, days: int = 30) -> list[tuple[str, int]]:
        """Dataset ids by views and downloads over the last `days`."""
        self.flush()
        rows = self.store.query(
            "SELECT dataset_id, sum(hits) AS n FROM hub.usage_daily WHERE day >= ? "
            "GROUP BY dataset_id ORDER BY n DESC, dataset_id LIMIT ?",
            [date.today() - timedelta(days=days), int(limit)],
        )
        return [(r[0], int(r[1])) for r in rows]
