"""Image build check: every engine really reads. Renders "2021" and "360" on a small white image and
asks rapidocr (line recognition: the float model and Gouji's int8 one) and tesseract (digits) to
read them; exits non-zero on a miss.

Run by docker/Dockerfile at build time (nothing is downloaded: the models are in the image) and
usable anywhere: ``python docker/build_check.py``.
"""

from __future__ import annotations

import sys

import numpy as np
from PIL import Image, ImageDraw, ImageFont

SAMPLES = ("2021", "360")
FONT_PX = 40


def line_image(text: str) -> np.ndarray:
    """``text`` in black on white, greyscale uint8, with a margin of one glyph height."""
    font = ImageFont.load_default(size=FONT_PX)
    image = Image.new("L", (FONT_PX * (len(text) + 2), FONT_PX * 2), 255)
    ImageDraw.Draw(image).text((FONT_PX, FONT_PX // 2), text, fill=0, font=font)
    return np.asarray(image)


def main() -> int:
    from models.rapid_ocr import get_rapid_engine
    from models.tesseract import get_digit_reader

    crops = [line_image(t) for t in SAMPLES]
    rapid = [r.text for r in get_rapid_engine().recognize(crops)]
    quick = [r.text for r in get_rapid_engine().recognize_quick(crops)]
    tess = [r.text for r in get_digit_reader().read_digits(crops)]
    print(f"build check: rapidocr read {rapid} (int8: {quick}), tesseract read {tess}, expected {list(SAMPLES)}")
    return 0 if rapid == quick == list(SAMPLES) and tess == list(SAMPLES) else 1


if __name__ == "__main__":
    sys.exit(main())
