"""OGC API – Features (module `ogcapi`): located resources and the district base layer as feature
collections, for GIS clients (QGIS, OWSLib, GDAL)."""
