"""The Incheon Data Hub's public API, one object per process: what the web API, the CLI, the seed loader
and every module use (catalogue, storage, auth, events, search, datastore) — never each other's tables.
"""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path
from typing import Any

from incheon.hub import migrations
from incheon.hub.auth import Auth, Principal
from incheon.hub.catalog import Catalog
from incheon.hub.datastore import Datastore
from incheon.hub.events import EventBus
from incheon.hub.ingest.pipeline import IngestOptions, Staged, run
from incheon.hub.search import SearchIndex
from incheon.hub.storage import Store, open_store
from incheon.hub.usage import Usage
from incheon.settings import Settings

log = logging.getLogger(__name__)
FACET_FIELDS = ("organization", "groups", "tags", "res_format", "license_id", "spatial", "frequency")


class Hub:
    def __init__(self, settings: Settings, store: Store | None = None) -> None:
        self.settings = settings
        self.store = store or open_store(settings)
        migrations.apply(self.store, "hub", migrations.HUB_MIGRATIONS)
        self.events = EventBus()
        self.auth = Auth(self.store)
        self.catalog = Catalog(self.store, self.events)
        self.catalog.ensure_themes()
        self.datastore = Datastore(self.store, self.catalog, settings)
        self.usage = Usage(self.store)
        self._index: SearchIndex | None = None
        self._index_lock = threading.Lock()
        self.events.subscribe("dataset.", self._on_dataset_event)

    # ------------------------------------------------------------------ search index
    @property
    def index(self) -> SearchIndex:
        """Built on first use from persisted terms (Kiwi runs only for datasets never analysed)."""
        if self._index is None:
            with self._index_lock:
                if self._index is None:
                    index = SearchIndex()
                    for row in self.catalog.search_rows():
                        self._index_row(index, row)
                    self._index = index
        return self._index

    def _index_row(self, index: SearchIndex, row: dict[str, Any]) -> None:
        meta = json.loads(row["meta"])
        if row.get("search_terms"):
            terms = json.loads(row["search_terms"])
        else:
            terms = index.analyze(self._text_fields(row["name"], meta))
            self.catalog.save_search_terms(row["id"], terms)
        index.upsert(
            row["id"],
            terms,
            facets={
                "organization": [row["org_name"]],
                "groups": meta.get("groups", []),
                "tags": meta.get("tags", []),
                "res_format": row["formats"],
                "license_id": [meta.get("license_id", "")],
                "spatial": meta.get("spatial", []),
                "frequency": [meta.get("frequency", "")],
                "name": [row["name"]],
            },
            sort_keys={
                "metadata_modified": row["modified"].isoformat(),
                "metadata_created": row["created"].isoformat(),
                "name": row["name"],
                "title_string": meta.get("title", ""),
            },
        )

    @staticmethod
    def _text_fields(name: str, meta: dict[str, Any]) -> dict[str, str]:
        return {
            "title": " ".join(filter(None, [meta.get("title"), meta.get("title_en")])),
            "tags": " ".join(meta.get("tags", [])),
            "description": " ".join(
                filter(None, [meta.get("notes"), meta.get("notes_en"), meta.get("table_ref")])
            ),
            "other": " ".join(filter(None, [name, meta.get("source"), meta.get("unit")])),
        }

    def _on_dataset_event(self, topic: str, payload: dict[str, Any]) -> None:
        if self._index is None:
            return
        if topic == "dataset.deleted":
            self._index.remove(payload["id"])
            return
        rows = self.catalog.search_rows(payload["id"])
        if rows:
            rows[0]["search_terms"] = None
            self._index_row(self._index, rows[0])

    def package_search(
        self,
        q: str = "",
        fq: str = "",
        rows: int = 10,
        start: int = 0,
        sort: str = "",
        facet_fields: list[str] | None = None,
        facet_limit: int = 50,
    ) -> dict[str, Any]:
        result = self.index.search(
            q=q,
            fq=fq,
            rows=rows,
            start=start,
            sort=sort,
            facet_fields=facet_fields or [],
            facet_limit=facet_limit,
        )
        return {
            "count": result.count,
            "results": self.catalog.datasets(result.ids),
            "facets": result.facets,
            "search_facets": {
                f: {
                    "title": f,
                    "items": [{"name": k, "display_name": k, "count": c} for k, c in vals.items()],
                }
                for f, vals in result.facets.items()
            },
            "sort": sort or ("score desc, metadata_modified desc" if q else "metadata_modified desc"),
        }

    # ------------------------------------------------------------------ ingestion
    def principal(self, api_key: str | None) -> Principal:
        return self.auth.principal_for_key(api_key)

    def stage_upload(
        self,
        resource_id: str | None,
        upload: Path,
        filename: str,
        *,
        fmt: str | None = None,
        encoding: str | None = None,
        sheet: str | None = None,
        types: dict[str, str] | None = None,
        reinfer: bool = False,
        expectations: list[dict] | None = None,
        non_additive: list[str] | None = None,
    ) -> Staged:
        """Validate an upload into a staged version (nothing published). New versions must fit the current
        schema unless `types` is given or `reinfer` is set."""
        contract = None
        if resource_id and not reinfer:
            contract = self.catalog.current_schema(resource_id)
        opts = IngestOptions(
            filename=filename,
            format=fmt,
            encoding=encoding,
            sheet=sheet,
            types=types,
            contract=contract,
            expectations=expectations or [],
            non_additive=non_additive or [],
            max_unzipped=self.settings.max_unzipped_bytes,
            max_ratio=self.settings.max_zip_ratio,
        )
        return run(upload, opts, self.settings.data_dir / "tmp", engine=self.store.staging_engine())

    def upload_version(
        self, principal: Principal, resource_id: str, upload: Path, filename: str, **options: Any
    ) -> dict[str, Any]:
        """Validate and publish a new version of a resource; the previous version stays if anything fails."""
        _, org_id = self.catalog.resource_owner(resource_id)
        principal.require_publish(org_id)
        staged = self.stage_upload(resource_id, upload, filename, **options)
        try:
            return self.catalog.publish_version(principal, resource_id, staged, filename)
        finally:
            staged.cleanup()

    def close(self) -> None:
        self.usage.flush()
        self.store.close()
