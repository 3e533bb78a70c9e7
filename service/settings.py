"""Every threshold and default of the extraction core, in one place.

Units are in the names: ``*_DPI`` dots per inch, ``*_PX`` pixels at the working DPI,
``*_S`` seconds, ``*_MB`` megabytes. Change a value here, never inline in a stage.
"""

from __future__ import annotations

import os

# --- Rendering and coordinates ---------------------------------------------------------------
WORKING_DPI = 200               # every bbox in the output is in pixels at this DPI
OCR_RENDER_DPI = 200            # scanned pages are rendered at this DPI for OCR

# --- Input limits (bad input must fail fast, not hang) -----------------------------------------
# the one upload/file size limit: the web app (per file and, plus UPLOAD_OVERHEAD_MB, per request),
# the storage intake and the extractor all read this (operators: GOUJI_MAX_UPLOAD_MB)
MAX_FILE_MB = int(os.environ.get("GOUJI_MAX_UPLOAD_MB") or 200)
UPLOAD_OVERHEAD_MB = 10         # multipart framing and form fields on top of the files in one request
MAX_PAGES = 60                  # an annual report has 3–15 pages; more is not a report
MAX_IMAGE_PIXELS = 80_000_000   # decompression-bomb guard (≈ A4 at 900 dpi)
MAX_PAGE_SIDE_PX = 12_000       # refuse to render a page larger than this at the working DPI

# --- Text layer --------------------------------------------------------------------------------
MIN_TEXT_CHARS_PER_PAGE = 20    # below this, a page's text layer is not "usable"
TEXT_LAYER_MAX_INVISIBLE_RATIO = 0.5  # invisible (render mode 3) text = scanner OCR layer, not evidence
TEXT_LAYER_MAX_CID_RATIO = 0.05     # glyphs without unicode ("(cid:12)") mean a broken layer
RULING_MIN_LENGTH_PX = 8
SCANNED_PAGE_MIN_IMAGE_COVERAGE = 0.3  # an image this large on a page without usable text → OCR it

# --- Layout / mapping ----------------------------------------------------------------------------
ROW_LABEL_MIN_SIMILARITY = 0.45 # below this, a printed row label is not matched to a canonical row
ROW_LABEL_SURE_SIMILARITY = 0.6 # a row matched below this has its cells flagged (label barely recognised)
ROW_LABEL_CLEAR_SIMILARITY = 0.8  # a label part this close to a *second* row makes the row ambiguous
ROW_TOLERANCE_PX = 10           # tokens whose centres are this close in y share a text line

# --- Confidence --------------------------------------------------------------------------------
OCR_MIN_CONFIDENCE = 0.90       # an OCR reading scored lower is flagged …
OCR_AGREED_MIN_CONFIDENCE = 0.4  # … unless the digit engine reads the same number and the score is at least this
                                # (1-bit fax 0s read alike by both engines score 0.4–0.6)
OCR_RESEMBLED_MIN_CONFIDENCE = 0.25  # … or this, for a lone LIKENESS_DIGITS glyph like the page's own (glyphs)
FEE_PLAUSIBLE_MAX_WAN_YUAN = 10_000   # above this the fee is probably printed in 元, not 万元
COUNT_PLAUSIBLE_MAX = 10_000_000
TEXT_CONFIDENCE = 0.999         # confidence of a cell read from a good text layer
CONFIRMING_IDENTITIES = 2       # identities that must all hold to clear a doubtful reading (row + column)

# --- Engines -----------------------------------------------------------------------------------
TESSDATA_DIRS = (
    os.environ.get("TESSDATA_PREFIX", ""),
    "/usr/share/tesseract-ocr/5/tessdata",
    "/usr/share/tesseract-ocr/4.00/tessdata",
    "/usr/share/tessdata",
)

# --- Scan path (service/scan, models/rapid_ocr.py, models/tesseract.py) --------------------------
# Pixel values are at OCR_RENDER_DPI (200 dpi); angles in degrees; scores in [0, 1].
SCAN_SKEW_MAX_DEGREES = 4.0       # skew searched in ±this range (sources are within ±3°)
SCAN_SKEW_COARSE_STEP = 0.5       # coarse projection-profile search step, degrees
SCAN_SKEW_FINE_STEP = 0.02        # finest search step (coarse → step/5 → this), degrees
SCAN_SKEW_WORK_WIDTH_PX = 700     # the skew search runs on a copy scaled to this width
SCAN_SKEW_MIN_DEGREES = 0.05      # below this the page is not rotated
SCAN_BACKGROUND_KERNEL_PX = 41    # closing kernel that estimates the paper background (lighting)
SCAN_INK_THRESHOLD = 0.78         # normalised grey below this fraction of the background is ink
SCAN_NOISE_STD_MEDIAN = 6.0       # grey-level noise (std of the 3×3-median residual on paper) above which
                                  # crops get a 3×3 median filter
