"""City sensors (issue 5): the OGC SensorThings API 1.1 (`sta/`) and, alongside it, alert rules (`rules/`)."""
