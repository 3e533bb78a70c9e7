"""Structural registration: align the sequence of printed bands to the template's row sequence.

A table's template is an ordered list of ``Slot``s (data rows, and for table 二 also its
sub-headers 第二十条第（一）项 and its 信息内容 header rows). Each printed band is summarised as
``BandEvidence``: its label text, its kind (data / header / sub-header / other) and its number of
value cells. Registration runs in two passes:

1. **anchors** — an order-keeping dynamic programme maximising the summed label similarity of
   pairs of the same kind whose label is at least ``min_similarity`` alike;
2. **structure** — between two consecutive anchors (or an anchor and the table's edge), the
   bands of a template kind left over are given, in order, to the slots left over, when there
   is exactly one order-keeping way to give each band a slot of its kind and value-cell count
   (``only_embedding``: as many bands as slots, or fewer, the lost ones pinned by the kinds and
   counts around them; halves of a row cut by a page break, without ink, are left out when
   they leave no such way).

So a badly read label never loses its row when the rows around it are known. A structural
placement is *bounded* when anchors close its gap on both sides (above the first row, the
table's column-header band counts as one where the template has no header slots: table 三);
one that leans on the table's edge, or whose value-cell count differs from the template's, is
a placement in doubt.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from service.formats import RowSpec
from service.numbers import Parse, parse_number
from service.tables.labels import row_similarity
from service.textlines import has_chinese


class BandKind(StrEnum):
    DATA = "data"              # label + value cells (numbers or printed blanks)
    HEADER = "header"          # column headers (信息内容 | 本年制发件数 …)
    SUBHEADER = "subheader"    # a one-cell section title (第二十条第（一）项)
    OTHER = "other"            # anything else inside the region (titles, notes)


@dataclass(frozen=True)
class Slot:
    """One printed row of the template. ``values``: expected value cells (None: not checked)."""

    spec: RowSpec
    kind: BandKind = BandKind.DATA
    values: int | None = None


@dataclass(frozen=True)
class BandEvidence:
    """What one printed band offers: label text, kind, value-cell count (None: unknown).

    ``split_part``: a band without any ink that is the first or last band of its page — the
    other half of a row that the page break cut in two.
    """

    label: str
    kind: BandKind = BandKind.DATA
    values: int | None = None
    split_part: bool = False


@dataclass(frozen=True)
class Placement:
    """Band ``band`` registered to slot ``slot`` (indices into the two sequences)."""

    band: int
    slot: int
    label_score: float
    by_structure: bool
    bounded: bool = True
    count_ok: bool = True

    @property
    def in_doubt(self) -> bool:
        """The grid position is not confirmed: edge-leaning structure, or unexpected cell count."""
        return not self.count_ok or (self.by_structure and not self.bounded)


def value_like(text: str) -> bool:
    """A value cell's text: a number or a printed blank mark (—, /, 无), not a header word."""
    return parse_number(text).status is not Parse.UNPARSABLE


def header_words(filled: list[str]) -> bool:
    """Whether a band's filled value cells (their texts) are header words: most of them are no
    number and most hold Chinese. A number misread on a fax ("1)", "D") is neither a number nor a
    word: a band of such cells stays a data row."""
    numeric = sum(1 for t in filled if value_like(t))
    words = sum(1 for t in filled if has_chinese(t))
    return bool(filled) and numeric * 2 < len(filled) and words * 2 > len(filled)


def at_page_edge(pages: list[int], i: int) -> bool:
    """Whether band ``i`` (``pages``: the page of each band of a table, in order) is the first or
    the last band of its page within the table."""
    page = pages[i]
    return i == 0 or pages[i - 1] != page or i == len(pages) - 1 or pages[i + 1] != page


def _compatible(ev: BandEvidence, slot: Slot) -> bool:
    return ev.kind is slot.kind


def _count_ok(ev: BandEvidence, slot: Slot) -> bool:
    return slot.values is None or ev.values is None or ev.values == slot.values


def anchor_pairs(evidence: list[BandEvidence], template: list[Slot],
                 min_similarity: float) -> dict[int, tuple[int, float]]:
    """Order-keeping matching maximising summed label similarity: {band: (slot, similarity)}."""
    n, m = len(evidence), len(template)
    sim = [[row_similarity(e.label, s.spec) if _compatible(e, s) else 0.0 for s in template] for e in evidence]
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            s = sim[i - 1][j - 1]
            diag = best[i - 1][j - 1] + s if s >= min_similarity else -1.0
            best[i][j] = max(best[i - 1][j], best[i][j - 1], diag)
    out: dict[int, tuple[int, float]] = {}
    i, j = n, m
    while i > 0 and j > 0:
        s = sim[i - 1][j - 1]
        if s >= min_similarity and best[i][j] == best[i - 1][j - 1] + s:
            out[i - 1] = (j - 1, s)
            i, j = i - 1, j - 1
        elif best[i][j] == best[i - 1][j]:
            i -= 1
        else:
            j -= 1
    return out