SCAN_HLINE_MIN_PX = 60            # shortest horizontal ruling kept
SCAN_VLINE_MIN_PX = 50            # shortest vertical ruling kept (CJK glyph strokes are ~30)
SCAN_LINE_GAP_BRIDGE_PX = 3       # breaks in a ruling up to this length are closed (more joins glyphs)
SCAN_LINE_MAX_THICKNESS_PX = 9    # a ruling thicker than this is a filled block, not a line
SCAN_LINE_EXTEND_PX = 6           # rulings are extended by this much so corners close
SCAN_TABLE_MIN_W_PX = 300         # a line network narrower than this is not a table (title glyphs)
SCAN_TABLE_MIN_H_PX = 50          # … or lower than this
SCAN_CELL_MIN_W_PX = 14           # an enclosed region smaller than this is not a cell
SCAN_CELL_MIN_H_PX = 14
SCAN_CELL_MAX_AREA_RATIO = 0.35   # a region larger than this share of the page is a frame, not a cell
SCAN_CELL_INSET_PX = 3            # cell interior = cell box shrunk by this (drops ruling residue)
SCAN_SPECK_MAX_AREA_PX = 6        # ink components up to this area are noise specks
SCAN_ISOLATED_MARK_MAX_AREA_PX = 40  # a mark this small inside a cell …
SCAN_ISOLATED_MARK_GAP_PX = 12    # … and farther than this from any bigger ink is noise
SCAN_CELL_MIN_INK_PX = 20         # a cell with less ink than this (after specks) is blank
SCAN_CELL_LINE_MIN_REL_LEN = 0.6  # a loose horizontal ink stroke this long (× the cell's inner width) …
SCAN_CELL_LINE_MIN_LEN_PX = 48    # … and this long (twice the tallest digit: a tall thin 1 is never a line) …
SCAN_CELL_LINE_MAX_THICK_PX = 6   # … and at most this thick is a crease or ruling piece inside the cell, not text
SCAN_TEXT_LINE_MERGE_GAP_PX = 4   # projection gaps up to this are inside a glyph (三, 二)
SCAN_TEXT_LINE_MIN_REL_H = 0.45   # a band lower than this × the tallest band joins a neighbour
SCAN_CROP_PAD_PX = 6              # padding around a text-line crop
SCAN_MIN_GLYPH_PX = 26            # line crops with lower glyphs are upscaled to this height
SCAN_TESS_GLYPH_PX = 28           # glyph height the digit crops are scaled to for tesseract
SCAN_TESS_PAD_PX = 16             # paper around a (binarised, trimmed) tesseract digit crop
SCAN_TESS_RETRY_BLUR_PX = 0.7     # sigma smoothing a digit crop that tesseract misread or could not read (1-bit edges)
SCAN_TESS_RETRY_GLYPH_PX = 44     # … then, still unlike, once more with glyphs this tall (low-resolution 1-bit digits)
SCAN_TESS_CLOSE_BLUR_PX = 1.0     # … and for a last try: that smoothing, then strokes closed (broken 1-bit glyphs) …
SCAN_TESS_CLOSE_PX = 5            # … by a disc this wide (px at SCAN_TESS_GLYPH_PX); kept if it reads engine 1's digits
SCAN_CLOSED_CONFIDENCE = 0.3      # a number read only once the strokes were closed (cell_reading.read_closed)
# A lone digit nobody could read, read by its likeness to the page's digits (scan/glyphs.py):
LIKENESS_GLYPH_PX = 32            # glyphs are compared as squares this tall …
LIKENESS_BLUR_PX = 1.3            # … blurred by this sigma (a lost 1-bit stroke row costs little)
LIKENESS_MAX_ASPECT = 0.95        # ink wider than this × its height is no single digit
LIKENESS_MIN_EXEMPLARS = 3        # a digit is recognised only with this many exemplars on the page
LIKENESS_MAX_DISTANCE = 0.15      # 1 − correlation with the nearest exemplar, at most
LIKENESS_MIN_MARGIN = 0.25        # … and the nearest other digit's at least this much farther
LIKENESS_DIGITS = "0"             # the digits a likeness reading may give (a hollow 0 that lost its arcs)
LIKENESS_MAX_INK_EXEMPLARS = 8    # under a line: exemplars compared per digit (glyphs.likeness_under_lines)
LIKENESS_SLACK_PX = 2             # … the exemplar's box holds the visible ink to within this many px
LIKENESS_MAX_HIDDEN = 0.5         # … the line hides at most this share of the exemplar's ink
LIKENESS_MIN_VISIBLE_PX = 30      # … at least this much of the cell's ink is seen
LIKENESS_UNSEEN_MARGIN_SIGMAS = 0.0  # … the hidden pixels widened by this many blur sigmas (0: a 2-px
#   streak over a 6-px 100-dpi 0 leaves so little seen that no digit matches at 2 sigmas)
LIKENESS_UNDER_LINES_MIN_MARGIN = 0.1  # … and the nearest other digit this much farther (cell stays flagged)
SCAN_NUMERIC_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"  # a cell reading like this gets a digit second opinion
# letters OCR gives for digits: "1l" or "O" still gets a digit second opinion, and when that
# opinion equals the mapped reading (two engines agree) the cell text becomes the digits
SCAN_DIGIT_LOOKALIKES = {"O": "0", "o": "0", "D": "0", "Q": "0", "I": "1", "l": "1", "i": "1", "|": "1"}
# … and a whole reading that is one of these is a lone 0 (rapidocr reads a faxed 1-bit 0 of
# ~13 px so, as brackets when its thin top and bottom were lost, as "u"/"v"/"n" when only one
# of them was); inside a longer reading they are letters ("1a" is not "10"). The digit engine
# must still read a 0 there for the 0 to stand.
SCAN_LONE_ZERO_LOOKALIKES = ("a", "c", "d", "ó", "ā", "ū", "°", "()", "0)", "(0", "(0)", "1)", "(1", "D)", "(D",
                             "u", "v", "n", "U", "V")
