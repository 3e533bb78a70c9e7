"""Review logic of the review service, on top of ``service.storage`` (which keeps the data).

Modules: ``review`` (cell edits, approve/reject, history), ``report_edit`` (agency/year edits),
``locks`` (one reviewer per document), ``groups`` (group verification), ``repair`` and ``undo``
(structure repair and its Ctrl+Z), ``audit`` (the random audit sample and measured error rate),
``duplicates`` (same file / same agency + year, the reviewer's choice of the current report),
``figures`` (per-reviewer figures), ``views`` and ``search`` (read-only payloads for the API/UI).

Layering (``tests/test_layering.py``): this package imports ``service.storage`` and never flask, rq
or redis; ``service.storage`` never imports it.
"""
