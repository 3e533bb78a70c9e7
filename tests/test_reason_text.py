"""The cells' reasons and the server's errors are shown in the reader's language: every reason the
pipeline writes matches one template of ``review_ui/reason_text.py`` and renders as Chinese (no
English word left) under zh, as correct English (plurals) under en; the stored reasons (the
contract) stay as they are."""

from __future__ import annotations

import json
import random
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from factories import consistent_values, document_with
from flask_babel import force_locale

from review_ui import error_text, reason_text
from service.explain import ROW_NOT_READ_REASON
from service.model import Flag, Source, Token
from service.review.audit import AUDIT_REASON
from service.review.repair import EMPTIED_REASON
from service.scan.cell_reading import CLOSED_REASON, LIKENESS_REASON
from service.storage.revalidate import engine_evidence
from service.tables.reading import missing_cell, read_cell
from service.tables.t3 import OLD_LAYOUT_REASON
from service.validation import validate_document

GOLDEN = Path(__file__).resolve().parent / "golden"
# an English word: two or more ASCII letters, the acronyms OCR and PDF (also in the Chinese UI) aside
ENGLISH_WORD = re.compile(r"(?<![A-Za-z])(?!(?:OCR|PDF)(?![A-Za-z]))[A-Za-z]{2,}")


def _token(text: str, confidence: float = 0.99, alt: str | None = None, doubt: str = "") -> Token:
    return Token(text=text, bbox=(0, 0, 10, 10), confidence=confidence, alt_text=alt, source=Source.OCR, doubt=doubt)


def pipeline_reasons() -> set[str]:
    """Reasons as the pipeline writes them: readings, rules, storage, the golden contracts."""
    out: set[str] = set()
    for path in GOLDEN.glob("*.contract.json"):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"].values():
            out.update(cell.get("reasons", []))
    readings = [read_cell("t3.new.total", (_token(t, c, a, d),), 1, None) for t, c, a, d in (
        ("", 0.9, None, ""), ("-", 0.99, None, ""), ("x?", 0.99, None, ""), ("1.5", 0.99, None, ""),
        ("1O", 0.99, None, ""), ("7", 0.3, None, ""), ("7", 0.99, "1", ""), ("7", 0.99, "", ""),
        ("7", 0.99, None, "a line that is not a table ruling (streak, crease) crosses the text"))]
    readings.append(read_cell("t2.fees.amount_wan_yuan", (_token("12000元"),), 1, None))
    derived = _token("0", 0.3, "").model_copy(update={"derived": LIKENESS_REASON})
    readings.append(read_cell("t3.new.research", (derived,), 1, None))
    closed = _token("0", 0.3, "0").model_copy(update={"derived": CLOSED_REASON})
    readings.append(read_cell("t3.new.legal_service", (closed,), 1, None))
    readings.append(missing_cell("t3.new.total", "no printed cell found for this item"))
    for cell in readings:
        out.update(cell.reasons)
        out.add(engine_evidence(cell) or "")
    values = consistent_values(random.Random(5))
    values["t3.new.total"] = int(values["t3.new.total"]) + 1                 # the report's own error
    values["t3.new.commercial"] = -1                                          # negative
    values["t3.carried_over.research"] = 10 ** 8                              # implausible
    values["t2.fees.amount_wan_yuan"] = Decimal(20000)                        # implausible fee
    doc = validate_document(document_with(values))
    low = document_with(consistent_values(random.Random(6)))
    cells = dict(low.cells)
    cells["t3.carried_over.commercial"] = cells["t3.carried_over.commercial"].with_flag(
        Flag.LOW_CONFIDENCE, "OCR confidence 0.41")
    bad = cells["t3.new.research"]
    cells["t3.new.research"] = bad.model_copy(update={"value": int(bad.value or 0) + 3}).with_flag(
        Flag.LOW_CONFIDENCE, "OCR confidence 0.30")
    doc2 = validate_document(low.model_copy(update={"cells": cells}))
    for d in (doc, doc2):
        for cell in d.cells.values():
            out.update(cell.reasons)
    out |= {ROW_NOT_READ_REASON, AUDIT_REASON, EMPTIED_REASON, OLD_LAYOUT_REASON.format("total = blank"),
            "row label “其他” also names row(s) new, carried_over: numbers may sit in the wrong row"}
    from service.formats import T3_ROWS
    from service.model import Cell
    from service.tables.t3 import _flag_unnamed_row

    unnamed = _flag_unnamed_row({"k": Cell(key="k")}, "2.重复申请3.要求提供", 3, T3_ROWS[0], list(T3_ROWS))
    out.update(unnamed["k"].reasons)
    out.discard("")
    return out


