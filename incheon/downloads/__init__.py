"""Downloads (module `downloads`): a resource version as CSV, JSON, GeoJSON or Parquet, streamed."""
