"""The typed, versioned document model every pipeline stage reads and returns.

Coordinates: every ``BBox`` is ``(x0, y0, x1, y1)`` in pixels of the page rendered at the
document's working DPI (``Document.dpi``, default ``settings.WORKING_DPI``), origin top-left,
y growing downwards. Pages are 1-based everywhere.

Models are frozen pydantic models; a stage returns a new ``Document`` via ``model_copy(update=…)``.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from service.formats import ReportFormat

SCHEMA = "gouji.report/1"
MODEL_VERSION = 1

BBox = tuple[float, float, float, float]


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Source(StrEnum):
    """Where a cell's value came from."""

    PDF_TEXT = "pdf_text"
    OCR = "ocr"
    HUMAN = "human"


class DocumentKind(StrEnum):
    DIGITAL = "digital"
    SCANNED = "scanned"
    MIXED = "mixed"


class PageMode(StrEnum):
    """How one page is read: its own text layer, or OCR of its image."""

    TEXT = "text"
    OCR = "ocr"
    MIXED = "mixed"  # text layer for the prose, OCR for embedded table images (service/mixed.py)


class Token(Frozen):
    """A piece of text on a page: a PDF word, or one OCR reading of a cell/line crop.

    ``alt_text`` is a second engine's reading of the same crop (numbers only), ``None`` when no
    second reading was made. ``confidence`` is in [0, 1]; text-layer tokens get 1.0.
    """

    text: str
    bbox: BBox
    confidence: float = 1.0
    alt_text: str | None = None
    source: Source = Source.PDF_TEXT
    # why strokes of the reading may be hidden: a non-table line (streak, crease, lost fax scan
    # line) crosses the glyphs (→ Flag.LOW_CONFIDENCE, a reading doubt its sums may clear), "" if none
    doubt: str = ""
    placement: str = ""  # why the token's place in the grid is in doubt (→ Flag.PLACEMENT_DOUBT), "" if none
    derived: str = ""  # how a reading no engine gave plainly was made (→ its LOW_CONFIDENCE reason), "" if none
    # the digit the glyph clearly resembles among the page's digits both engines read well
    # (scan.glyphs), "" when it was not compared or resembles none clearly
    resembles: str = ""


class Ruling(Frozen):
    """A horizontal or vertical table line, in working-DPI pixels. ``x0 == x1`` for vertical."""

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def vertical(self) -> bool:
        return abs(self.x1 - self.x0) < abs(self.y1 - self.y0)


class PageGeometry(Frozen):
    """How a page image was made upright at the OCR DPI before reading (service/scan/geometry.py).

    Applied in this order to the page as ``SourceFile.render_native`` gives it: ``paper`` — the
    paper's corners (top-left, top-right, bottom-right, bottom-left, pixels of that rendering)
    warped to a ``size`` (width, height in pixels at the OCR DPI) rectangle, or, without
    ``paper``, a plain resize to ``size``; then ``quarter_turns`` counter-clockwise turns (as
    ``numpy.rot90``). ``dpi`` is the content's resolution found (dots per inch).
    ``orientation_sure`` is False when the reading direction could not be decided: the page's
    cells are then flagged.
    """

    paper: tuple[tuple[float, float], ...] | None = None
    size: tuple[int, int] | None = None
    dpi: float = 0.0
    quarter_turns: int = 0
    orientation_sure: bool = True


class Page(Frozen):
    """One page after reading: its tokens and table rulings. ``number`` is 1-based."""

    number: int
    width: float
    height: float
    mode: PageMode
    tokens: tuple[Token, ...] = ()
    rulings: tuple[Ruling, ...] = ()
    skew_degrees: float = 0.0
    note: str = ""
    geometry: PageGeometry | None = None  # scanned pages: how the image was made upright
    # False for a page captured as 1-bit or coarser than SCAN_RELIABLE_INK_MIN_DPI (a fax): a lone
    # "0" can vanish in its dropouts, so a cell without ink there is no *certain* printed blank.
    ink_reliable: bool = True


class Flag(StrEnum):
    """Why a cell needs a person (the text of ``Cell.reasons`` is built from these)."""

    BLANK = "blank"
    MISSING = "missing"
    UNPARSABLE = "unparsable"
    LOW_CONFIDENCE = "low_confidence"
    ENGINE_DISAGREEMENT = "engine_disagreement"
    BROKEN_IDENTITY = "broken_identity"
    NEGATIVE = "negative"
    NOT_INTEGER = "not_integer"
    IMPLAUSIBLE = "implausible"
    NARRATIVE_MISMATCH = "narrative_mismatch"
    OLD_LAYOUT = "old_layout"
    UNCERTAIN_ROW = "uncertain_row"
    PLACEMENT_DOUBT = "placement_doubt"  # grid position in doubt (registration, cell spanning rows): no sum clears it
    UNIT_CONVERTED = "unit_converted"
    NOTE_IN_CELL = "note_in_cell"
    # Added by validation (issue 8): a noted certain blank, a row no cell of which was read,
    # a member of an identity the report itself breaks with clear readings.
    PRINTED_BLANK = "printed_blank"
    ROW_NOT_READ = "row_not_read"
    REPORT_ERROR = "report_error"


# Flags that are *noted* (shown, exported, kept in ``reasons``) but need no person: a cell that
# carries only these is not flagged. A certain printed blank whose identities hold is one.
NOTED_FLAGS = frozenset({Flag.PRINTED_BLANK})