def test_every_reason_the_pipeline_writes_has_a_template() -> None:
    reasons = pipeline_reasons()
    assert len(reasons) > 25
    unknown = sorted(r for r in reasons if not reason_text.known(r))
    assert not unknown, f"add a template to review_ui/reason_text.py: {unknown[:5]}"
    kinds = " ".join(reasons)
    for part in ("confirmed by", "suggested", "report's own error", "breaks", "negative", "implausible",
                 "engine reading", "second engine", "converted to"):
        assert part in kinds, part


def test_reasons_in_chinese_without_english_words(app: Any) -> None:
    with app.test_request_context("/"), force_locale("zh"):
        shown = {r: reason_text.shown(r) for r in pipeline_reasons()}
        evidence = [reason_text.evidence_shown(r) for r in shown if r.startswith(reason_text.ENGINE_PREFIX)]
    english = {r: s for r, s in shown.items() if ENGLISH_WORD.search(s)}
    assert not english, list(english.items())[:3]
    assert evidence and not any(ENGLISH_WORD.search(e) for e in evidence)


def test_reasons_in_english_with_right_plurals(app: Any) -> None:
    one = "confirmed by 1 sums that hold, despite: OCR confidence 0.41; second engine read “1”"
    rows = "row label “其他” also names row(s) new: numbers may sit in the wrong row"
    with app.test_request_context("/"), force_locale("en"):
        assert reason_text.shown(one) == one.replace("1 sums that hold", "1 sum that holds")
        assert reason_text.shown(one.replace("by 1", "by 2")) == one.replace("by 1", "by 2")
        assert reason_text.shown(rows) == rows.replace("row(s) new", "row 一、本年新收政府信息公开申请数量")
        assert reason_text.shown("an unknown reason") == "an unknown reason"
        named = ("report prints", "report's own", "breaks", "suggested", "row label", "engine reading", "sums that",
                 "other members read")
        plain = [r for r in pipeline_reasons() if not any(n in r for n in named)]  # no rule/column/source field
        assert len(plain) > 10 and all(reason_text.shown(r) == r for r in plain)
        assert "(all applicants = 2)" in reason_text.shown(OLD_LAYOUT_REASON.format("total = 2"))
    with app.test_request_context("/"), force_locale("zh"):
        assert reason_text.shown(one) == "已由 1 条成立的合计确认，尽管：识别置信度 0.41；第二个识别引擎读为“1”"
        pinned = next(r for r in pipeline_reasons() if "its other members read clearly" in r)
        assert reason_text.shown(pinned).startswith("已由「表三")


def test_report_error_names_the_rule_and_both_sides(app: Any) -> None:
    reason = next(r for r in pipeline_reasons() if r.startswith("report's own error: t3 row new"))
    with app.test_request_context("/"), force_locale("zh"):
        shown = reason_text.shown(reason)
    assert shown.startswith("报告本身的错误：表三「一、本年新收政府信息公开申请数量」：总计等于各类申请人之和：印刷为 ")


def test_server_errors_in_the_readers_language(app: Any) -> None:
    with app.test_request_context("/"), force_locale("zh"):
        assert error_text.shown("bob is reviewing this document; your edit was not saved") == (
            "bob 正在审核此文件；您的修改未保存")
        assert error_text.shown("document 3 is approved; only documents in review can change") == (
            "文件 3 的状态为“已批准”；只有审核中的文件可以修改")
        assert error_text.shown("$.year: 'x' is not of type integer") == "$.year: 'x' is not of type integer"
    with app.test_request_context("/"), force_locale("en"):
        assert error_text.shown("nothing to undo") == "nothing to undo"


def test_the_api_sends_shown_reasons_beside_the_stored_ones(app: Any, client: Any, reviewer: dict[str, Any],
                                                             login: Any, tmp_path: Path) -> None:
    from test_review_ux import _document

    headers = login(client, reviewer)
    _, doc_id = _document(app, client, headers, tmp_path)
    data = client.get(f"/api/documents/{doc_id}", headers=headers).get_json()
    flagged = [c for c in data["cells"].values() if c["reasons"]]
    assert flagged and all(len(c["reasons_shown"]) == len(c["reasons"]) for c in flagged)
    assert not any(ENGLISH_WORD.search(s) for c in flagged for s in c["reasons_shown"])
    assert any(ENGLISH_WORD.search(s) for c in flagged for s in c["reasons"])      # the contract stays English
    undo = client.post(f"/api/documents/{doc_id}/rows/undo", json={}, headers=headers)
    assert undo.status_code == 422 and undo.get_json()["error"] == "没有可撤销的操作"
