"""The strings the browser shows (sent as ``js_catalogue()``, see ``review_ui.i18n``) and the names
of statuses, sources, flags and actions. English msgids, marked with ``N_`` (singular) and ``Nn_``
(singular, plural) for extraction; ``%(name)s`` placeholders are filled in by ``Gouji.t``."""

from __future__ import annotations


def N_(message: str) -> str:  # noqa: N802 (gettext convention)
    return message


def Nn_(singular: str, plural: str) -> tuple[str, str]:  # noqa: N802
    return singular, plural


JS_MESSAGES: dict[str, str] = {
    # review station (review.js)
    "load_failed": N_("cannot load the document"),
    "offline": N_("the server cannot be reached: check the connection and retry"),
    "status_line": N_("status: %(status)s %(detail)s"),
    "someone": N_("someone"),
    "nothing_left": N_("Nothing left to review"),
    "blank": N_("(blank)"),
    "read_as": N_("%(value)s · confidence %(confidence)s · %(source)s · %(status)s"),
    "audit_cell": N_("audit sample: confirm or correct"),
    "all_hold": N_("all rules hold"),
    "page_of": N_("page %(page)s of %(pages)s"),
    "conflict": N_("%(error)s — now %(value)s by %(user)s. Reloaded: check and retry."),
    "conflict_plain": N_("%(error)s. Reloaded: check and retry."),
    "not_saved": N_("not saved"),
    "saved": N_("saved %(key)s = %(value)s"),
    "history_line": N_("%(at)s %(user)s: %(action)s %(old)s → %(new)s"),
    "history_title": N_("History of this cell (%(n)s)"),
    "reason_optional": N_("optional: everything holds"),
    "reason_required": N_("required: say why you approve anyway"),
    "decided": N_("%(status)s by %(user)s at %(at)s"),
    "approved": N_("approved"),
    "rejected": N_("rejected"),
    "decision_failed": N_("the decision was not recorded"),
    "reason_needed": N_("write a reason first: cells are still flagged or rules fail"),
    "info_saved": N_("report info saved"),
    "locked_by": N_("%(user)s is reviewing this document: it is open read-only"),
    # groups and structure repair (ux.js)
    "not_editable": N_("this document cannot be edited now"),
    "groups_failed": N_("cannot load groups"),
    "no_groups": N_("no groups of identical doubtful readings left"),
    "group_of": N_("%(title)s — group %(at)s of %(n)s"),
    "hint_blank": N_("Enter: confirm blank as empty (null) · Set all to 0 is the other button · N next · Esc close"),
    "hint_reading": N_("Look at every crop. Enter: confirm all as read · N next group · Esc close"),
    "not_confirmed": N_("not confirmed"),
    "hint_not_printed": N_("No printed cell was found for these items: this layout does not print them. "
                           "Enter: confirm all as not printed · N next group · Esc close"),
    "hint_report_error": N_("The readings are clear and the printed report itself does not add up. "
                            "Enter: keep all as printed (the report's own error) · N next group · Esc close"),
    "not_printed": N_("not printed"),
    "rule_separator": N_("; "),
    "preset_report_error": N_("the printed report itself does not add up (its own error, kept as printed): %(rules)s"),
    "shift_title": N_("Shift %(row)s one column %(direction)s"),
    "left": N_("left"),
    "right": N_("right"),
    "shift_hint": N_("Enter applies (one action, Ctrl+Z undoes it) · Esc cancels"),
    "now": N_("now"),
    "after": N_("after"),
    "move_title": N_("Re-assign the readings of %(row)s to another row (the two rows swap)"),
    "move_hint": N_("↑/↓ choose the row · Enter applies · Esc cancels"),
    "not_applied": N_("not applied"),
    "undone": N_("undone: %(what)s"),
    "nothing_to_undo": N_("nothing to undo"),
    "twins": N_("The same agency and year is also in: %(list)s."),
    "twin_item": N_("#%(id)s %(file)s (%(status)s)"),
    "is_current": N_("This document is the current report of its agency and year."),
    "other_current": N_("Another document is the current report of this agency and year."),
    "no_current": N_("No document is chosen as the current report yet."),
    "made_current": N_("this document is now the current report of %(agency)s %(year)s"),
    # queue and batch pages (queue.js, audit.js)
    "already_in_archive": N_("%(file)s: already in the archive as #%(ids)s"),
    "open_batch": N_("open the batch"),
    "choose_files": N_("choose files first"),
    "batch_not_created": N_("could not create the batch"),
    "default_batch": N_("batch"),
    "uploading": N_("uploading…"),
    "upload_failed": N_("upload failed"),
    "upload_refused": N_("%(file)s: refused (%(reason)s)"),
    "exporting": N_("exporting…"),
    "export_failed": N_("export failed"),
    "retry_failed": N_("retry failed"),
    "audit_none": N_("audit: no sample drawn yet"),
    "audit_unchecked": N_("audit: 0 of %(sampled)s sampled cells checked yet"),
    "audit_figure": N_("audit: %(checked)s checked, %(corrected)s corrected → estimated residual error rate "
                       "%(rate)s %% (95 %% upper bound %(upper)s %%; %(left)s still to check)"),
    "audit_drawn": N_("(%(sampled)s cells sampled in %(documents)s documents)"),
    "not_drawn": N_("not drawn"),
}