SCAN_SPOILED_NUMBER_MAX_CHARS = 4  # a cell a non-table line crosses that read as this few non-CJK letters
                                   # ("c": a 0 whose side a streak covers) is read again with the line inked
SCAN_CJK_FIRST_CODEPOINT = 0x2E80  # characters from here on are CJK (a label, not a spoiled number)
SCAN_FREE_TEXT_MIN_INK_PX = 200   # pages with less ink outside the tables skip det+rec entirely
SCAN_FREE_TEXT_ROW_MIN_INK_PX = 3 # a row with this much ink outside the tables holds free text
SCAN_FREE_TEXT_BAND_GAP_PX = 60   # free-text rows closer than this are detected together
SCAN_FREE_TEXT_BAND_PAD_PX = 16   # margin above/below each free-text band handed to det
SCAN_FREE_TEXT_FULL_PAGE_RATIO = 0.6  # bands covering more of the page → det the whole page once

# Engines (rapidocr: models shipped inside the wheel; nothing is downloaded at run time).
RAPIDOCR_DET_MODEL = "PP-OCRv6_det_small.onnx"
RAPIDOCR_REC_MODEL = "PP-OCRv6_rec_small.onnx"   # the exact reading (float): short crops, numbers
RAPIDOCR_REC_FAST_MODEL = "PP-OCRv6_rec_small.int8.onnx"  # int8 derivation (models/weights,
                                  # scripts/quantise_rec.py), ~1.9× faster: long lines, and the quick
                                  # first reading of every table cell (cell_reading.read_cells)
RAPIDOCR_REC_FAST_MIN_WH_RATIO = 3.0  # crops wider than this × their height (labels, prose; never a
                                      # table number: those stay ≤ 2.2) are read by the fast model
RAPIDOCR_REC_FAST_MIN_SCORE = 0.9  # … and again by the float model when it scores them lower
SCAN_QUICK_MIN_SCORE = 0.9        # a table number's quick (int8) reading stands from this score on, when
                                  # tesseract read it so too; else the float model reads it