def _fill_gap(evidence: list[BandEvidence], template: list[Slot], bands: range, slots: range,
              bounded: bool) -> list[Placement]:
    """Structural placements inside one gap, or none when the two sequences do not agree."""
    kinds = {s.kind for s in template}
    gap_bands = [b for b in bands if evidence[b].kind in kinds]

    def fits(band: int, slot: int) -> bool:
        return _compatible(evidence[band], template[slot]) and _count_ok(evidence[band], template[slot])

    pairs = only_embedding(gap_bands, list(slots), fits)
    if pairs is None:
        pairs = only_embedding([b for b in gap_bands if not evidence[b].split_part], list(slots), fits)
    return [Placement(b, s, row_similarity(evidence[b].label, template[s].spec), by_structure=True,
                      bounded=bounded) for b, s in pairs or ()]


def only_embedding(bands: list[int], slots: list[int],
                   fits: Callable[[int, int], bool]) -> list[tuple[int, int]] | None:
    """The (band, slot) pairs of the one order-keeping way to give every band its own slot that
    ``fits`` it, slots left over being rows the scan lost (a sub-header read as nothing); ``None``
    when there is no such way, or more than one (the kinds and value-cell counts do not pin the
    bands: a lost row among rows alike). With as many bands as slots it is band i → slot i."""
    if not bands or len(bands) > len(slots):
        return None
    n, m = len(bands), len(slots)
    ways = [[0] * (m + 1) for _ in range(n + 1)]  # ways[i][j]: embeddings of bands[i:] in slots[j:], capped at 2
    ways[n] = [1] * (m + 1)
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            take = ways[i + 1][j + 1] if fits(bands[i], slots[j]) else 0
            ways[i][j] = min(2, ways[i][j + 1] + take)
    if ways[0][0] != 1:
        return None
    pairs, j = [], 0
    for i in range(n):
        while not (fits(bands[i], slots[j]) and ways[i + 1][j + 1] == 1):
            j += 1
        pairs.append((bands[i], slots[j]))
        j += 1
    return pairs


def table_head(evidence: list[BandEvidence], template: list[Slot]) -> int:
    """The band that closes the table at the top: the last column-header band before any band
    of a template kind, where the template has no header slots of its own (table 三, whose
    header rows are no rows); -1 when there is none. Below it the first data band is the first
    row as surely as below an anchor: a header read as data, or a first row read as a header,
    leaves as many bands as slots no more."""
    if any(s.kind is BandKind.HEADER for s in template):
        return -1
    kinds = {s.kind for s in template}
    head = -1
    for i, ev in enumerate(evidence):
        if ev.kind in kinds:
            break
        if ev.kind is BandKind.HEADER:
            head = i
    return head


def register(evidence: list[BandEvidence], template: list[Slot], min_similarity: float) -> list[Placement]:
    """Every band registered to a template slot, in band order (anchors and structural fills);
    a gap between the table's head (``table_head``) and the first anchor is bounded."""
    anchors = anchor_pairs(evidence, template, min_similarity)
    placed = [Placement(b, s, sim, by_structure=False, count_ok=_count_ok(evidence[b], template[s]))
              for b, (s, sim) in sorted(anchors.items())]
    edges = [(table_head(evidence, template), -1), *((p.band, p.slot) for p in placed),
             (len(evidence), len(template))]
    for (b0, s0), (b1, s1) in zip(edges, edges[1:], strict=False):
        bounded = b0 >= 0 and b1 < len(evidence)
        placed.extend(_fill_gap(evidence, template, range(b0 + 1, b1), range(s0 + 1, s1), bounded))
    return sorted(placed, key=lambda p: p.band)


def registration_score(placements: list[Placement]) -> float:
    """How well a template variant explains the bands: label evidence plus one half per
    structurally placed band (used to choose between layout variants of one table)."""
    return sum(p.label_score if not p.by_structure else 0.5 for p in placements)


def confirmed_loose(evidence: list[BandEvidence], template: list[Slot], placements: list[Placement],
                    sure: float) -> set[int]:
    """Bands anchored on a loosely matching label (similarity below ``sure``) that the structure
    places on the same slot: between the nearest sure anchors before and after (both inside the
    table; the table's head counts as one before the first row), the bands and slots left are
    as many, of the same kinds and value-cell counts — the evidence that places a band whose
    label could not be read at all, here agreeing with the label."""
    fills = _firm_fills(evidence, template, placements, sure)
    return {p.band for p in placements if not p.by_structure and p.label_score < sure and fills.get(p.band) == p.slot}


def placed_between_firm_anchors(evidence: list[BandEvidence], template: list[Slot], placements: list[Placement],
                                sure: float) -> set[int]:
    """Bands placed by structure whose slot the same fill between the nearest *sure* anchors
    (``confirmed_loose``) gives: no label of the gap was needed, not even a loose one."""
    fills = _firm_fills(evidence, template, placements, sure)
    return {p.band for p in placements if p.by_structure and fills.get(p.band) == p.slot}


def _firm_fills(evidence: list[BandEvidence], template: list[Slot], placements: list[Placement],
                sure: float) -> dict[int, int]:
    """Band → slot of the structural fills between consecutive sure anchors (label similarity at
    least ``sure``; the table's head counts as one before the first row)."""
    firm = [(p.band, p.slot) for p in placements if not p.by_structure and p.label_score >= sure]
    head = table_head(evidence, template)
    if head >= 0:
        firm.insert(0, (head, -1))
    out: dict[int, int] = {}
    for (b0, s0), (b1, s1) in zip(firm, firm[1:], strict=False):
        out.update((p.band, p.slot) for p in _fill_gap(evidence, template, range(b0 + 1, b1), range(s0 + 1, s1), True))
    return out
