"""OGC SensorThings API 1.1 core (OGC 18-088) over the hub store: model, $filter parser, queries, writes."""
