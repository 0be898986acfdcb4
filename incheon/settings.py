"""Typed settings, read from the environment with the INCHEON_ prefix (no work at import time)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything an operator can set. Secrets come only from the environment or files."""

    model_config = SettingsConfigDict(env_prefix="INCHEON_", extra="ignore")

    data_dir: Path = Field(
        Path("./data"), description="Where DuckDB files, Parquet versions and uploads live."
    )
    database_url: str = Field(
        "",
        description="Empty (default) = embedded DuckDB file under data_dir; "
        "postgresql://… = PostgreSQL + PostGIS for production.",
    )
    host: str = Field("127.0.0.1", description="Address `incheon serve` binds to.")
    port: int = Field(8000, description="Port `incheon serve` listens on.")
    max_upload_bytes: int = Field(512 * 1024 * 1024, description="Largest file a publisher may upload.")
    max_unzipped_bytes: int = Field(
        2 * 1024 * 1024 * 1024, description="Largest total size inside a ZIP/XLSX."
    )
    max_zip_ratio: float = Field(200.0, description="Largest compression ratio accepted (zip-bomb guard).")
    sql_timeout_seconds: float = Field(5.0, description="Time limit for datastore_search_sql.")
    sql_max_rows: int = Field(10_000, description="Row cap for datastore_search_sql.")
    search_max_rows: int = Field(1000, description="Largest `rows`/`limit` a client may ask for.")
    count_cache_size: int = Field(4096, description="Cached row counts for datastore_search.")
    site_url: str = Field("http://127.0.0.1:8000", description="Public URL, used in links and DCAT.")
    duckdb_memory_limit: str = Field(
        "2GB",
        description="Memory the embedded DuckDB may use before spilling to disk (ingest stays bounded).",
    )
    secret_key: str = Field(
        "",
        description="Signs the portal's session cookies (secret: set it from the environment); "
        "empty = a random key kept in data_dir/secret.",
    )
    modules: str = Field("*", description="Comma-separated module names to load, or * for all installed.")

    @property
    def backend(self) -> str:
        """Which storage back end the database URL selects."""
        return "postgres" if self.database_url.startswith(("postgres://", "postgresql://")) else "duckdb"

    def describe(self) -> list[tuple[str, str, str]]:
        """(name, value, help) for every setting; used by `incheon settings` and the docs test."""
        out = []
        for name, info in type(self).model_fields.items():
            value = getattr(self, name)
            secret = name == "secret_key" or ("url" in name and "@" in str(value))
            shown = "***" if secret and value else str(value)
            out.append((f"INCHEON_{name.upper()}", shown, info.description or ""))
        return out
