"""Table 四 (administrative review and litigation): 15 numbers in one printed data row.

The data row is the band with the most numeric cells; its last 15 cells are, in order,
行政复议 (5), 未经复议直接起诉 (5), 复议后起诉 (5), each as 维持/纠正/其他/尚未审结/总计.
Some layouts print the three groups as three rows of five: those are accepted too.
"""

from __future__ import annotations

from service.formats import T4_COLUMNS, T4_GROUPS
from service.grid import Band
from service.model import BBox, Cell, Token
from service.numbers import looks_numeric
from service.tables.reading import read_cell

N_T4 = len(T4_GROUPS) * len(T4_COLUMNS)
Slot = tuple[tuple[Token, ...], BBox, int]  # tokens, box, page


def band_slots(band: Band) -> list[Slot]:
    """Value slots of a band: its cells when ruled, else its numeric tokens."""
    if band.ruled and band.cells:
        return [(c.tokens, c.bbox, band.page) for c in band.cells]
    return [((t,), t.bbox, band.page) for t in sorted(band.tokens, key=lambda t: t.bbox[0])
            if looks_numeric(t.text)]


def _numeric_count(slots: list[Slot]) -> int:
    return sum(1 for toks, _, _ in slots if toks and all(looks_numeric(t.text) for t in toks))


def find_data_slots(bands: list[Band]) -> list[Slot] | None:
    """The 15 value slots, from one wide band or from consecutive bands of five."""
    scored = [(band_slots(b), b) for b in bands]
    wide = [s for s, _ in scored if len(s) >= N_T4 and _numeric_count(s[-N_T4:]) > 0]
    if wide:
        return max(wide, key=lambda s: _numeric_count(s[-N_T4:]))[-N_T4:]
    fives = [s[-len(T4_COLUMNS):] for s, _ in scored
             if len(s) >= len(T4_COLUMNS) and _numeric_count(s[-len(T4_COLUMNS):]) >= 1]
    if len(fives) == len(T4_GROUPS):
        return [slot for group in fives for slot in group]
    return None


def map_t4(bands: list[Band]) -> dict[str, Cell]:
    slots = find_data_slots(bands)
    if slots is None:
        return {}
    keys = [f"t4.{g}.{c}" for g in T4_GROUPS for c in T4_COLUMNS]
    return {key: read_cell(key, toks, page, box) for key, (toks, box, page) in zip(keys, slots, strict=True)}