RAPIDOCR_CLS_MODEL = "ch_ppocr_mobile_v2.0_cls_mobile.onnx"  # 0/180 line classifier (page orientation)
RAPIDOCR_MAX_SIDE_LEN = 2400      # rapidocr's global pre-resize limit, pixels
RAPIDOCR_DET_LIMIT_SIDE_PX = 800  # det runs on the page scaled so its longer side is this
RAPIDOCR_DET_BOX_THRESH = 0.5
RAPIDOCR_TEXT_SCORE = 0.5         # det+rec lines scored lower are dropped
RAPIDOCR_LINE_PAD_PX = 8          # white margin added around each detected line before rec
RAPIDOCR_REC_BATCH = 16           # at most this many crops per recognition batch (sorted by width)
RAPIDOCR_REC_BATCH_WIDTH_PX = 3200  # … and at most this much padded width (48 px high) per batch
RAPIDOCR_REC_MIN_WH_RATIO = 2.0   # narrow crops (a lone "0") are padded to this width/height ratio
RAPIDOCR_REC_QUICK_MIN_WH_RATIO = 1.0  # … for the int8 model's quick readings (confirmed by tesseract)
RAPIDOCR_REC_WIDTH_STEP_PX = 32   # rec batch widths are rounded up to this (fewer distinct shapes)
RAPIDOCR_REC_BATCH_MAX_STRETCH = 1.05  # a batch's widest crop is at most this × its narrowest (padding
                                       # is paid for): rec CPU −17 %, readings as each crop alone
RAPIDOCR_THREADS = 1              # onnxruntime intra-op threads of a lone process: its page threads fill the cores
RAPIDOCR_WORKER_THREADS = 1       # … of each worker of `-j N` (N processes already fill the cores)
SCAN_PAGE_THREADS = 2             # scanned pages read ahead in threads by a lone process (pipeline.read_pages)
SCAN_WORKER_PAGE_THREADS = 1      # … by each worker of `-j N` (one page at a time)
MALLOC_MMAP_THRESHOLD_BYTES = 4 * 1024 * 1024  # freed blocks this large go back to the system (service.memory)
RAPIDOCR_SPIN = False             # idle intra-op threads busy-wait: +45 % CPU on a shared machine
RAPIDOCR_DENORMALS_AS_ZERO = True  # onnxruntime flushes denormal floats to zero: the text detector's
                                   # GELU blocks make them, and x86 computes them ~50× slower (det
                                   # 2.8× faster; det maps identical on 20 dev pages)
RAPIDOCR_DET_ARENA = False        # no memory arena for the text detector: −90 MB peak per process, same CPU time
TESS_WHITELIST = "0123456789.-"

# --- Reviewer load (service/review_load.py, gouji bench; issue 8) --------------------------------
REVIEW_SECONDS_PER_KEY = 0.3      # a practised reviewer's key press
REVIEW_SECONDS_PER_LOOK = 1.5     # one look at a cell, group, row or report error (and at approval)

# --- Archive (service/archive): bulk intake, agency identity, checks across reports ----------------
ARCHIVE_ZIP_MAX_MEMBERS = 5_000         # entries in one zip archive; more is refused as a whole
ARCHIVE_ZIP_MAX_TOTAL_MB = 4_000        # uncompressed bytes of one zip archive, megabytes
ARCHIVE_ZIP_MAX_RATIO = 200             # uncompressed ÷ compressed size of one member above this = a bomb
# a folder of only these = one report
ARCHIVE_PAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".heic", ".heif")
ARCHIVE_SKIP_NAMES = (".DS_Store", "Thumbs.db", "desktop.ini")  # never reports, silently skipped
AGENCY_CONTEXT_PREFIX_CHARS = 16        # how far before a short name the report's text is searched for its city
AGENCY_MAX_NAME_CHARS = 200
ARCHIVE_VIEW_MAX_ISSUES = 500          # issue rows drawn on the archive page (the downloads hold every row)
AGENCY_ASSIGN_ATTEMPTS = 3              # two workers creating the same new agency at once: the loser retries

# --- Born-digital reading and label matching (issue 11: speed) -------------------------------
PDF_WORD_X_TOLERANCE_PT = 1.5   # a gap wider than this (points) between two glyphs starts a new word
PDF_WORD_Y_TOLERANCE_PT = 2     # glyph tops closer than this (points) share a text line
LABEL_CACHE_SIZE = 1 << 16      # memoised label scores kept per process (entries per cache)
HEADING_MIN_MATCHED_SHARE = 0.8  # a short line holding this share of a heading's phrase, in order, is
                                 # that heading (OCR slips: 收利和处理… for 收到和处理…, a lost 二)

