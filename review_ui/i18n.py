"""Languages of the web app (Flask-Babel): Simplified Chinese by default, English as a choice.

- the message ids are English (``_('Approve')`` in templates, ``N_`` in ``review_ui/messages.py``);
  the Chinese catalogue is ``review_ui/translations/zh/LC_MESSAGES/messages.po`` with its compiled
  ``.mo`` committed beside it (``scripts/i18n`` extracts, updates and compiles; a test keeps the
  ``.mo`` in step with the ``.po``). English needs no catalogue: it is the msgids themselves;
- the choice is the ``gouji_lang`` cookie, set by ``POST /language`` (the switch in the page
  header, also on the login page); without it the page is Chinese;
- the browser gets its strings from the server: ``base.html`` embeds ``js_catalogue()`` as JSON in
  ``<body data-i18n='…'>`` (``tojson`` escapes quotes), which ``common.js`` reads (``Gouji.t``,
  ``Gouji.tn``). Plurals are sent as the two forms ``[ngettext(…, 1), ngettext(…, 2)]``: right for
  English (one / other) and Chinese (a single form), the two languages served.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, redirect, request
from flask_babel import Babel, get_locale, get_translations, gettext

from review_ui import messages
from service.rule_names import rule_titles

DEFAULT_LOCALE = "zh"
LANGUAGES: dict[str, str] = {"zh": "中文", "en": "English"}
HTML_LANG = {"zh": "zh-Hans", "en": "en"}
COOKIE = "gouji_lang"
COOKIE_MAX_AGE_S = 365 * 24 * 3600

bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    """The reviewer's choice (cookie), else Chinese."""
    chosen = request.cookies.get(COOKIE, "")
    return chosen if chosen in LANGUAGES else DEFAULT_LOCALE


def language() -> str:
    """The language of the current request (``zh`` or ``en``)."""
    locale = get_locale()
    return locale.language if locale is not None and locale.language in LANGUAGES else DEFAULT_LOCALE


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    Babel(app, locale_selector=select_locale)
    app.register_blueprint(bp)
    app.add_template_filter(status_name)
    app.context_processor(lambda: {"js_catalogue": js_catalogue, "language": language,
                                   "html_lang": lambda: HTML_LANG[language()], "languages": LANGUAGES})


def status_name(status: str | None) -> str:
    """A document status (``review``, ``approved`` …) in the reader's language."""
    text = messages.DOC_STATUS.get(status or "")
    return gettext(text) if text else str(status or "")


def js_catalogue() -> dict[str, Any]:
    """Every string the browser shows, translated for this request (see the module docstring)."""
    plural = get_translations().ungettext      # the raw forms: Gouji.tn fills %(n)s in the browser
    return {
        "language": language(),
        "messages": {key: gettext(text) for key, text in messages.JS_MESSAGES.items()},
        "plurals": {key: [plural(one, many, 1), plural(one, many, 2)]
                    for key, (one, many) in messages.JS_PLURALS.items()},
        "doc_status": {key: gettext(text) for key, text in messages.DOC_STATUS.items()},
        "cell_status": {key: gettext(text) for key, text in messages.CELL_STATUS.items()},
        "sources": {key: gettext(text) for key, text in messages.SOURCES.items()},
        "flags": {key: gettext(text) for key, text in messages.FLAGS.items()},
        "actions": {key: gettext(text) for key, text in messages.ACTIONS.items()},
        "rules": rule_titles(gettext),
    }


@bp.post("/language")
def choose_language() -> Any:
    """Form ``lang=zh|en`` (and ``next``, a same-site path): remember the choice in a cookie."""
    chosen = request.form.get("lang", DEFAULT_LOCALE)
    target = request.form.get("next") or "/"
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        target = "/"
    response = redirect(target)
    response.set_cookie(COOKIE, chosen if chosen in LANGUAGES else DEFAULT_LOCALE, max_age=COOKIE_MAX_AGE_S,
                        samesite="Lax", httponly=True)
    return response
