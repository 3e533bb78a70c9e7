"""One blueprint per area: auth, batches, documents, exports, meta (OpenAPI), pages (HTML)."""