JS_PLURALS: dict[str, tuple[str, str]] = {
    "broken_rules": Nn_("%(n)s broken rule", "%(n)s broken rules"),
    "group_confirmed": Nn_("group confirmed: %(n)s cell", "group confirmed: %(n)s cells"),
    "row_repaired": Nn_("row repaired: %(n)s cell changed, rules re-checked",
                        "row repaired: %(n)s cells changed, rules re-checked"),
    "blank_group": Nn_("%(n)s printed blank", "%(n)s printed blanks"),
    "not_printed_group": Nn_("%(n)s cell not printed in this layout", "%(n)s cells not printed in this layout"),
    "report_error_group": Nn_("%(n)s cell of the report's own error: %(rules)s",
                              "%(n)s cells of the report's own error: %(rules)s"),
    "reading_group": Nn_("%(n)s cell read as “%(value)s” with doubt", "%(n)s cells read as “%(value)s” with doubt"),
    "exported": Nn_("%(n)s document exported, %(rows)s rows:", "%(n)s documents exported, %(rows)s rows:"),
}

DOC_STATUS: dict[str, str] = {
    "queued": N_("queued"), "processing": N_("processing"), "error": N_("error"),
    "review": N_("in review"), "approved": N_("approved"), "rejected": N_("rejected"),
}
CELL_STATUS: dict[str, str] = {
    "ok": N_("ok"), "flagged": N_("flagged"), "accepted": N_("accepted"), "corrected": N_("corrected"),
}
SOURCES: dict[str, str] = {"pdf_text": N_("PDF text layer"), "ocr": N_("OCR"), "human": N_("reviewer")}
ACTIONS: dict[str, str] = {"correct": N_("corrected"), "accept": N_("accepted")}
FLAGS: dict[str, str] = {
    "blank": N_("printed blank"),
    "missing": N_("no printed cell"),
    "unparsable": N_("unreadable"),
    "low_confidence": N_("low OCR confidence"),
    "engine_disagreement": N_("the OCR engines disagree"),
    "broken_identity": N_("breaks a rule"),
    "negative": N_("negative value"),
    "not_integer": N_("not a whole number"),
    "implausible": N_("implausible value"),
    "narrative_mismatch": N_("the report text quotes another total"),
    "old_layout": N_("old layout: single （六）其他处理 row"),
    "uncertain_row": N_("row label uncertain"),
    "unit_converted": N_("unit converted"),
    "note_in_cell": N_("a note in the cell"),
    "placement_doubt": N_("position in the table in doubt"),
    "printed_blank": N_("printed blank, rules hold"),
    "row_not_read": N_("row not read"),
    "report_error": N_("the report's own error"),
}
