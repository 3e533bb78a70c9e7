"""The cells' reasons and the server's error messages in the reader's language (display time only).

The document model keeps its reasons as the English lines ``service/`` writes (they are the
contract's ``reasons``, unchanged). This module is the one place that knows their templates: each
``Template`` is an English msgid with ``%(name)s`` placeholders (marked ``N_``/``Nn_`` for
``scripts/i18n``) that matches the stored line exactly, so ``shown(line)`` can parse it back into
its parameters and render the catalogue's translation. Parameters are rendered by name
(``PARAMS``): nested reasons, rule names, column and row names, the violation message are
translated themselves; numbers and printed text stay as they are. A line no template matches is
shown as it is (``tests/test_reason_text.py`` runs the pipeline's reasons through the table, so a
new English reason without a template fails there).

Plural templates (``Nn_``) match either English form and render with ``ngettext`` on their count,
so English reads "1 sum" / "2 sums" whatever the stored line says.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from flask_babel import gettext, ngettext

from review_ui import messages
from review_ui.messages import N_, Nn_
from service.formats import IDENTITIES, T3_ROWS
from service.review.views import review_payload
from service.rule_names import COLUMN_NAMES, rule_title

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@dataclass(frozen=True)
class Template:
    """One English line (``one``; ``many`` its plural, counted by ``count``)."""

    one: str
    many: str | None = None
    count: str = "n"
    legacy: tuple[str, ...] = ()    # other English forms stored lines have (e.g. "row(s)")

    @property
    def patterns(self) -> list[re.Pattern[str]]:
        return _patterns((self.one, self.many or "", *self.legacy))

    def render(self, params: dict[str, str]) -> str:
        shown = {name: render_param(name, value) for name, value in params.items()}
        if self.many is None:
            return gettext(self.one, **shown)
        return ngettext(self.one, self.many, _count(params.get(self.count, "")), **shown)


def _count(value: str) -> int:
    """The plural's count: a number, or the length of a ", " list (row keys)."""
    return int(value) if value.isdigit() else len(value.split(", "))


@cache
def _patterns(forms: tuple[str, ...]) -> list[re.Pattern[str]]:
    return [_compile(form) for form in forms if form]


# A field whose values may hold the separators around it (rule names hold ": ") matches only them.
_NUMBER = r"-?[\d.]+|∅|None"
_FIELD = {"rule": "|".join(re.escape(i.name) for i in sorted(IDENTITIES, key=lambda i: -len(i.name))),
          **{name: _NUMBER for name in ("n", "confidence", "page", "found", "expected", "value", "id", "version",
                                        "seen", "flagged", "failing", "mb")}}


def _compile(form: str) -> re.Pattern[str]:
    out, at = [], 0
    for m in _PLACEHOLDER.finditer(form):
        out.append(re.escape(form[at:m.start()]))
        out.append(f"(?P<{m.group(1)}>{_FIELD.get(m.group(1), '.*?')})")
        at = m.end()
    out.append(re.escape(form[at:]))
    return re.compile("".join(out).replace("%%", "%"), re.DOTALL)


def T(one: str) -> Template:  # noqa: N802
    return Template(one)


def TP(forms: tuple[str, str], count: str = "n", legacy: tuple[str, ...] = ()) -> Template:  # noqa: N802
    return Template(forms[0], forms[1], count, legacy)


