"""The bounding-box mask helpers give what OpenCV gives on the whole page."""

from __future__ import annotations

import cv2
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from service.scan.masks import close_along, components


def _mask(seed: int, shape: tuple[int, int], strokes: int) -> np.ndarray:
    """A sparse page mask: random thin horizontal and vertical strokes and specks."""
    rng = np.random.default_rng(seed)
    mask = np.zeros(shape, np.uint8)
    h, w = shape
    for _ in range(strokes):
        x, y = int(rng.integers(0, w)), int(rng.integers(0, h))
        if rng.random() < 0.5:
            mask[y:y + int(rng.integers(1, 3)), x:x + int(rng.integers(1, w // 2))] = 255
        else:
            mask[y:y + int(rng.integers(1, h // 2)), x:x + int(rng.integers(1, 3))] = 255
    return mask


def _by_component(labels: np.ndarray, stats: np.ndarray) -> set[tuple[bytes, tuple[int, ...]]]:
    """Each foreground component as (its pixels, its stats): comparable whatever the numbering."""
    return {((labels == i).tobytes(), tuple(int(v) for v in stats[i])) for i in range(1, len(stats))}


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(0, 30), st.sampled_from([4, 8]))
def test_components_match_opencv_on_the_whole_page(seed: int, strokes: int, connectivity: int) -> None:
    mask = _mask(seed, (90, 120), strokes)
    count, labels, stats = components(mask, connectivity)
    want_count, want_labels, want_stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=connectivity)
    assert count == want_count
    assert _by_component(labels, stats) == _by_component(want_labels, want_stats)
    assert int(stats[0, cv2.CC_STAT_AREA]) == int(np.count_nonzero(mask == 0))


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(0, 30), st.booleans(), st.integers(1, 30))
def test_close_along_matches_a_closing_of_the_padded_page(seed: int, strokes: int, horizontal: bool,
                                                          half: int) -> None:
    length = 2 * half
    mask = _mask(seed, (90, 120), strokes)
    m = length // 2 + 1
    k = (length + 1, 1) if horizontal else (1, length + 1)
    pad = cv2.copyMakeBorder(mask, m, m, m, m, cv2.BORDER_CONSTANT, value=0)
    want = cv2.morphologyEx(pad, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, k))[m:-m, m:-m]
    assert np.array_equal(close_along(mask, length, horizontal), want)


def test_an_empty_mask_has_only_background() -> None:
    empty = np.zeros((5, 7), np.uint8)
    count, labels, stats = components(empty)
    assert count == 1 and not labels.any() and tuple(stats[0]) == (0, 0, 7, 5, 35)
    assert not close_along(empty, 10, True).any()
