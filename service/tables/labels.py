"""Fuzzy matching of printed row labels to canonical rows, and in-order row alignment.

Printed labels drift (社会组织/社会公益组织, 其他法律法规禁止公开, renumbered items, rows wrapped
over two lines, OCR slips), so rows are matched by similarity *and* by their fixed order.
"""

from __future__ import annotations

import re
from functools import lru_cache

from service import settings
from service.formats import RowSpec
from service.textlines import normalise

_ENUMERATOR = re.compile(r"[（(][一二三四五六七八九十\d]{1,2}[)）]|[一二三四五六七八九十\d]{1,2}[.、]")


# Scores are pure functions of the strings, and a batch repeats the same printed labels (one
# template per year), so every level is memoised for the process (bounded: LABEL_CACHE_SIZE).
LABEL_CACHE_SIZE = settings.LABEL_CACHE_SIZE


@lru_cache(maxsize=LABEL_CACHE_SIZE)
def strip_enumerators(text: str) -> str:
    """'（三）1.属于国家秘密' → '属于国家秘密'; numbering is unreliable across reports."""
    return _ENUMERATOR.sub("", normalise(text))


@lru_cache(maxsize=LABEL_CACHE_SIZE)
def similarity(printed: str, canonical: str) -> float:
    """F1 of matched characters between two labels (enumerators removed), in [0, 1].

    A printed label that holds several numbered parts (merged label cells read as one text,
    e.g. 「（三）不予公开1.属于国家秘密」) is also compared from each enumerator onwards.
    """
    target = strip_enumerators(canonical)
    return max(_f1(target, part) for part in _stripped_parts(printed))


def label_parts(printed: str) -> list[str]:
    """The whole label, each part between two enumerators, and each tail from an enumerator."""
    return list(_label_parts(printed))


@lru_cache(maxsize=LABEL_CACHE_SIZE)
def _label_parts(printed: str) -> tuple[str, ...]:
    norm = normalise(printed)
    starts = [m.start() for m in _ENUMERATOR.finditer(norm) if m.start() > 0]
    cuts = [0, *starts, len(norm)]
    pieces = [norm[a:b] for a, b in zip(cuts, cuts[1:], strict=False)]
    return (norm, *pieces, *(norm[s:] for s in starts))


@lru_cache(maxsize=LABEL_CACHE_SIZE)
def _stripped_parts(printed: str) -> tuple[str, ...]:
    """The parts of ``printed`` without enumerators, duplicates dropped (the max is unchanged)."""
    return tuple(dict.fromkeys(strip_enumerators(part) for part in _label_parts(printed)))


def matching_rows(printed: str, rows: list[RowSpec], threshold: float = 0.8) -> list[RowSpec]:
    """Rows that some part of ``printed`` names clearly: more than one means the label is ambiguous."""
    return [r for r in rows if row_similarity(printed, r) >= threshold]


@lru_cache(maxsize=LABEL_CACHE_SIZE)
def _f1(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    matched = matched_chars(a, b)
    if matched == 0:
        return 0.0
    recall, precision = matched / len(a), matched / len(b)
    return 2 * recall * precision / (recall + precision)


def matched_chars(a: str, b: str) -> int:
    """Characters in difflib's matching blocks of ``a`` and ``b`` (no junk heuristics), exactly.

    ``SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks()`` without building a
    matcher per pair: the longest common block (earliest in ``a``, then in ``b``), then the
    same on both sides of it. ``b``'s character positions are built once per string.
    """
    b2j = _positions(b)
    total = 0
    todo = [(0, len(a), 0, len(b))]
    while todo:
        alo, ahi, blo, bhi = todo.pop()
        besti, bestj, bestsize = alo, blo, 0
        j2len: dict[int, int] = {}
        for i in range(alo, ahi):
            new: dict[int, int] = {}
            for j in b2j.get(a[i], ()):
                if j < blo:
                    continue
                if j >= bhi:
                    break
                k = new[j] = j2len.get(j - 1, 0) + 1
                if k > bestsize:
                    besti, bestj, bestsize = i - k + 1, j - k + 1, k
            j2len = new
        if bestsize:
            total += bestsize
            if alo < besti and blo < bestj:
                todo.append((alo, besti, blo, bestj))
            if besti + bestsize < ahi and bestj + bestsize < bhi:
                todo.append((besti + bestsize, ahi, bestj + bestsize, bhi))
    return total


@lru_cache(maxsize=LABEL_CACHE_SIZE)
def _positions(b: str) -> dict[str, tuple[int, ...]]:
    """Every character of ``b`` → its positions, ascending (difflib's ``b2j``)."""
    out: dict[str, list[int]] = {}
    for j, ch in enumerate(b):
        out.setdefault(ch, []).append(j)
    return {ch: tuple(js) for ch, js in out.items()}


def row_similarity(printed: str, row: RowSpec) -> float:
    """The best ``similarity`` of ``printed`` to any of the row's label variants."""
    return _row_similarity(printed, row.labels)


@lru_cache(maxsize=LABEL_CACHE_SIZE)
def _row_similarity(printed: str, labels: tuple[str, ...]) -> float:
    return max(similarity(printed, label) for label in labels)


def align_rows(printed: list[str], rows: list[RowSpec],
               threshold: float = settings.ROW_LABEL_MIN_SIMILARITY) -> dict[int, int]:
    """Best in-order matching of printed labels to canonical rows: {printed index: row index}.

    Dynamic programming over both sequences maximising the summed similarity of matched pairs;
    a pair below ``threshold`` is never matched. Both sequences keep their order.
    """
    n, m = len(printed), len(rows)
    sim = [[row_similarity(p, r) for r in rows] for p in printed]
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            diag = best[i - 1][j - 1] + sim[i - 1][j - 1] if sim[i - 1][j - 1] >= threshold else -1.0
            best[i][j] = max(best[i - 1][j], best[i][j - 1], diag)
    matches: dict[int, int] = {}
    i, j = n, m
    while i > 0 and j > 0:
        s = sim[i - 1][j - 1]
        if s >= threshold and best[i][j] == best[i - 1][j - 1] + s:
            matches[i - 1] = j - 1
            i, j = i - 1, j - 1
        elif best[i][j] == best[i - 1][j]:
            i -= 1
        else:
            j -= 1
    return matches
