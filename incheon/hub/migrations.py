"""Versioned DDL, per module, in the portable SQL subset both back ends accept.

A module (the hub core included) declares `MIGRATIONS = [(version, [statements…]), …]`; `apply` runs the
ones not yet recorded in `hub.schema_migrations`, each version in its own transaction.
"""

from __future__ import annotations

from collections.abc import Sequence

from incheon.hub.storage.base import Store
from incheon.hub.usage import MIGRATION as USAGE_MIGRATION

Migration = tuple[int, Sequence[str]]

HUB_MIGRATIONS: list[Migration] = [
    (
        1,
        [
            """CREATE TABLE hub.organizations (
                id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, title_ko TEXT NOT NULL, title_en TEXT,
                description TEXT, kind TEXT, sgg_code TEXT, created TIMESTAMP NOT NULL)""",
            """CREATE TABLE hub.users (
                id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, fullname TEXT, email TEXT,
                sysadmin BOOLEAN NOT NULL, created TIMESTAMP NOT NULL, state TEXT NOT NULL)""",
            """CREATE TABLE hub.memberships (
                user_id TEXT NOT NULL, org_id TEXT NOT NULL, capacity TEXT NOT NULL,
                PRIMARY KEY (user_id, org_id))""",
            """CREATE TABLE hub.api_keys (
                id TEXT PRIMARY KEY, user_id TEXT NOT NULL, prefix TEXT NOT NULL, hash TEXT NOT NULL,
                label TEXT, created TIMESTAMP NOT NULL, last_used TIMESTAMP, revoked BOOLEAN NOT NULL)""",
            """CREATE TABLE hub.groups (
                id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, title_ko TEXT NOT NULL, title_en TEXT,
                description TEXT, created TIMESTAMP NOT NULL)""",
            """CREATE TABLE hub.datasets (
                id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, org_id TEXT NOT NULL, meta TEXT NOT NULL,
                state TEXT NOT NULL, created TIMESTAMP NOT NULL, modified TIMESTAMP NOT NULL,
                search_terms TEXT)""",
            """CREATE TABLE hub.resources (
                id TEXT PRIMARY KEY, dataset_id TEXT NOT NULL, position BIGINT NOT NULL, meta TEXT NOT NULL,
                current_version BIGINT, created TIMESTAMP NOT NULL, modified TIMESTAMP NOT NULL,
                state TEXT NOT NULL)""",
            """CREATE TABLE hub.versions (
                resource_id TEXT NOT NULL, version BIGINT NOT NULL, table_name TEXT NOT NULL,
                parquet_path TEXT NOT NULL, row_count BIGINT NOT NULL, schema_json TEXT NOT NULL,
                quality_json TEXT NOT NULL, source_name TEXT, source_format TEXT, encoding TEXT,
                sha256 TEXT, size_bytes BIGINT, created TIMESTAMP NOT NULL, created_by TEXT,
                PRIMARY KEY (resource_id, version))""",
            """CREATE TABLE hub.audit_log (
                id TEXT PRIMARY KEY, ts TIMESTAMP NOT NULL, actor TEXT, action TEXT NOT NULL,
                object_type TEXT, object_id TEXT, detail TEXT)""",
        ],
    ),
    USAGE_MIGRATION,
]


def apply(store: Store, module: str, migrations: Sequence[Migration]) -> int:
    """Run pending migrations of one module; return how many ran."""
    with store.transaction() as tx:
        tx.execute(
            "CREATE TABLE IF NOT EXISTS hub.schema_migrations (module TEXT NOT NULL, version BIGINT NOT NULL,"
            " PRIMARY KEY (module, version))"
        )
    done = {r[0] for r in store.query("SELECT version FROM hub.schema_migrations WHERE module = ?", [module])}
    ran = 0
    for version, statements in migrations:
        if version in done:
            continue
        with store.transaction() as tx:
            for stmt in statements:
                tx.execute(stmt)
            tx.execute("INSERT INTO hub.schema_migrations (module, version) VALUES (?, ?)", [module, version])
        ran += 1
    return ran
