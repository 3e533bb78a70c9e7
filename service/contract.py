"""The output contract of FORMAT.md (schema ``gouji.report/1``): Document → JSON-able dict.

Numbers: counts become ``int``; decimals (the fee) become ``float`` rounded to their printed
precision. ``bbox`` is in pixels at ``source.dpi``; pages are 1-based.

Additions (backward compatible; ``flagged`` and ``reasons`` keep their meaning): a cell that
carries only *noted* flags (a certain printed blank) has ``flagged: false`` and ``noted``
(e.g. ``["printed_blank"]``); every violation has ``kind`` (``identity`` | ``report_error`` |
``missing_row`` | ``value_rule`` | ``narrative``) and ``message`` ("printed 12, the sums want 11").
``blank_as=zero`` writes a printed blank's ``value`` as 0 (``Cell.is_blank``; default ``null``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any

from service.model import SCHEMA, BlankAs, Cell, Document, Violation, ViolationKind


def _number(value: int | Decimal | None) -> int | float | None:
    if value is None or isinstance(value, int):
        return value
    return int(value) if value == value.to_integral_value() and value.as_tuple().exponent >= 0 \
        else float(value)


def cell_to_contract(cell: Cell, blank_as: BlankAs = BlankAs.NULL) -> dict[str, Any]:
    value = 0 if blank_as is BlankAs.ZERO and cell.is_blank else cell.value
    out: dict[str, Any] = {
        "value": _number(value),
        "text": cell.text,
        "confidence": round(cell.confidence, 4),
        "page": cell.page,
        "bbox": [round(v, 1) for v in cell.bbox] if cell.bbox else None,
        "source": cell.source.value,
        "flagged": cell.flagged,
        "reasons": list(cell.reasons),
    }
    if cell.noted:
        out["noted"] = [f.value for f in cell.noted]
    if cell.suggestion is not None:
        out["suggestion"] = _number(cell.suggestion)
    return out


def violation_to_contract(v: Violation) -> dict[str, Any]:
    diff = v.difference
    out: dict[str, Any] = {
        "rule": v.rule,
        "cells": list(v.cells),
        "expected": _number(v.expected),
        "found": _number(v.found),
        "difference": _number(diff),
        "kind": v.kind.value,
        "message": v.message,
    }
    if v.kind is ViolationKind.CROSS_REPORT:  # checks across reports name the other report
        out["other_document_id"] = v.other_document_id
    return out


def document_to_contract(doc: Document, blank_as: BlankAs = BlankAs.NULL) -> dict[str, Any]:
    """The JSON document for one input, exactly the FORMAT.md contract plus a few extras."""
    return {
        "schema": SCHEMA,
        "source": {
            "path": doc.path,
            "sha256": doc.sha256,
            "pages": doc.page_count,
            "kind": doc.kind.value if doc.kind else None,
            "dpi": doc.dpi,
        },
        "report": {
            "agency": doc.report.agency,
            "year": doc.report.year,
            "format": doc.report.format.value,
        },
        "cells": {key: cell_to_contract(cell, blank_as) for key, cell in doc.cells.items()},
        "violations": [violation_to_contract(v) for v in doc.violations],
        "narrative": [n.model_dump() for n in doc.narrative],
        "notes": list(doc.notes),
        "needs_review": doc.needs_review,
        "timings": doc.timings,
    }


def output_name(input_path: str | Path) -> str:
    """``x.scan.pdf`` → ``x.scan.json`` (drop the last suffix only); a folder of page images
    ``scans/x.v2`` (one report) → ``x.v2.json``."""
    path = Path(input_path)
    return f"{path.name}.json" if path.is_dir() else path.with_suffix(".json").name


def dumps(obj: Any) -> str:
    """``json.dumps(obj, ensure_ascii=False, indent=1)``, byte for byte, ~1.5× faster.

    With ``indent`` the standard library encodes in Python through nested generators; this writes
    the same text with one list of pieces (str, int, float, bool, None, dict with str keys, list,
    tuple); anything else is handed to ``json.dumps`` itself (a ``TypeError`` as there).
    """
    parts: list[str] = []
    _encode(obj, "\n", parts.append)
    return "".join(parts)


def _float(v: float) -> str:
    return float.__repr__(v) if v == v and v not in _INFINITIES else json.dumps(v)  # NaN, Infinity


# Leaves written without a recursive call (exact types: subclasses such as str enums go to json).
_LEAVES: dict[type, Callable[[Any], str]] = {
    str: encode_basestring, int: int.__repr__, float: _float,
    bool: lambda v: "true" if v else "false", type(None): lambda v: "null",
}


def _encode(o: Any, newline: str, put: Callable[[str], Any]) -> None:
    """Append the JSON of ``o`` whose line breaks inside it are ``newline`` (+ one space per level)."""
    leaf = _LEAVES.get(type(o))
    if leaf is not None:
        put(leaf(o))
    elif type(o) is dict and all(type(key) is str for key in o):
        if not o:
            put("{}")
            return
        inner = newline + " "
        sep = "{" + inner
        for key, value in o.items():
            put(sep)
            put(encode_basestring(key))
            put(": ")
            leaf = _LEAVES.get(type(value))
            if leaf is not None:
                put(leaf(value))
            else:
                _encode(value, inner, put)
            sep = "," + inner
        put(newline + "}")
    elif type(o) is list or type(o) is tuple:
        if not o:
            put("[]")
            return
        inner = newline + " "
        sep = "[" + inner
        for value in o:
            put(sep)
            leaf = _LEAVES.get(type(value))
            if leaf is not None:
                put(leaf(value))
            else:
                _encode(value, inner, put)
            sep = "," + inner
        put(newline + "]")
    else:  # other keys (numbers, enums), subclasses, or what json refuses: exactly as json does it
        put(json.dumps(o, ensure_ascii=False, indent=1).replace("\n", newline))


_INFINITIES = (float("inf"), float("-inf"))


def write_contract(doc: Document, out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / output_name(doc.path)
    tmp = target.with_suffix(".json.tmp")
    tmp.write_text(dumps(document_to_contract(doc)), encoding="utf-8")
    tmp.replace(target)
    return target
