"""What the review station adds up: each identity checked for a document, with its member keys
per side and the constant part of each side (the old layout's single （六）其他处理 row stands for
the three sub-rows of the results sum; its value is not one of the 200 cells).

Nothing here restates a rule: ``service.validation.check_identities`` decides which identities
apply to the document (the sub-row identities are skipped for the old layout) and whether they
hold; the constants are ``validation.identity_sides`` evaluated with every cell empty (the sums are
linear, so that is exactly the part that does not come from the cells). The browser
(``review_ui/static/sums.js``) only adds the live cell values to these terms.
"""

from __future__ import annotations

from decimal import Decimal

from service.formats import IDENTITIES
from service.model import Document, Frozen
from service.validation import check_identities, identity_sides


class IdentityTerms(Frozen):
    """``sum(lhs) + lhs_constant == sum(rhs) + rhs_constant``; ``holds`` as the server checked it."""

    name: str
    family: str
    lhs: tuple[str, ...]
    rhs: tuple[str, ...]
    lhs_constant: Decimal = Decimal(0)
    rhs_constant: Decimal = Decimal(0)
    holds: bool


def identity_terms(doc: Document) -> list[IdentityTerms]:
    """The identities that apply to ``doc``, in the order of ``formats.IDENTITIES``."""
    broken, holding = check_identities(doc.cells, doc.old_other_row)
    broken_rules = {v.rule for v in broken}
    out = []
    for identity in IDENTITIES:
        if identity not in holding and identity.name not in broken_rules:
            continue                                    # does not apply to this layout
        lhs_constant, rhs_constant = identity_sides(identity, {}, doc.old_other_row)
        out.append(IdentityTerms(name=identity.name, family=identity.family, lhs=identity.lhs, rhs=identity.rhs,
                                 lhs_constant=lhs_constant, rhs_constant=rhs_constant,
                                 holds=identity in holding))
    return out


def terms_json(terms: IdentityTerms) -> dict[str, object]:
    """JSON for the browser: numbers as strings (exact decimals)."""
    return {"name": terms.name, "family": terms.family, "lhs": list(terms.lhs), "rhs": list(terms.rhs),
            "lhs_constant": str(terms.lhs_constant), "rhs_constant": str(terms.rhs_constant),
            "holds": terms.holds}
