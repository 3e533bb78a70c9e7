"""One blueprint per area: auth, batches, documents, exports, jobs, meta (OpenAPI), pages (HTML) and
review_tools (groups, structure repair, undo, drawn boxes, duplicates, audit). Views reach the storage
through ``review_ui.services`` (never the app factory).
"""