# --- Hardening (issue 10): export safety, input budgets, worker limits, sessions ------------------
EXPORT_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")  # OWASP: text starting so is written as text
# image inputs (service/input_budget.py): budgets are checked on frame headers, before any decoding
MIN_IMAGE_SIDE_PX = 100                # a smaller image cannot hold a report (a 1×1 PNG): refused
MAX_TOTAL_PIXELS = 400_000_000         # all frames of one image file together (≈ 45 A4 pages at 300 dpi)
MAX_RENDER_PAGE_PIXELS = 25_000_000    # a page at WORKING_DPI holds at most this (≈ A3 at 300 dpi);
                                       # a larger untagged image is read as a finer scan of a smaller page
# the RQ work horse's memory ceiling (workers/limits.py, RLIMIT_DATA), MiB; 0 = none. The biggest
# accepted inputs peak near 710 MiB (an 8900×8900 PNG); a usual report 300–400 MiB.
WORKER_MEMORY_LIMIT_MB = int(os.environ.get("GOUJI_WORKER_MEMORY_MB") or 2048)
POOL_PARENT_POLL_S = 1.0  # a worker of `-j N` checks this often that its parent lives, and exits when it is gone

# --- Review service limits (formerly inline in storage/locks.py, groups.py, audit.py, images.py and
# the review JS; the JS receives the REVIEW_UI_* values from the server, see ui_settings()) ----------
REVIEW_LOCK_S = int(os.environ.get("GOUJI_REVIEW_LOCK_S") or 300)  # a review lease lasts this long idle
REVIEW_LEASE_RENEW_S = 60         # the review page renews its lease this often (< REVIEW_LOCK_S)
REVIEW_STATUS_POLL_S = 3          # pages showing a queued/processing document look again this often
GROUP_MIN_SIZE = 2                # a group of doubtful readings has at least this many cells
AUDIT_DEFAULT_RATE = float(os.environ.get("GOUJI_AUDIT_RATE") or 0.02)  # share of auto-accepted cells drawn
AUDIT_DEFAULT_MINIMUM = 5         # … but at least this many cells per batch
AUDIT_MAX_RATE = 1.0
AUDIT_WILSON_Z = 1.96             # 95 % Wilson interval for the measured accuracy
CROP_TARGET_HEIGHT_PX = 96        # a cell crop is enlarged towards this height (capped by CROP_MAX_SCALE)
# Page images (service/storage/images.py): zlib level 1 writes a 200-dpi colour page ~4× faster than
# the default 6 for ~8 % more bytes; the pages with flagged cells are drawn when the extraction is
# saved; a process keeps this many decoded pages in memory to cut crops from.
PAGE_PNG_COMPRESS_LEVEL = 1
PAGE_IMAGES_IN_MEMORY = 4


def ui_settings() -> dict[str, int]:
    """The limits the review JS needs, handed to it as data (``<meta name="gouji-settings">``)."""
    return {"lease_renew_ms": REVIEW_LEASE_RENEW_S * 1000, "status_poll_ms": REVIEW_STATUS_POLL_S * 1000,
            "review_lock_s": REVIEW_LOCK_S}

# --- Registration and mixed pages (service/mixed.py, service/grid.py, service/tables/*) ----------
# Pixels are at the working DPI (200).
MIXED_MIN_IMAGE_AREA_RATIO = 0.03   # an embedded image covering this share of a text page may hold a table
MIXED_MAX_TEXT_CHARS_IN_IMAGE = 10  # … unless the text layer already has more glyphs than this over it
MIXED_MIN_TABLE_VERTICALS = 3      # a run of this many overlapping vertical rulings is a ruled table
MIXED_CROP_PAD_PX = 8               # paper kept around an image region handed to the scan reader
# A glyph-less ruled table is OCR'd only where the PDF draws something there besides its rulings
# (service/mixed.drawn_content): an image, a path with a curve or a slanted segment, or a filled
# axis-aligned shape of glyph size (thicker than a ruling, no larger than a glyph).
MIXED_RULING_MAX_THICK_PT = 2.0     # a filled shape thinner than this (points) is a ruling, not a glyph
MIXED_GLYPH_MAX_PT = 30.0           # … and one longer than this is a cell, its shading or a ruling
MIXED_AXIS_TOLERANCE_PT = 0.01      # a segment moving less than this along x or y is axis-aligned
REG_VERTICAL_MATCH_PX = 12          # a band's vertical ruling this close to a value-column bound counts as it
GRID_MERGE_TOLERANCE_PX = 6         # rulings closer than this are one line
GRID_MIN_BAND_HEIGHT_PX = 14        # thinner strips are double lines, not rows
GRID_MIN_CELL_WIDTH_PX = 40         # narrower strips (5 mm) are double lines or a crease beside a ruling, not cells
GRID_MIN_RULINGS = 3                # fewer horizontal rulings: treat the table as borderless
GRID_SPAN_SLACK_PX = 16             # a table's last line may sit this far under the next heading's (OCR) box top
GRID_VERTICAL_CROSS_SLACK_PX = 3.0  # a vertical ruling ending this close to a band's middle still crosses it
T2_MIN_LABEL_SIMILARITY = 0.75      # t2 labels are short and alike (行政许可/行政处罚): anchors need a close match
T3_LABEL_GAP_PX = 4.0               # label tokens end at least this far left of the first value column
DISAGREEMENT_CONFIDENCE = 0.5       # confidence given to a reading another engine contradicts
REPAIRED_CONFIDENCE = 0.6           # confidence of a reading with letters taken for digits

