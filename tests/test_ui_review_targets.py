"""Issue 8's reviewer targets, the deterministic half: a practised reviewer settles every flagged
cell in ≤ 2 keys and each report's own error in ≤ 2 keys, keyboard only, in headless Chromium
(``reviewwalk``); the document ends approved with the preset reason. The times are printed by
scripts/review_timing.py (docs/benchmark.md, "Review station"). Skips without chromium/chromedriver."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from browserkit import WAIT_S, browser, live_server, require_browser  # noqa: F401
from reviewwalk import login, press, walk
from test_groups_one_decision import _stored

from service.review.review import load_document
from service.storage.tables import DocStatus, DocumentRow

MAX_KEYS_PER_CELL = 2
MAX_KEYS_PER_REPORT_ERROR = 2


def test_keys_per_flagged_cell_and_per_report_error(app: Any, storage: Any, reviewer: dict[str, Any],
                                                    browser: Any, live_server: str,  # noqa: F811
                                                    tmp_path: Path) -> None:
    require_browser()
    doc_id = _stored(app, storage, tmp_path)
    flagged = [k for k, c in load_document(storage, doc_id).cells.items() if c.flagged]
    login(browser, live_server, doc_id, reviewer, WAIT_S)
    done = walk(browser, WAIT_S)
    keys = [len(step.keys) for step, _ in done]
    cells = [step.cells for step, _ in done]
    assert sum(cells) == len(flagged) == 9 and sum(step.report_errors for step, _ in done) == 1
    # every flagged cell settled in ≤ 2 keys (Alt+G opens both groups; the last Enter approves)
    assert sum(keys[:-1]) <= MAX_KEYS_PER_CELL * sum(cells) and keys == [1, 1, 1, 1, 1, 1]
    misread = keys[3] + keys[4]                                  # Alt+S, Enter
    report_error = keys[0] + keys[2]                # its share of Alt+G, Enter (5 cells, one decision)
    assert misread <= MAX_KEYS_PER_CELL and report_error <= MAX_KEYS_PER_REPORT_ERROR
    with storage.db.session() as s:
        row = s.get(DocumentRow, doc_id)
        assert row.status == DocStatus.APPROVED.value
        assert row.decision_reason.startswith("印刷的报告本身不平")


def _shot(driver: Any, name: str) -> None:
    """``GOUJI_SCREENSHOTS=docs`` saves the screen as docs/<name>.png."""
    import os

    folder = os.environ.get("GOUJI_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(Path(folder) / f"{name}.png"))


ENGLISH_WORD = r"(?<![A-Za-z])(?!(?:OCR|PDF)(?![A-Za-z]))[A-Za-z]{2,}"


def _reasons(driver: Any) -> list[str]:
    """The reasons column and the engine's reading of the current cell, read at one instant (the
    list is rebuilt on every render: elements found one by one may go stale)."""
    return driver.execute_script("""
        return Array.from(document.querySelectorAll('#reasons li')).map(li => li.textContent)
          .concat([document.getElementById('engine-read').textContent]);""")


def test_reasons_chinese_by_default_english_by_choice(app: Any, storage: Any, reviewer: dict[str, Any],
                                                      browser: Any, live_server: str,  # noqa: F811
                                                      tmp_path: Path) -> None:
    import re

    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    require_browser()
    doc_id = _stored(app, storage, tmp_path)
    login(browser, live_server, doc_id, reviewer, WAIT_S)
    from selenium.common.exceptions import StaleElementReferenceException

    wait = WebDriverWait(browser, WAIT_S, ignored_exceptions=(StaleElementReferenceException,))  # the page reloads
    seen: dict[str, list[str]] = {}
    for _ in range(12):                                    # Tab through the flagged cells: every reason Chinese
        key = browser.execute_script("return document.getElementById('cell-title').textContent")
        seen[key] = _reasons(browser)
        if "t4.suit_after_review.total" in key:
            browser.execute_script("window.scrollTo(0, 0)")
            wait.until(lambda d: d.execute_script("return document.getElementById('crop').naturalWidth") > 0)
            _shot(browser, "review-reasons-zh")
        press(browser, (Keys.TAB,))
    assert len(seen) >= 9
    shown = [r for reasons in seen.values() for r in reasons]
    assert any("报告本身的错误" in r for r in shown) and any("此项未找到印刷的单元格" in r for r in shown)
    assert any("不符合" in r for r in shown) and any("识别置信度" in r for r in shown)
    assert not [r for r in shown if re.search(ENGLISH_WORD, r)]

    browser.find_element(By.ID, "lang-en").click()          # the switch in the header
    wait.until(lambda d: d.find_element(By.ID, "approve").text == "Approve")
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#reasons li"))
    english = _reasons(browser)
    browser.execute_script("window.scrollTo(0, 0)")
    assert any(re.search(r"report's own error|no printed cell found|breaks|OCR confidence", r) for r in english)
    _shot(browser, "review-reasons-en")
