"""Ingestion: any accepted upload → validated, typed, district-enriched Parquet, ready to publish atomically."""
