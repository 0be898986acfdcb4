"""The storage interface every back end implements.

SQL handed to a store uses `?` placeholders and a portable subset (TEXT, BIGINT, DOUBLE PRECISION, BOOLEAN,
DATE, TIMESTAMP). Catalogue tables live in schema `hub`, data tables in `data`, and the public views
that datastore_search_sql may read in `datastore`. Data tables are immutable once published (a new
version is a new table), which is what lets counts be cached exactly.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

IDENT_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


def quote_ident(name: str) -> str:
    """Quote any identifier (column names come from users' files: Korean, spaces, quotes)."""
    return '"' + name.replace('"', '""') + '"'


class Tx(ABC):
    """One transaction: everything in it commits together or not at all."""

    @abstractmethod
    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]: ...

    @abstractmethod
    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...

    def one(self, sql: str, params: Sequence[Any] = ()) -> tuple | None:
        rows = self.execute(sql, params)
        return rows[0] if rows else None

    @abstractmethod
    def load_parquet(
        self, table: str, parquet_path: Path, columns: list[tuple[str, str]], staged_table: str | None = None
    ) -> None:
        """Create data table `data.<table>` from the ingest pipeline's result: rename `staged_table` where the
        pipeline built it inside this store, else load the Parquet file."""

    @abstractmethod
    def replace_view(self, view: str, table: str) -> None:
        """Point public view `datastore.<view>` at `data.<table>`."""


class Store(ABC):
    """A database holding the catalogue and the data tables."""

    backend: str
    data_dir: Path
    #: SQL for the `_id` column inside a query on a data table, and the cheapest expression ordering by it.
    row_id_sql = '"_id"'
    row_order_sql = '"_id"'

    @abstractmethod
    def transaction(self) -> AbstractContextManager[Tx]: ...

    @abstractmethod
    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        """Read-only query outside any write transaction."""

    @abstractmethod
    def query_dicts(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]: ...

    @abstractmethod
    def stream(self, sql: str, params: Sequence[Any] = (), batch: int = 10_000) -> Iterator[list[tuple]]:
        """Rows in batches, for downloads and exports that must not fill memory."""

    @abstractmethod
    def sandboxed_select(self, sql: str, timeout_s: float, max_rows: int) -> tuple[list[str], list[tuple]]:
        """Run a vetted public SELECT read-only, with a time limit, seeing only schema `datastore`."""

    def relation(self, table: str) -> str:
        """SQL naming data table `table` with its `_id` column first (how every reader addresses a version)."""
        return f"data.{quote_ident(table)}"

    def staging_engine(self) -> Any:
        """A DuckDB connection into this store for the ingest pipeline to build tables in, or None."""
        return None

    @abstractmethod
    def close(self) -> None: ...