# The reasons ``service/`` writes on cells, by where they are written. Keep each template equal to
# its source line (the placeholders stand for the f-string's fields).
REASONS: tuple[Template, ...] = (
    # service/tables/reading.py, service/mapping.py, service/scan/cells.py
    T(N_("ink in the cell but no text could be read")),
    T(N_("printed blank (no number): value left empty, not 0")),
    T(N_("cannot read a number in “%(text)s”")),
    T(N_("printed in 元 (%(text)s); converted to %(value)s 万元")),
    T(N_("a count printed with decimals")),
    T(N_("letters read where digits belong")),
    T(N_("OCR confidence %(confidence)s")),
    T(N_("second engine read “%(shown)s”")),
    T(N_("read only by its likeness to the digits printed on the page")),
    T(N_("read only once its strokes were closed")),
    T(N_("no printed cell found for this item")),
    T(N_("a line that is not a table ruling (streak, crease) crosses the text")),
    T(N_("a fax scan line lost in transmission crosses the text")),
    # service/tables/t2.py, t3.py
    T(N_("one OCR reading only, and table 二 has no sums to check it")),
    T(N_("row “%(label)s” printed with an unexpected number of value cells: a value may sit in the wrong column")),
    T(N_("row placed as “%(label)s” by its position only, next to the table's edge")),
    T(N_("row “%(label)s” printed with an unexpected number of value cells: values may sit in the wrong column")),
    T(N_("row “%(label)s” placed as “%(row)s” by its position next to the table's edge only")),
    TP(Nn_("row label “%(label)s” also names row %(rows)s: numbers may sit in the wrong row",
           "row label “%(label)s” also names rows %(rows)s: numbers may sit in the wrong row"), count="rows",
       legacy=("row label “%(label)s” also names row(s) %(rows)s: numbers may sit in the wrong row",)),
    T(N_("row label “%(label)s” only loosely matches “%(row)s”")),
    T(N_("row placed as “%(row)s” by its position only; the label cell it shares with other rows "
         "(“%(label)s”) does not confirm it")),
    T(N_("report prints the single 2019 row （六）其他处理 (%(col)s = %(shown)s); "
         "its split into the three sub-rows is unknown")),
    # service/explain.py, service/validation.py
    T(N_("row not read: no cell of this row could be read (one decision for the row)")),
    T(N_("report's own error: %(rule)s: %(message)s")),
    T(N_("breaks %(rule)s (%(found)s ≠ %(expected)s)")),
    TP(Nn_("confirmed by %(n)s sum that holds, despite: %(reasons)s",
           "confirmed by %(n)s sums that hold, despite: %(reasons)s")),
    T(N_("confirmed by %(rule)s, its other members read clearly, despite: %(reasons)s")),
    T(N_("suggested %(value)s: the value that makes %(rules)s hold")),
    T(N_("negative value: counts and fees cannot be below 0")),
    T(N_("implausible fee %(value)s 万元: printed in 元 instead of 万元?")),
    T(N_("implausible count %(value)s")),
    T(N_("narrative text says “%(text)s” (page %(page)s)")),
    # service/storage (revalidate, repair, audit)
    T(N_("broken identity: %(rule)s")),
    T(N_("engine reading: %(value)s (printed “%(text)s”, confidence %(confidence)s, %(source)s): %(reasons)s")),
    T(N_("engine reading: %(value)s (printed “%(text)s”, confidence %(confidence)s, %(source)s)")),
    T(N_("emptied by structure repair: type the printed value (or confirm it is blank)")),
    T(N_("random audit sample of auto-accepted cells: confirm or correct")),
    # service/model.py Violation.message (inside "report's own error: …")
    T(N_("printed %(found)s, the sums want %(expected)s")),
    T(N_("row not read: no cell of this row could be read")),
)

# The engine's evidence without its prefix (the station shows it beside the human decision).
EVIDENCE: tuple[Template, ...] = (
    T(N_("%(value)s (printed “%(text)s”, confidence %(confidence)s, %(source)s): %(reasons)s")),
    T(N_("%(value)s (printed “%(text)s”, confidence %(confidence)s, %(source)s)")),
)
ENGINE_PREFIX = "engine reading: "

# Words that stand alone inside a reason.
WORDS: dict[str, str] = {
    "nothing": N_("nothing"),
    "blank": N_("blank"),
    "its sums": N_("its sums"),
}


def _rule(name: str) -> str:
    identity = _identities().get(name)
    return rule_title(identity, gettext) if identity is not None else name


@cache
def _identities() -> dict[str, Any]:
    return {i.name: i for i in IDENTITIES}