# --- Ink: coloured ink, non-table lines, blank vs ink (service/scan/colour.py, lines.py, cells.py) ---
# Pixel values at OCR_RENDER_DPI (200 dpi); chroma/grey in 0–255; hue in OpenCV units (degrees / 2).
SCAN_COLOUR_MIN_CHROMA = 30       # max(R,G,B) − min(R,G,B) at least this … (JPEG noise on black print is below)
SCAN_COLOUR_MIN_SATURATION = 0.2  # … and chroma / max(R,G,B) at least this: the pixel is coloured ink
SCAN_COLOUR_RED_HUE = (150, 15)   # red family: hue ≥ first or ≤ second (seals)
SCAN_COLOUR_BLUE_HUE = (85, 140)  # blue family (ballpoint pens, blue-black ink)
SCAN_COLOUR_FRINGE_PX = 1         # pale non-coloured pixels this close to coloured ink are lifted to paper
SCAN_COLOUR_FRINGE_MIN_GREY = 150 # … only when lighter than this (dark print beside a stroke stays)
SCAN_RULING_END_TOLERANCE_PX = 14 # a ruling's end must lie this close to a crossing ruling (or the table frame)
SCAN_FRAME_MIN_ENDS = 3           # a rejected line on which this many kept crossing rulings end is a table's frame
SCAN_FRAME_OVERSHOOT_PX = 6       # … a crossing ruling may overshoot it by this much (a faxed staircase)
SCAN_FRAME_MIN_CROSSING_PX = 100  # … counting crossing rulings this long, anchored at their other end
SCAN_FRAME_MIN_PARALLEL_SHARE = 0.8  # … over stretches a parallel ruling runs along this much of (table rows)
SCAN_RULING_SHORT_END_PX = 30     # … or fall this much short of it (a faxed ruling that lost its last pixels)
SCAN_STREAK_OVERRUN_PX = 40       # a line running this far beyond its table's frame is a streak/crease, not a ruling
SCAN_RULING_BREAK_BRIDGE_PX = 200 # a ruling broken along this length (fax dropout along it) is still one ruling
SCAN_REJECTED_NEAR_PX = 6         # a rejected line this close to a cell's text ink puts the cell in doubt
SCAN_REJECTED_CLEAR_GAP_PX = 1    # … lifted when it leaves this much paper to every glyph and both engines read alike
SCAN_STREAK_CONTACT_MAX_SHARE = 0.4  # … or when text touches its sides in at most this share of the text's rows
SCAN_STREAK_CROSS_MAX_RUN_PX = 8   # … or only where strokes cross it: contact runs at most this long along it,
SCAN_STREAK_CROSS_MAX_RUN_SHARE = 0.5  # … and at most this share of the text's extent along it, ink on both sides
SCAN_RELIABLE_INK_MIN_DPI = 150  # coarser captures (fax 98 dpi) or 1-bit pages: no ink is no certain blank …
FAINT_BLANK_STYLE_MIN_CELLS = 20  # … unless that table has this many inkless cells there (blanks are the report's 0)
SCAN_INK_NOISE_FLOOR_PX = 20      # pale cell ink (after specks, rulings, coloured ink) above this may be a glyph
SCAN_FAINT_INK_THRESHOLD = 0.88   # a cell without ink at SCAN_INK_THRESHOLD is re-checked at this fraction …
SCAN_FAINT_GLYPH_MIN_H_PX = 12    # … and holds ink when a mark this tall is found (a pale digit, not a blank)
SCAN_TICK_MIN_ASPECT = 0.7        # a hand tick beside a number is about as wide as tall (digits are narrower) …
SCAN_TICK_MAX_FILL = 0.3          # … sparse (ink share of its box) …
SCAN_TICK_MIN_REL_H = 0.6         # … and at least this × the digits' height
SCAN_DIGIT_MAX_ASPECT = 0.8       # a printed digit is at most this wide relative to its height
SCAN_TICK_TOP_MIN_X = 0.6         # a tick's highest ink lies right of this share of its width …
SCAN_TICK_VERTEX_MAX_X = 0.7      # … and its lowest ink (the vertex) left of this share
SCAN_TICK_STROKE_MAX_REL = 0.4    # a tick touching a digit: its columns hold one ink run ≤ this × the mark's height,
SCAN_TICK_MAX_ASPECT = 1.6        # … it is at most this × as wide as tall (a tick cut by the cell edge is lower),
SCAN_TOUCHED_DIGIT_MIN_REL_H = 0.8  # … and the digit it touches stays this × as tall as the tallest digit
SCAN_LOST_LINE_MAX_ROWS = 2       # a fax scan line lost in transmission (paper across the page): rows at most …
SCAN_LOST_LINE_MIN_CUTS = 12      # … cutting at least this many columns inked just above and below it …
SCAN_LOST_LINE_MAX_THROUGH_SHARE = 0.02  # … while at most this share of them carry ink through it
SCAN_CREASE_MAX_GAP_PX = 6        # a white line up to this wide cutting the rulings is healed (light crease, dropout) …
SCAN_CREASE_MIN_RULINGS = 4       # … when it cuts at least this many rulings …
SCAN_CREASE_ALIGN_PX = 10         # … at places lined up within this (a slightly curved fold)
SCAN_CREASE_MIN_COVER = 0.6       # … and at least this share of the rulings crossing that place
SCAN_CREASE_MAX_HALF_PX = 2       # the healed band is at most 2·this+1 px wide
SCAN_CREASE_HEAL_REACH_PX = 2     # a removed line across digits is filled from the pixels this far beside it
SCAN_RESCUE_MIN_COVER = 0.97      # a row of a rejected stroke this complete between crossing rulings is a ruling
SCAN_STREAK_MIN_PX = 600          # a rejected stroke this long may be a straight streak (fax sensor, lost scan line) …
SCAN_STREAK_MIN_THIN_SHARE = 0.3  # … when at least this share of it is as thin as its median width + 1 px …
SCAN_STREAK_MAX_RESIDUAL_PX = 1.5 # … and those thin stretches lie within this of one straight centre line …
SCAN_STREAK_MIN_STRAIGHT_SHARE = 0.8  # … for at least this share of them: its width is taken away, rulings stay
SCAN_STREAK_MIN_ALONE_PX = 40     # … its width measured where it runs alone (the margins) when this long there
SCAN_STREAK_MAX_CELL_PX = 320     # a ruling seen only inside a straight streak is judged per cell row up to this tall …
SCAN_STREAK_SIDE_PX = 60          # … it must have text within this on both sides …
SCAN_STREAK_SIDE_MIN_INK_PX = 40  # … this much of it (more than fax speckle) between two crossing rulings …
SCAN_STREAK_TOUCH_PX = 8          # … and no text closer than this (cells pad their text; letter gaps are narrower) …
SCAN_STREAK_TOUCH_MIN_PX = 6      # … (this much text that close is a glyph the streak cuts)
SCAN_STREAK_HIDDEN_REACH_PX = 30  # a ruling seen this close beyond a cell row goes on under a streak covering its line
SCAN_FADED_MAX_BREAK_PX = 720     # a ruling faded over up to this many px between two pieces of it (scan.faded) …
SCAN_FADED_CROSS_MARGIN_PX = 3    # … crossing rulings within this are no text …
SCAN_FADED_ROW_SLACK_PX = 2       # … no glyph crosses its rows ± this …
SCAN_FADED_MAX_ROW_INK_PX = 6     # … (more ink than this, fax speckle), and a cell of it has text above and below
SCAN_FADED_LOST_MIN_SHARE = 0.9   # a ruling ends short of the frame along a lost fax scan line covering this share …
SCAN_WORN_MIN_CROSSINGS = 3       # … or both its ends are free and it crosses this many rulings (worn off)

