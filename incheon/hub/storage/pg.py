"""Production back end: PostgreSQL (with PostGIS where installed), selected by a postgresql:// URL."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import psycopg
from psycopg_pool import ConnectionPool

from incheon.hub.storage.base import Store, Tx, quote_ident

# A `?` outside quotes is a placeholder; inside '…' literals or "…" identifiers (a column named "비율?")
# it is text. Doubled quotes inside either stay inside.
_TOKENS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|\?|[^'\"?]+")
_TYPES = {
    "VARCHAR": "TEXT",
    "TEXT": "TEXT",
    "BIGINT": "BIGINT",
    "INTEGER": "BIGINT",
    "DOUBLE": "DOUBLE PRECISION",
    "DOUBLE PRECISION": "DOUBLE PRECISION",
    "BOOLEAN": "BOOLEAN",
    "DATE": "DATE",
    "TIMESTAMP": "TIMESTAMP",
}


def _pg(sql: str) -> str:
    """Our SQL uses `?` placeholders (DuckDB style); psycopg wants `%s`, and a literal `%` doubled."""
    return "".join("%s" if tok == "?" else tok for tok in _TOKENS.findall(sql.replace("%", "%%")))


class PgTx(Tx):
    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        cur = self.conn.execute(_pg(sql), list(params))
        return cur.fetchall() if cur.description else []

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            with self.conn.cursor() as cur:
                cur.executemany(_pg(sql), [list(r) for r in rows])

    def load_parquet(
        self, table: str, parquet_path: Path, columns: list[tuple[str, str]], staged_table: str | None = None
    ) -> None:
        cols = ", ".join(f"{quote_ident(n)} {_TYPES.get(t.upper(), 'TEXT')}" for n, t in columns)
        target = f"data.{quote_ident(table)}"
        self.conn.execute(f"CREATE TABLE {target} ({cols})")
        names = ", ".join(quote_ident(n) for n, _ in columns)
        csv_path = parquet_path.with_suffix(".copy.csv")
        duckdb.connect().execute(
            "COPY (SELECT * FROM read_parquet(?)) TO '" + str(csv_path).replace("'", "''") + "' (HEADER)",
            [str(parquet_path)],
        )
        try:
            copy_sql = f"COPY {target} ({names}) FROM STDIN WITH (FORMAT csv, HEADER true)"
            with self.conn.cursor() as cur, cur.copy(copy_sql) as copy, open(csv_path, "rb") as fh:
                while chunk := fh.read(1 << 20):
                    copy.write(chunk)
        finally:
            csv_path.unlink(missing_ok=True)
        # Row order (`ORDER BY _id` with LIMIT/OFFSET, streamed downloads) walks this index, never sorts.
        self.conn.execute(f"ALTER TABLE {target} ADD PRIMARY KEY (_id)")
        self.conn.execute(f"ANALYZE {target}")

    def replace_view(self, view: str, table: str) -> None:
        v = f"datastore.{quote_ident(view)}"
        self.conn.execute(f"DROP VIEW IF EXISTS {v}")
        self.conn.execute(f"CREATE VIEW {v} AS SELECT * FROM data.{quote_ident(table)}")


class PostgresStore(Store):
    backend = "postgres"

    def __init__(self, url: str, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.pool = ConnectionPool(url, min_size=1, max_size=8, open=True, kwargs={"autocommit": True})
        self._lock = threading.Lock()
        with self.pool.connection() as conn:
            for schema in ("hub", "data", "datastore"):
                conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            try:
                conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
                self.postgis = True
            except psycopg.Error:
                self.postgis = False

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        with self.pool.connection() as conn, conn.transaction():
            yield PgTx(conn)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        with self.pool.connection() as conn:
            cur = conn.execute(_pg(sql), list(params))
            return cur.fetchall() if cur.description else []

    def query_dicts(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        with self.pool.connection() as conn:
            cur = conn.execute(_pg(sql), list(params))
            names = [d.name for d in cur.description or []]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def stream(self, sql: str, params: Sequence[Any] = (), batch: int = 10_000) -> Iterator[list[tuple]]:
        with self.pool.connection() as conn, conn.transaction():
            with conn.cursor(name="stream") as cur:
                cur.execute(_pg(sql), list(params))
                while rows := cur.fetchmany(batch):
                    yield rows

    def sandboxed_select(self, sql: str, timeout_s: float, max_rows: int) -> tuple[list[str], list[tuple]]:
        with self.pool.connection() as conn:
            with conn.transaction(force_rollback=True):
                conn.execute("SET TRANSACTION READ ONLY")
                conn.execute(f"SET LOCAL statement_timeout = {int(timeout_s * 1000)}")
                conn.execute("SET LOCAL search_path = datastore")
                cur = conn.execute(f"SELECT * FROM ({sql}) AS q LIMIT {int(max_rows)}")
                names = [d.name for d in cur.description or []]
                return names, cur.fetchall()

    def close(self) -> None:
        self.pool.close()
