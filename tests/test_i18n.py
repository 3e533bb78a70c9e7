"""The web app speaks Simplified Chinese by default and English on request: the catalogue is
complete and its committed .mo matches the .po; rule names are generated from the identity data;
English plurals are right; the language switch is a cookie."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from service.formats import IDENTITIES
from service.rule_names import rule_title, rule_titles

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "review_ui" / "translations" / "zh" / "LC_MESSAGES"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "Nn_": (1, 2)}


def _po() -> Any:
    with (CATALOGUE / "messages.po").open("rb") as fh:
        return read_po(fh, locale="zh")


def _key(message_id: Any) -> Any:
    return tuple(message_id) if isinstance(message_id, (list, tuple)) else message_id


def _strings(catalog: Any) -> dict[Any, Any]:
    return {_key(m.id): _key(m.string) for m in catalog if m.id and not m.fuzzy}


def test_every_message_of_the_ui_has_a_chinese_translation() -> None:
    found = {_key(m[2]) for m in extract_from_dir(str(ROOT / "review_ui"), [("templates/**.html", "jinja2"),
                                                                         ("**.py", "python")], keywords=KEYWORDS)}
    found |= {_key(m[2]) for m in extract_from_dir(str(ROOT / "service"), [("rule_names.py", "python"),
                                                                          ("**", "ignore")], keywords=KEYWORDS)}
    po = {_key(m.id): m.string for m in _po() if m.id}
    missing = sorted(str(k) for k in found if k not in po or not any(po[k] if isinstance(po[k], tuple) else [po[k]]))
    assert not missing, f"run scripts/i18n and translate: {missing[:10]}"
    assert len(found) > 150


def test_committed_mo_matches_the_po() -> None:
    with (CATALOGUE / "messages.mo").open("rb") as fh:
        mo = _strings(read_mo(fh))
    assert mo == _strings(_po()), "the .mo is stale: run `bash scripts/i18n compile`"


def test_rule_names_as_people_say_them(app: Any) -> None:
    from flask_babel import force_locale, gettext

    balance = next(i for i in IDENTITIES if i.family == "t3_balance" and i.lhs[0] == "t3.new.natural_person")
    with app.test_request_context("/"):
        with force_locale("zh"):
            names = rule_titles(gettext)
        with force_locale("en"):
            english = rule_titles(gettext)
    assert names[balance.name] == "表三（自然人）：第一项加第二项之和等于第三项加第四项之和"
    assert english[balance.name] == rule_title(balance) == (
        "Table 3 (natural persons): item 1 plus item 2 equals item 3 plus item 4")
    assert len(set(names.values())) == len(IDENTITIES) == 42           # every rule has its own name
    row = next(i for i in IDENTITIES if i.family == "t3_row")
    assert names[row.name] == "表三「一、本年新收政府信息公开申请数量」：总计等于各类申请人之和"


def _catalogue(page: str) -> dict[str, Any]:
    block = re.search(r"<body data-i18n='([^']*)'>", page)
    assert block, "the page embeds its strings for the scripts"
    return json.loads(html.unescape(block.group(1)))


def test_chinese_by_default_english_by_choice(client: Any, reviewer: dict[str, Any], login: Any) -> None:
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="zh-Hans">' in page and "登录" in page and "Log in<" not in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    switched = client.post("/language", data={"lang": "en", "next": "/login", "csrf_token": token})
    assert switched.status_code == 302 and "gouji_lang=en" in switched.headers["Set-Cookie"]
    english = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in english and ">Log in</h1>" in english
    login(client, reviewer)
    queue = client.get("/").get_data(as_text=True)
    assert "Waiting for review" in queue
    plurals = _catalogue(queue)["plurals"]["broken_rules"]
    assert plurals == ["%(n)s broken rule", "%(n)s broken rules"]        # 1 broken rule, 2 broken rules
    client.post("/language", data={"lang": "zh", "next": "/"}, headers={"X-CSRF-Token": _token(client)})
    chinese = client.get("/").get_data(as_text=True)
    assert "待审核" in chinese and "Waiting for review" not in chinese
    catalogue = _catalogue(chinese)
    assert catalogue["plurals"]["broken_rules"] == ["%(n)s 条勾稽关系不成立"] * 2
    assert catalogue["doc_status"]["approved"] == "已批准"
    assert catalogue["rules"][IDENTITIES[0].name].startswith("表三「")


def _token(client: Any) -> str:
    return str(client.get("/api/session").get_json()["csrf_token"])


def test_no_english_strings_written_in_the_scripts() -> None:
    """User-facing text in the scripts goes through Gouji.t/tn/name (the catalogue), never literals
    assigned to textContent or passed to show()."""
    for script in (ROOT / "review_ui" / "static").glob("*.js"):
        text = script.read_text(encoding="utf-8")
        literal = re.findall(r'(?:textContent\s*=|show\()\s*"[A-Za-z][^"]*"', text)
        assert not literal, (script.name, literal)
