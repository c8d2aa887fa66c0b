"""MetaGauge contract analytics (seed 002) and its legacy importer."""