_T3_ROW_LABELS = {row.key: row.labels[0] for row in T3_ROWS}


def _word(value: str) -> str:
    return gettext(WORDS[value]) if value in WORDS else value


def _joined(parts: list[str]) -> str:
    return gettext("; ").join(parts)


PARAMS: dict[str, Callable[[str], str]] = {
    "reasons": lambda v: _joined([shown(r) for r in split_reasons(v)]),
    "message": lambda v: shown(v),
    "rule": _rule,
    "rules": lambda v: _word(v) if v in WORDS else _joined([_rule(r) for r in v.split("; ")]),
    "col": lambda v: gettext(COLUMN_NAMES[v]) if v in COLUMN_NAMES else v,
    "rows": lambda v: gettext(", ").join(_T3_ROW_LABELS.get(r, r) for r in v.split(", ")),
    "shown": _word,
    "source": lambda v: gettext(messages.SOURCES[v]) if v in messages.SOURCES else v,
    "status": lambda v: gettext(messages.DOC_STATUS[v]) if v in messages.DOC_STATUS else v,
}
_ = N_("; "), N_(", ")   # the separators, translated by _joined and "rows"


def render_param(name: str, value: str) -> str:
    render = PARAMS.get(name)
    return render(value) if render else value


def match(line: str, templates: tuple[Template, ...]) -> tuple[Template, dict[str, str]] | None:
    for template in templates:
        for pattern in template.patterns:
            m = pattern.fullmatch(line)
            if m:
                return template, m.groupdict()
    return None


def known(line: str) -> bool:
    """True when some template matches ``line``."""
    return match(line, REASONS) is not None


def split_reasons(text: str) -> list[str]:
    """``a; b; c`` (reasons joined by "; ") back into the reasons; a reason that itself holds
    "; " (the old-layout line) stays whole: the shortest run of pieces that one template matches."""
    pieces, out, at = text.split("; "), [], 0
    while at < len(pieces):
        end = next((j for j in range(at + 1, len(pieces) + 1) if known("; ".join(pieces[at:j]))), at + 1)
        out.append("; ".join(pieces[at:end]))
        at = end
    return out


def shown(line: str) -> str:
    """``line`` (a reason as stored) in the language of the request; as it is when unknown."""
    found = match(line, REASONS)
    if found is None:
        return line
    return found[0].render(found[1])


def evidence_shown(line: str) -> str:
    """The engine's evidence line without its prefix, translated (``—`` handled by the caller)."""
    body = line[len(ENGINE_PREFIX):] if line.startswith(ENGINE_PREFIX) else line
    found = match(body, EVIDENCE)
    return found[0].render(found[1]) if found else body


def localize_groups(groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add ``messages_shown`` (a report error's sums, e.g. "printed 3, the sums want 2") and
    ``reasons_shown`` to every cell of ``service.review.groups`` groups."""
    for group in groups:
        for cell in group.get("cells", []):
            cell["messages_shown"] = [shown(m) for m in cell.get("messages", [])]
            cell["reasons_shown"] = [shown(r) for r in cell.get("reasons", [])]
    return groups


def shown_review_payload(storage: Any, doc_id: int) -> dict[str, Any]:
    """The review payload of document ``doc_id`` as the station shows it (``localize_payload``):
    every route that answers with the document sends this."""
    return localize_payload(review_payload(storage, doc_id))


def localize_payload(payload: dict[str, Any]) -> dict[str, Any]:
    """Add ``reasons_shown`` (aligned with ``reasons``) and ``evidence_shown`` to every cell of a
    review payload (``service.storage.views.review_payload``); the contract fields stay as they are."""
    for cell in (payload.get("cells") or {}).values():
        reasons = cell.get("reasons") or []
        cell["reasons_shown"] = [shown(r) for r in reasons]
        evidence = next((r for r in reasons if r.startswith(ENGINE_PREFIX)), None)
        cell["evidence_shown"] = evidence_shown(evidence) if evidence else None
    return payload
