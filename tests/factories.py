"""Builders of consistent reports for tests: every identity of FORMAT.md holds."""

from __future__ import annotations

import random
from decimal import Decimal

from service.formats import T3_COLUMNS, T3_RESULT_ROWS, T4_COLUMNS, T4_GROUPS, all_keys, t2_keys
from service.model import Cell, Document, Source


def consistent_values(rng: random.Random) -> dict[str, int | Decimal]:
    """Random non-negative values for all 200 keys such that all 42 identities hold."""
    values: dict[str, int | Decimal] = {k: rng.randint(0, 40) for k in t2_keys()}
    values["t2.fees.amount_wan_yuan"] = Decimal(rng.randint(0, 99999)) / 100
    for col in T3_COLUMNS[:-1]:
        results = {r: rng.choice([0, 0, rng.randint(0, 30)]) for r in T3_RESULT_ROWS}
        for r, v in results.items():
            values[f"t3.{r}.{col}"] = v
        results_total = sum(results.values())
        forward = rng.randint(0, 5)
        carried = rng.randint(0, results_total + forward)
        values[f"t3.results_total.{col}"] = results_total
        values[f"t3.carried_forward.{col}"] = forward
        values[f"t3.carried_over.{col}"] = carried
        values[f"t3.new.{col}"] = results_total + forward - carried
    rows = {k.split(".")[1] for k in all_keys() if k.startswith("t3.")}
    for row in rows:
        values[f"t3.{row}.total"] = sum(int(values[f"t3.{row}.{c}"]) for c in T3_COLUMNS[:-1])
    for g in T4_GROUPS:
        parts = [rng.randint(0, 6) for _ in T4_COLUMNS[:-1]]
        for c, v in zip(T4_COLUMNS[:-1], parts, strict=True):
            values[f"t4.{g}.{c}"] = v
        values[f"t4.{g}.total"] = sum(parts)
    return values


def document_with(values: dict[str, int | Decimal | None]) -> Document:
    """A Document whose cells carry ``values`` as if read cleanly from a text layer."""
    cells = {
        k: Cell(key=k, text="" if v is None else str(v), value=v, confidence=0.999, page=1,
                bbox=(0.0, 0.0, 10.0, 10.0), source=Source.PDF_TEXT)
        for k, v in values.items()
    }
    return Document(path="test.pdf", sha256="0" * 64, dpi=200, page_count=1, cells=cells)