class BlankAs(StrEnum):
    """How an export writes a printed blank: empty/``null`` (default) or ``0``."""

    NULL = "null"
    ZERO = "zero"


class Cell(Frozen):
    """One canonical cell. ``value`` is ``None`` when blank or unreadable (never silently 0).

    ``text`` is the printed text as read; ``suggestion`` a value that would make the broken
    identities hold (never applied automatically).
    """

    key: str
    text: str = ""
    value: int | Decimal | None = None
    confidence: float = 0.0
    page: int | None = None
    bbox: BBox | None = None
    source: Source = Source.PDF_TEXT
    flags: tuple[Flag, ...] = ()
    reasons: tuple[str, ...] = ()
    suggestion: int | Decimal | None = None

    @property
    def flagged(self) -> bool:
        """True when a person must look: some flag is not merely noted."""
        return any(f not in NOTED_FLAGS for f in self.flags)

    @property
    def noted(self) -> tuple[Flag, ...]:
        """The flags that are only noted (e.g. ``printed_blank``)."""
        return tuple(f for f in self.flags if f in NOTED_FLAGS)

    @property
    def is_blank(self) -> bool:
        """A printed blank (noted or still doubtful) or a cell a person confirmed empty: ``value``
        is None and nothing but blank flags remain (an unread cell is not a blank)."""
        return self.value is None and set(self.flags) <= {Flag.BLANK, Flag.PRINTED_BLANK}

    def with_flag(self, flag: Flag, reason: str) -> Cell:
        if reason in self.reasons and flag in self.flags:
            return self
        flags = self.flags if flag in self.flags else (*self.flags, flag)
        reasons = self.reasons if reason in self.reasons else (*self.reasons, reason)
        return self.model_copy(update={"flags": flags, "reasons": reasons})


class ViolationKind(StrEnum):
    """What a violation is, for the reviewer.

    ``identity``: a broken identity with doubtful or unread members (they explain it);
    ``report_error``: a broken identity whose members are all clear readings — the report's own
    error, one decision, never an overwrite suggestion; ``missing_row``: no cell of an expected
    row was read (one row-level decision); ``value_rule``: negative/implausible value;
    ``narrative``: the prose quotes another total.
    """

    IDENTITY = "identity"
    REPORT_ERROR = "report_error"
    MISSING_ROW = "missing_row"
    VALUE_RULE = "value_rule"
    NARRATIVE = "narrative"
    CROSS_REPORT = "cross_report"


class Violation(Frozen):
    """A broken rule: ``expected`` and ``found`` are the two sides (None when not numeric).

    For identities ``found`` is the printed left side (e.g. a total), ``expected`` the sum of
    the right side.

    A ``cross_report`` violation names the other report (``other_document_id``, a review-database id);
    its ``cells`` are keys of this report.
    """

    rule: str
    cells: tuple[str, ...]
    expected: Decimal | None = None
    found: Decimal | None = None
    kind: ViolationKind = ViolationKind.IDENTITY
    other_document_id: int | None = None

    @property
    def message(self) -> str:
        """One line for the reviewer, e.g. "printed 12, the sums want 11"."""
        if self.kind is ViolationKind.REPORT_ERROR:
            return f"printed {self.found}, the sums want {self.expected}"
        if self.kind is ViolationKind.MISSING_ROW:
            return "row not read: no cell of this row could be read"
        if self.kind is ViolationKind.CROSS_REPORT:
            return f"{self.rule} (report #{self.other_document_id})"
        if self.expected is not None and self.found is not None:
            return f"{self.found} ≠ {self.expected}"
        return self.rule

    @property
    def difference(self) -> Decimal | None:
        if self.expected is None or self.found is None:
            return None
        return self.found - self.expected


class NarrativeTotal(Frozen):
    """A number quoted in the report's prose, e.g. 共收到政府信息公开申请18件 → t3.new.total."""

    key: str
    value: int
    text: str
    page: int


class ReportInfo(Frozen):
    agency: str | None = None
    year: int | None = None
    format: ReportFormat = ReportFormat.F2021


class TableRegion(Frozen):
    """Where one table lies: a list of (page, y_top, y_bottom) spans, in reading order."""

    table: str
    spans: tuple[tuple[int, float, float], ...]


class Document(Frozen):
    """The whole state of one input file as it moves through the pipeline."""

    model_version: int = MODEL_VERSION
    path: str
    sha256: str
    dpi: int
    page_count: int
    kind: DocumentKind | None = None
    pages: tuple[Page, ...] = ()
    regions: tuple[TableRegion, ...] = ()
    report: ReportInfo = Field(default_factory=ReportInfo)
    cells: dict[str, Cell] = Field(default_factory=dict)
    # Old layout only: the printed single （六）其他处理 row, keyed by t3 column (not a canonical key).
    old_other_row: dict[str, Cell] = Field(default_factory=dict)
    violations: tuple[Violation, ...] = ()
    narrative: tuple[NarrativeTotal, ...] = ()
    notes: tuple[str, ...] = ()
    timings: dict[str, float] = Field(default_factory=dict)

    def page(self, number: int) -> Page:
        return self.pages[number - 1]

    @property
    def needs_review(self) -> bool:
        return bool(self.violations) or any(c.flagged for c in self.cells.values())
