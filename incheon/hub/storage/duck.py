"""Embedded default: one DuckDB file under the data directory, no server."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from incheon.hub.storage.base import Store, Tx, quote_ident


class DuckTx(Tx):
    def __init__(self, cur: duckdb.DuckDBPyConnection) -> None:
        self.cur = cur

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        self.cur.execute(sql, list(params))
        try:
            return self.cur.fetchall()
        except duckdb.InvalidInputException:  # statement without a result set
            return []

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self.cur.executemany(sql, [list(r) for r in rows])

    def load_parquet(
        self, table: str, parquet_path: Path, columns: list[tuple[str, str]], staged_table: str | None = None
    ) -> None:
        if staged_table:
            self.cur.execute(f"ALTER TABLE {staged_table} RENAME TO {quote_ident(table)}")
            return
        self.cur.execute(
            f"CREATE TABLE data.{quote_ident(table)} AS SELECT * EXCLUDE (_id) FROM read_parquet(?) ORDER BY _id",
            [str(parquet_path)],
        )

    def replace_view(self, view: str, table: str) -> None:
        self.cur.execute(
            f"CREATE OR REPLACE VIEW datastore.{quote_ident(view)} AS SELECT * FROM {_relation(table)}"
        )


def _relation(table: str) -> str:
    """Version tables are written once in file order and never changed, so `rowid + 1` is the row number:
    `_id` costs no column and no pass at ingest."""
    return f"(SELECT rowid + 1 AS _id, * FROM data.{quote_ident(table)})"


class DuckStore(Store):
    """DuckDB allows one writer per file: writes are serialised by a lock, reads use per-thread cursors."""

    backend = "duckdb"
    # Ordering by `rowid` itself keeps DuckDB's top-N fast; ordering by a computed `_id` would not.
    row_id_sql = "(rowid + 1)"
    row_order_sql = "rowid"

    def __init__(self, data_dir: Path, memory_limit: str = "2GB") -> None:
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.path = self.data_dir / "incheon.duckdb"
        self.conn = duckdb.connect(str(self.path))
        self._write_lock = threading.RLock()
        self._local = threading.local()
        for schema in ("hub", "data", "datastore"):
            self.conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        spill = self.data_dir / "spill"
        spill.mkdir(parents=True, exist_ok=True)
        self.conn.execute("SET temp_directory = ?", [str(spill)])
        self.conn.execute("SET memory_limit = ?", [memory_limit])

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        cur = getattr(self._local, "cur", None)
        if cur is None:
            cur = self.conn.cursor()
            self._local.cur = cur
        return cur

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        with self._write_lock:
            cur = self.conn.cursor()
            cur.begin()
            try:
                yield DuckTx(cur)
            except BaseException:
                cur.rollback()
                raise
            else:
                cur.commit()
            finally:
                cur.close()

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        return self._cursor().execute(sql, list(params)).fetchall()

    def query_dicts(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        cur = self._cursor().execute(sql, list(params))
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def stream(self, sql: str, params: Sequence[Any] = (), batch: int = 10_000) -> Iterator[list[tuple]]:
        cur = self.conn.cursor()
        try:
            cur.execute(sql, list(params))
            while rows := cur.fetchmany(batch):
                yield rows
        finally:
            cur.close()

    def sandboxed_select(self, sql: str, timeout_s: float, max_rows: int) -> tuple[list[str], list[tuple]]:
        cur = self.conn.cursor()
        timer = threading.Timer(timeout_s, cur.interrupt)
        try:
            cur.execute("SET search_path = 'datastore'")
            cur.begin()
            timer.start()
            cur.execute(f"SELECT * FROM ({sql}) AS q LIMIT {int(max_rows)}")
            names = [d[0] for d in cur.description]
            rows = cur.fetchall()
            return names, rows
        finally:
            timer.cancel()
            try:
                cur.rollback()
            except duckdb.Error:
                pass
            cur.close()

    def relation(self, table: str) -> str:
        return _relation(table)

    def staging_engine(self) -> duckdb.DuckDBPyConnection:
        return self.conn.cursor()

    def close(self) -> None:
        self.conn.close()
