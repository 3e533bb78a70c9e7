"""Rule names as people say them, generated from the identity data of ``service.formats``.

``rule_title(identity, gettext)`` names one of the 42 identities, e.g. the balance of table 三 for
the 自然人 column: "表三（自然人）：第一项加第二项之和等于第三项加第四项之和" (Chinese catalogue) or
"Table 3 (natural persons): item 1 plus item 2 equals item 3 plus item 4" (English, the msgids).
Only the four sentence templates and the column/group names are messages; the row labels are the
printed labels of FORMAT.md. ``gettext`` is the caller's translation function (the web app passes
Flask-Babel's); this module imports no Flask. The strings are marked with ``N_`` for extraction.
"""

from __future__ import annotations

from collections.abc import Callable

from service.formats import IDENTITIES, T3_ROWS, Identity

Translate = Callable[[str], str]


def N_(message: str) -> str:  # noqa: N802 (the gettext convention: mark for extraction, translate later)
    return message


FAMILY_TEMPLATES: dict[str, str] = {
    "t3_row": N_("Table 3, {row}: the total equals the sum of the applicants"),
    "t3_results": N_("Table 3 ({column}): item 3 (VII) total equals the sum of (I) to (VI)"),
    "t3_balance": N_("Table 3 ({column}): item 1 plus item 2 equals item 3 plus item 4"),
    "t4": N_("Table 4 ({group}): the total equals upheld plus corrected plus other plus pending"),
}
COLUMN_NAMES: dict[str, str] = {
    "natural_person": N_("natural persons"),
    "commercial": N_("commercial enterprises"),
    "research": N_("research institutions"),
    "social_welfare": N_("social welfare organisations"),
    "legal_service": N_("legal service agencies"),
    "other": N_("other applicants"),
    "total": N_("all applicants"),
}
T4_GROUP_NAMES: dict[str, str] = {
    "review": N_("administrative reconsideration"),
    "suit_direct": N_("lawsuits without reconsideration"),
    "suit_after_review": N_("lawsuits after reconsideration"),
}
_ROW_LABELS = {row.key: row.labels[0] for row in T3_ROWS}


def _same(message: str) -> str:
    return message


def rule_title(identity: Identity, gettext: Translate = _same) -> str:
    """The spoken name of ``identity`` in the language of ``gettext`` (default: the English msgids)."""
    template = gettext(FAMILY_TEMPLATES[identity.family])
    first = identity.lhs[0].split(".")       # t3.<row>.total | t3.results_total.<col> | t4.<group>.total
    if identity.family == "t3_row":
        return template.format(row=_ROW_LABELS.get(first[1], first[1]))
    if identity.family == "t4":
        return template.format(group=gettext(T4_GROUP_NAMES.get(first[1], first[1])))
    return template.format(column=gettext(COLUMN_NAMES.get(first[2], first[2])))


def rule_titles(gettext: Translate = _same) -> dict[str, str]:
    """``{identity.name: spoken name}`` for all 42 identities."""
    return {identity.name: rule_title(identity, gettext) for identity in IDENTITIES}
