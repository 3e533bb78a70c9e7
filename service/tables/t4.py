"""Table 四 (administrative review and litigation): 15 numbers in one printed data row.

The data row is the band with the most numeric cells; its last 15 cells are, in order,
行政复议 (5), 未经复议直接起诉 (5), 复议后起诉 (5), each as 维持/纠正/其他/尚未审结/总计.
Some layouts print the three groups as three rows of five: those are accepted too.
"""

from __future__ import annotations

from service.formats import T4_COLUMNS, T4_GROUPS
from service.grid import Band
from service.model import BBox, Cell, Flag, Token
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


def _leading_numbers(slots: list[Slot], n: int) -> int:
    """Numbers printed left of the last ``n`` value slots of one band (0 on the template)."""
    return _numeric_count(slots[:-n]) if len(slots) > n else 0


def find_data_slots(bands: list[Band]) -> tuple[list[Slot], int] | None:
    """The 15 value slots, from one wide band or from consecutive bands of five, and how many
    numbers the chosen band(s) print beyond the template's columns (a spurious or lost vertical:
    the values may sit in the wrong column)."""
    scored = [(band_slots(b), b) for b in bands]
    wide = [s for s, _ in scored if len(s) >= N_T4 and _numeric_count(s[-N_T4:]) > 0]
    if wide:
        best = max(wide, key=lambda s: _numeric_count(s[-N_T4:]))
        return best[-N_T4:], _leading_numbers(best, N_T4)
    n = len(T4_COLUMNS)
    fives = [s for s, _ in scored if len(s) >= n and _numeric_count(s[-n:]) >= 1]
    if len(fives) == len(T4_GROUPS):
        return [slot for group in fives for slot in group[-n:]], sum(_leading_numbers(g, n) for g in fives)
    return None


def map_t4(bands: list[Band]) -> dict[str, Cell]:
    """The 15 cells of table 四; all in PLACEMENT_DOUBT when the data row prints more numbers
    than the template's 15 (or 3 × 5) columns."""
    found = find_data_slots(bands)
    if found is None:
        return {}
    slots, extra = found
    keys = [f"t4.{g}.{c}" for g in T4_GROUPS for c in T4_COLUMNS]
    cells = {key: read_cell(key, toks, page, box) for key, (toks, box, page) in zip(keys, slots, strict=True)}
    if not extra:
        return cells
    reason = (f"table 四 prints {extra} number(s) beyond its {N_T4} value columns: "
              "values may sit in the wrong column")
    return {k: c.with_flag(Flag.PLACEMENT_DOUBT, reason) for k, c in cells.items()}