# --- Page geometry (service/scan/geometry.py, paper.py, service/ingest*.py) --------------------
# Photos, faxes, sideways and upside-down pages are made upright at OCR_RENDER_DPI before reading.
IMAGE_MIN_DPI = 50                # an image header claiming less (or more, below) is ignored
IMAGE_MAX_DPI = 1200
GEOMETRY_MAX_NATIVE_SIDE_PX = 4200  # a capture is reduced to this longer side before geometry (12 MP)
GEOMETRY_BILEVEL_BLUR_PX = 0.7   # Gaussian radius (capture pixels) that softens 1-bit pages
GEOMETRY_PLAUSIBLE_LONG_SIDE_IN = (9.5, 14.5)  # a claimed DPI is kept when the page's long side is this
GEOMETRY_PAPER_WORK_SIDE_PX = 640   # the paper is searched on a copy this long
GEOMETRY_PAPER_MIN_AREA_RATIO = 0.2  # a bright blob smaller than this share of the photo is no sheet
GEOMETRY_PAPER_MIN_MARGIN_RATIO = 0.03  # less desk than this share of the image: a scan, not a photo
GEOMETRY_PAPER_MIN_FILL = 0.9     # the quadrilateral must cover this share of the blob's hull
GEOMETRY_PAPER_APPROX_EPS = (0.02, 0.03, 0.05, 0.08)  # polygon simplification tries (× perimeter)
GEOMETRY_PAPER_FRAME_MARGIN_PX = 2  # (work copy) corners this close to the photo's edge are cut off
GEOMETRY_A4_ASPECT_TOLERANCE = 0.2  # a found sheet this close to A4's 1.414 aspect is A4 (297 mm long); keystone
                                    # alone makes the measured aspect 10–15 % off
