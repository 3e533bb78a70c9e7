"""The server's one-line error messages (``{"error": …}`` of the API) in the reader's language.

The review service raises its errors (``service.storage.errors``) and the blueprints ``abort`` with
English lines; ``shown(message)`` matches them against the templates below (the machinery of
``review_ui.reason_text``: an English msgid whose ``%(name)s`` fields stand for the f-string's) and
renders the catalogue's translation. A status parameter is translated as a document status. A
line no template matches (e.g. the request-schema problems ``$.year: … is not of type integer``,
meant for client programmers) is sent as it is.
"""

from __future__ import annotations

from review_ui.messages import N_
from review_ui.reason_text import T, Template, match

ERRORS: tuple[Template, ...] = (
    # service/storage: documents, cells, decisions, locks, images, groups, repair, undo
    T(N_("document %(id)s does not exist")),
    T(N_("document %(id)s has not been extracted yet (status %(status)s)")),
    T(N_("document %(id)s has not been extracted yet")),
    T(N_("document %(id)s has no cell %(key)s")),
    T(N_("document %(id)s has no page %(page)s")),
    T(N_("document %(id)s is %(status)s; only documents in review can change")),
    T(N_("document %(id)s is %(status)s, not decided")),
    T(N_("document %(id)s is %(status)s, not in review")),
    T(N_("document %(id)s is %(status)s; only failed documents are retried")),
    T(N_("expected_versions must name %(key)s (every cell this action changes)")),
    T(N_("%(key)s was changed by someone else (version %(version)s, you had %(seen)s)")),
    T(N_("the document changed since you saw it (version %(version)s, you saw %(seen)s): "
         "look again before approving")),
    T(N_("the document was changed by someone else (version %(version)s, you had %(seen)s)")),
    T(N_("set the agency and the year before approving (exports are keyed by them)")),
    T(N_("set the agency and the year first")),
    T(N_("%(flagged)s cells are still flagged and %(failing)s identities fail: write a reason to approve anyway")),
    T(N_("a rejection needs a reason")),
    T(N_("%(year)s is not a plausible report year")),
    T(N_("unknown report fields: %(fields)s")),
    T(N_("nothing to undo")),
    T(N_("%(user)s is reviewing this document (until %(until)s UTC)")),
    T(N_("%(user)s is reviewing this document; your edit was not saved")),
    T(N_("%(key)s has no position on the page")),
    T(N_("%(key)s lies outside page %(page)s")),
    T(N_("%(key)s is no longer in group %(group)s: reload and look again")),
    T(N_("%(action)s is not an action of group %(group)s (use %(use)s)")),
    T(N_("name the cells you confirm (cells: [{key, version}])")),
    T(N_("%(row)s is not a row (expected table.row, e.g. t3.new)")),
    T(N_("the document has no row %(row)s")),
    T(N_("direction must be left or right")),
    T(N_("%(row)s has a single column: nothing to shift")),
    T(N_("bbox must be [x0, y0, x1, y1] with x0 < x1 and y0 < y1, in pixels")),
    T(N_("the document has no cell %(key)s")),
    T(N_("the document has no page %(page)s")),
    T(N_("the target row is the row itself")),
    T(N_("a row can only be re-assigned within its table")),
    T(N_("%(row)s and %(target)s do not have the same columns")),
    T(N_("batch %(id)s does not exist")),
    T(N_("file is over the %(mb)s MB limit")),
    T(N_("rate must lie in [0, 1] and minimum must be ≥ 0")),
    # service/storage/codec.py parse_user_number
    T(N_("%(raw)s is not a number")),
    T(N_("%(key)s takes a whole number, not %(raw)s")),
    # review_ui/blueprints (abort)
    T(N_("expected a JSON object")),
    T(N_("%(name)s is required")),
    T(N_("%(name)s must be an integer")),
    T(N_("send the files in the multipart field 'files'")),
    T(N_("at most %(n)s files per request")),
    T(N_("no file was accepted")),
    T(N_("cells must be a non-empty list of {key, version}")),
    T(N_("each cell needs a key and its version")),
    T(N_("expected_versions must map every affected key to the version you read")),
    T(N_("expected_versions must map keys to integers")),
    T(N_("bbox must be a list [x0, y0, x1, y1]")),
    T(N_("bbox must hold four numbers")),
    T(N_("choose one of the agencies or a new one")),
    T(N_("only an admin may export into a database")),
)


def shown(message: str) -> str:
    """``message`` (an error line as raised) in the language of the request; as it is when unknown."""
    found = match(message, ERRORS)
    return found[0].render(found[1]) if found else message
