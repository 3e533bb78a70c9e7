"""Per-table mapping of bands (printed rows) to canonical cells."""