GEOMETRY_PAPER_PRESHRINK_BELOW = 0.8  # warp target / capture below this: area-reduce first
GEOMETRY_ORIENT_DET_SCALE = 0.25  # text lines for orientation are detected on the page × this
GEOMETRY_ORIENT_INK_GREY = 160    # … within the box around its pixels darker than this (grey 0–255)
GEOMETRY_ORIENT_INK_PAD_PX = 16   # … widened by this (pixels of the reduced page)
GEOMETRY_LINE_MIN_ELONGATION = 2.0  # a detected box this many times longer than thick is a line
GEOMETRY_ORIENT_LINES = 12        # lines read both ways to tell up from down
GEOMETRY_ORIENT_CROP_MAX_RATIO = 4  # … each cut to this many × its thickness (the classifier's 48×192)
GEOMETRY_ORIENT_CROP_PAD_PX = 4
GEOMETRY_ORIENT_MIN_LINES = 3     # fewer readable lines: orientation not sure
GEOMETRY_ORIENT_MIN_AXIS_SHARE = 0.8  # share of line length along the winning direction
GEOMETRY_ORIENT_CLS_MIN_MARGIN = 0.5  # mean P(upright) the chosen way − the other way (classifier)
GEOMETRY_ORIENT_REC_LINES = 6     # lines read both ways when the classifier is unclear
GEOMETRY_ORIENT_REC_MIN_MARGIN = 0.15  # mean rec score the chosen way − the other way
GEOMETRY_ORIENT_MIN_VOTES = 0.7   # share of lines that read better the chosen way
GEOMETRY_UNSURE_CONFIDENCE = 0.5  # tokens of a page whose orientation is not sure are capped at this


# --- Review station (branch reviewui): locks released after idle, undo, save target --------------
REVIEW_LOCK_IDLE_S = 10 * 60      # no key or click for this long: the station releases its lock
REVIEW_LOCK_RENEW_S = REVIEW_LEASE_RENEW_S  # an active station renews its lease this often (lease: REVIEW_LOCK_S)
REVIEW_UNDO_DEPTH = 20            # row repairs a reviewer can undo (Ctrl+Z), newest first
REVIEW_BASE_CACHE_DOCUMENTS = 8   # parsed documents (pages, tokens) kept in memory per process: a save parses none
REVIEW_TIME_GAP_MAX_S = 300       # per-reviewer time per cell: gaps between edits longer than this are breaks
