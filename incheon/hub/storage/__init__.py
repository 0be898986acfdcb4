"""Storage back ends behind one interface; `open_store` picks one from the settings."""

from __future__ import annotations

from incheon.hub.storage.base import Store, Tx
from incheon.settings import Settings


def open_store(settings: Settings) -> Store:
    """DuckDB file under data_dir by default; PostgreSQL + PostGIS when database_url says so."""
    if settings.backend == "postgres":
        from incheon.hub.storage.pg import PostgresStore

        return PostgresStore(settings.database_url, settings.data_dir)
    from incheon.hub.storage.duck import DuckStore

    return DuckStore(settings.data_dir, settings.duckdb_memory_limit)


__all__ = ["Store", "Tx", "open_store"]
