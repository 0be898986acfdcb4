"""DCAT-AP catalogue of the hub in JSON-LD (module `dcat`)."""
