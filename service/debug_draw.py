"""Debug overlays: the detected rulings, every canonical cell's box (green read, red flagged)
and its key, drawn on each page image (working-DPI pixels) and saved as PNG."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from service.model import Document

OK_COLOUR = (0, 160, 0)
FLAG_COLOUR = (220, 0, 0)
RULING_COLOUR = (90, 140, 255)


def draw_page(doc: Document, number: int, image: np.ndarray) -> object:
    """An RGB PIL image of page ``number`` with rulings and cell boxes drawn on it."""
    from PIL import Image, ImageDraw

    canvas = Image.fromarray(image).convert("RGB")
    pen = ImageDraw.Draw(canvas)
    for r in doc.page(number).rulings:
        pen.line((r.x0, r.y0, r.x1, r.y1), fill=RULING_COLOUR, width=1)
    for cell in doc.cells.values():
        if cell.page != number or cell.bbox is None:
            continue
        colour = FLAG_COLOUR if cell.flagged else OK_COLOUR
        pen.rectangle(cell.bbox, outline=colour, width=3 if cell.flagged else 1)
        label = "" if cell.value is None else str(cell.value)
        pen.text((cell.bbox[0] + 2, cell.bbox[3] - 12), label, fill=colour)
    return canvas


def draw_document(doc: Document, images: dict[int, np.ndarray], out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = Path(doc.path).name
    written = []
    for number, image in sorted(images.items()):
        target = out_dir / f"{stem}.p{number}.png"
        draw_page(doc, number, image).save(target)  # type: ignore[attr-defined]
        written.append(target)
    return written
