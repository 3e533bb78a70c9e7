"""Group verification (REVIEW_UX.md §7): identical uncertain readings shown and confirmed together.

A cell is *groupable* when it is flagged only for a doubt about its reading — low OCR confidence
and/or engines disagreeing (kind ``reading``, grouped by the text and value read, e.g. every "0")
or a printed blank (kind ``blank``) — and the rules do not suggest another value for it. Two more
kinds are one decision each (issue 8): ``not_printed``, the cells no printed cell was found for
(flag ``missing``, perhaps ``row_not_read``: the row or column is not printed in this layout), and
``report_error:<rules>``, the members of identities the report itself breaks with clear readings
(nothing but the ``report_error`` mark, the same broken rules; one document only). Cells that break
an identity, are negative/implausible, or carry a suggestion need a look of their own.

Actions: ``accept`` (reading groups: every value as read), ``blank_null`` (blanks confirmed as empty,
value null), ``blank_zero`` (blanks set to 0), ``not_printed`` (confirmed empty: not printed in
this layout) and ``keep_printed`` (report errors: every value kept as printed). Each cell gets its
own revision (reason "group confirmed: …") through ``review.apply_changes``: one transaction and
one re-validation per document. The client sends back the cells it showed with their versions; a
cell that left the group or changed since makes the whole document's confirmation fail (409), so
nothing unseen is confirmed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from service import settings
from service.explain import REPORT_ERROR_REASON
from service.model import Document, ViolationKind
from service.review import review
from service.review.views import key_label
from service.review_load import group_of
from service.storage import Storage
from service.storage.codec import document_from_rows, number_to_text
from service.storage.errors import Conflict, InvalidAction, NotFound, ReviewError
from service.storage.revalidate import human_value
from service.storage.tables import CellStatus, DocStatus, DocumentRow, RevisionAction

MIN_GROUP = settings.GROUP_MIN_SIZE  # service/settings.py
ACTIONS = {"reading": ("accept",), "blank": ("blank_null", "blank_zero"), "not_printed": ("not_printed",),
           "report_error": ("keep_printed",)}
# Readings first, the report's own errors last: a corrected reading or row can turn a report error
# into a plain broken identity (or clear it), so "keep as printed" is the last thing decided.
KIND_ORDER = ("reading", "blank", "not_printed", "report_error")
BATCH_KINDS = frozenset({"reading", "blank", "not_printed"})   # a report's own error stays in its document


@dataclass(frozen=True)
class Member:
    """One cell the reviewer saw in a group: its document, key and the version read."""

    document_id: int
    key: str
    version: int


def report_marks(doc: Document) -> dict[str, str]:
    """``{key: "rule; rule"}``: the report-error violations each cell belongs to, in a stable order."""
    rules: dict[str, list[str]] = {}
    for v in doc.violations:
        if v.kind is ViolationKind.REPORT_ERROR:
            for key in v.cells:
                rules.setdefault(key, []).append(v.rule)
    return {key: "; ".join(sorted(found)) for key, found in rules.items()}


def _report_messages(doc: Document) -> dict[str, str]:
    """``{rule: "printed 12, the sums want 11"}`` of the report-error violations."""
    return {v.rule: v.message for v in doc.violations if v.kind is ViolationKind.REPORT_ERROR}


def document_groups(st: Storage, doc_id: int, min_size: int = MIN_GROUP) -> list[dict[str, Any]]:
    """The groups of one document in ``KIND_ORDER``, within a kind biggest first."""
    with st.db.session() as s:
        row = s.get(DocumentRow, doc_id)
        if row is None:
            raise NotFound(f"document {doc_id} does not exist")
        found = list(_members(row))
    return _collect(found, min_size)


def batch_groups(st: Storage, batch_id: int, min_size: int = MIN_GROUP) -> list[dict[str, Any]]:
    """The same across every document of a batch that is in review."""
    found: list[dict[str, Any]] = []
    with st.db.session() as s:
        for row in s.scalars(select(DocumentRow).where(DocumentRow.batch_id == batch_id,
                                                       DocumentRow.status == DocStatus.REVIEW.value)
                             .order_by(DocumentRow.id)).all():
            found.extend(m for m in _members(row) if m["group"].split(":", 1)[0] in BATCH_KINDS)
    return _collect(found, min_size)


def _members(row: DocumentRow) -> Iterable[dict[str, Any]]:
    if row.doc_json is None or row.status != DocStatus.REVIEW.value:
        return
    doc = document_from_rows(row.doc_json, list(row.cells), list(row.violations))
    versions = {c.key: (c.version, c.status) for c in row.cells}
    marks, messages = report_marks(doc), _report_messages(doc)
    for key, cell in doc.cells.items():
        version, status = versions[key]
        group = group_of(cell, marks.get(key, "")) if status == CellStatus.FLAGGED.value else None
        if group is None:
            continue
        yield {"group": group, "document_id": row.id, "filename": row.filename, "key": key,
               "label": key_label(key), "version": version, "value": number_to_text(cell.value),
               "text": cell.text, "confidence": cell.confidence, "reasons": list(cell.reasons),
               "crop": f"/api/documents/{row.id}/cells/{key}/crop.png" if cell.bbox else None,
               "messages": [messages[r] for r in marks.get(key, "").split("; ") if r in messages]}


def _collect(found: list[dict[str, Any]], min_size: int) -> list[dict[str, Any]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for item in found:
        groups.setdefault(item.pop("group"), []).append(item)
    out = []
    for gid, cells in groups.items():
        if len(cells) < max(1, min_size):
            continue
        kind, _, rest = gid.partition(":")
        value = rest if kind == "reading" else None
        rules = rest.split("; ") if kind == "report_error" else []
        out.append({"id": gid, "kind": kind, "value": value, "rules": rules, "title": _title(kind, len(cells), value),
                    "size": len(cells), "actions": list(ACTIONS[kind]), "cells": cells})
    return sorted(out, key=lambda g: (KIND_ORDER.index(g["kind"]), -g["size"], g["id"]))


def _title(kind: str, size: int, value: str | None) -> str:
    """English, for API clients (the station builds its own from ``kind``, in the reader's language)."""
    return {"blank": f"{size} printed blanks", "not_printed": f"{size} cells not printed in this layout",
            "report_error": f"{size} cells of the report's own error",
            }.get(kind, f"{size} cells read as “{value}” with doubt")


def confirm(st: Storage, group: str, action: str, members: list[Member], user_id: int) -> dict[str, Any]:
    """Confirm a group: per document one transaction; returns ``{"confirmed": {doc: n}, "failed": {doc: why}}``.

    With one document (the document page) a failure is raised instead of reported."""
    _check_action(group, action, members)
    by_doc: dict[int, list[Member]] = {}
    for m in members:
        by_doc.setdefault(m.document_id, []).append(m)
    confirmed: dict[int, int] = {}
    failed: dict[int, str] = {}
    for doc_id, mine in by_doc.items():
        try:
            confirmed[doc_id] = len(confirm_in_document(st, doc_id, group, action, mine, user_id))
        except ReviewError as exc:
            if len(by_doc) == 1:
                raise
            failed[doc_id] = str(exc)
    return {"confirmed": confirmed, "failed": failed}


def confirm_in_document(st: Storage, doc_id: int, group: str, action: str, members: list[Member],
                        user_id: int) -> dict[str, int]:
    """Confirm the named cells of one document (all or none); returns their new versions."""
    _check_action(group, action, members)
    reason = _reason(group, action, len(members))

    def build(doc: Document) -> list[review.CellChange]:
        changes = []
        marks = report_marks(doc)
        for m in members:
            cell = doc.cells.get(m.key)
            if cell is None:
                raise NotFound(f"document {doc_id} has no cell {m.key}")
            now = group_of(cell, marks.get(m.key, ""))
            if now != group:
                raise Conflict(f"{m.key} is no longer in group {group}: reload and look again",
                               {"key": m.key, "group": now})
            value = 0 if action == "blank_zero" else cell.value
            act = RevisionAction.CORRECT if action == "blank_zero" else RevisionAction.ACCEPT
            status = CellStatus.CORRECTED if value != cell.value else CellStatus.ACCEPTED
            changes.append(review.CellChange(m.key, human_value(cell, value), act, reason, status))
        return changes

    return review.apply_changes(st, doc_id, {m.key: m.version for m in members}, build, user_id)


def _check_action(group: str, action: str, members: list[Member]) -> None:
    allowed = ACTIONS.get(group.split(":", 1)[0], ())
    if action not in allowed:
        use = ", ".join(allowed) or "a known group id"
        raise InvalidAction(f"{action!r} is not an action of group {group!r} (use {use})")
    if not members:
        raise InvalidAction("name the cells you confirm (cells: [{key, version}])")


def _reason(group: str, action: str, size: int) -> str:
    if action == "not_printed":
        return f"group confirmed: not printed in this layout ({size} cells)"
    if action == "keep_printed":
        return f"group confirmed: kept as printed, {REPORT_ERROR_REASON} {group.split(':', 1)[1]} ({size} cells)"
    if action == "blank_zero":
        return f"group confirmed: printed blank set to 0 ({size} cells)"
    if action == "blank_null":
        return f"group confirmed: printed blank kept empty ({size} cells)"
    return f"group confirmed: read as “{group.split(':', 1)[1]}” ({size} cells)"

