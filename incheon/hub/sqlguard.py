"""Vetting of public SQL (datastore_search_sql): one SELECT, reading only published resources.

The statement is parsed by DuckDB's parser (PostgreSQL-derived, so it suits both back ends) and its
syntax tree walked: every table must be a published resource (or a CTE), no table functions (read_csv,
read_parquet, …), no function that reaches files, settings or the server.
"""

from __future__ import annotations

import json
from typing import Any

import duckdb

from incheon.errors import BadRequest, NotAuthorized

BLOCKED_FUNCTIONS = (
    "getenv",
    "current_setting",
    "set_config",
    "version",
    "query",
    "query_table",
    "sleep",
    "pg_",
    "lo_",
    "dblink",
    "read_",
    "glob",
    "txid_",
    "nextval",
    "setval",
    "currval",
    "current_user",
    "session_user",
    "inet_",
    "file_",
    "copy",
    "install",
    "load",
    "attach",
    "duckdb_",
    "has_",
    "format_type",
    "to_regclass",
    "regclass",
)


def _walk(node: Any, found: dict[str, set]) -> None:
    if isinstance(node, dict):
        kind = node.get("type")
        if kind == "BASE_TABLE":
            found["tables"].add(
                (node.get("catalog_name", ""), node.get("schema_name", ""), node.get("table_name"))
            )
        elif kind == "TABLE_FUNCTION":
            found["table_functions"].add(str(node.get("function", {}).get("function_name")))
        if node.get("class") == "FUNCTION" and "function_name" in node:
            found["functions"].add(str(node["function_name"]).lower())
            if node.get("schema"):
                found["functions"].add(f"{node['schema']}.{node['function_name']}".lower())
        cte = node.get("cte_map")
        if isinstance(cte, dict):
            for entry in cte.get("map", []):
                found["ctes"].add(entry.get("key"))
        for value in node.values():
            _walk(value, found)
    elif isinstance(node, list):
        for value in node:
            _walk(value, found)


def vet(sql: str, allowed: set[str]) -> list[str]:
    """Return the resource ids `sql` reads, or raise. `allowed` holds the ids of published resources."""
    if not isinstance(sql, str) or not sql.strip():
        raise BadRequest("sql이 필요합니다.", "The sql parameter is required.", field="sql")
    if len(sql) > 20_000:
        raise BadRequest("SQL이 너무 깁니다.", "The SQL statement is too long.", field="sql")
    con = duckdb.connect()
    try:
        doc = json.loads(con.execute("SELECT json_serialize_sql(?)", [sql]).fetchone()[0])
    finally:
        con.close()
    if doc.get("error"):
        raise BadRequest(
            "SELECT 문 하나만 실행할 수 있습니다: " + doc.get("error_message", ""),
            "Only a single SELECT statement is allowed: " + doc.get("error_message", ""),
            field="sql",
        )
    if len(doc["statements"]) != 1:
        raise BadRequest("SQL 문은 하나만 보낼 수 있습니다.", "Send exactly one SQL statement.", field="sql")
    found: dict[str, set] = {"tables": set(), "table_functions": set(), "functions": set(), "ctes": set()}
    _walk(doc["statements"][0], found)
    if found["table_functions"]:
        raise NotAuthorized(
            f"테이블 함수는 쓸 수 없습니다: {sorted(found['table_functions'])}",
            f"Table functions are not allowed: {sorted(found['table_functions'])}",
        )
    blocked = sorted(
        f for f in found["functions"] if f.split(".")[-1].startswith(BLOCKED_FUNCTIONS) or "." in f
    )
    if blocked:
        raise NotAuthorized(f"허용되지 않는 함수입니다: {blocked}", f"Functions not allowed: {blocked}")
    used = []
    for catalog, schema, table in found["tables"]:
        if table in found["ctes"] and not schema:
            continue
        if catalog or schema not in ("", "datastore") or table not in allowed:
            raise NotAuthorized(
                f"공개된 리소스만 조회할 수 있습니다: {table}",
                f"Only published resources can be queried: {table}",
            )
        used.append(table)
    return used
