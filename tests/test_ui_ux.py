"""The review-station extras in a real headless Chromium, keyboard only: Alt+G shows the group of
doubtful "0" readings as a grid of crops and Enter confirms it; Alt+. shifts the current cell's
row one column right and Enter applies it. Skipped when chromium/chromedriver/selenium are missing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import require
from test_ui import CHROMIUM, DRIVER, WAIT_S, _extracted_document, browser, live_server  # noqa: F401
from uxfactory import SHIFTED_ROW, T3_COLS, ZERO_GROUP, store_ux_document

from service.review.review import cell_history, load_document


@pytest.fixture(autouse=True)
def _needs_a_browser() -> None:
    require(CHROMIUM and DRIVER, "chromium/chromedriver not installed")



def _alt(driver: Any, key: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    ActionChains(driver).key_down(Keys.ALT).send_keys(key).key_up(Keys.ALT).perform()


def test_keyboard_group_confirmation_and_row_shift(app: Any, storage: Any, reviewer: dict[str, Any],
                                                   browser: Any, live_server: str,  # noqa: F811
                                                   tmp_path: Path) -> None:
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    # the login and each save reload or re-render the page: an element read mid-swap is stale, retry
    wait = WebDriverWait(browser, WAIT_S, ignored_exceptions=(StaleElementReferenceException,))
    doc_id = _extracted_document(app, storage, tmp_path)
    store_ux_document(storage, doc_id)

    browser.get(live_server + f"/documents/{doc_id}")
    wait.until(ec.presence_of_element_located((By.ID, "username"))).send_keys(reviewer["username"])
    browser.find_element(By.ID, "password").send_keys(reviewer["password"] + Keys.ENTER)
    wait.until(lambda d: d.switch_to.active_element.get_attribute("id") == "value")

    _alt(browser, "g")                                               # the biggest group: three doubtful "0"
    wait.until(lambda d: d.find_element(By.ID, "ux-panel").is_displayed())
    crops = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#ux-grid figure img"))
    assert len(crops) == len(ZERO_GROUP)
    assert wait.until(lambda d: d.execute_script(
        "return Array.from(document.querySelectorAll('#ux-grid img')).every(i => i.naturalWidth > 0)"))
    assert browser.switch_to.active_element.get_attribute("id") == "ux-accept"
    browser.switch_to.active_element.send_keys(Keys.ENTER)          # one keystroke confirms the group
    wait.until(lambda d: "已成组确认：3 个单元格" in d.find_element(By.ID, "message").text)
    assert browser.switch_to.active_element.get_attribute("id") == "ux-null"   # next: the printed blanks
    browser.switch_to.active_element.send_keys(Keys.ESCAPE)
    wait.until(lambda d: not d.find_element(By.ID, "ux-panel").is_displayed())
    for key in ZERO_GROUP:
        assert cell_history(storage, doc_id, key)[0]["reason"].startswith("group confirmed")

    value = browser.switch_to.active_element                         # Tab to a cell of the shifted row
    for _ in range(12):
        if f"({SHIFTED_ROW}." in browser.find_element(By.ID, "cell-title").text:
            break
        value.send_keys(Keys.TAB)
        value = browser.switch_to.active_element
    assert f"({SHIFTED_ROW}." in browser.find_element(By.ID, "cell-title").text
    _alt(browser, ".")                                               # preview the shift right …
    wait.until(lambda d: d.switch_to.active_element.get_attribute("id") == "ux-apply")
    assert browser.find_elements(By.CSS_SELECTOR, "#ux-preview td.changed")
    browser.switch_to.active_element.send_keys(Keys.ENTER)          # … Enter applies it
    wait.until(lambda d: "已修正整行：7 个单元格" in d.find_element(By.ID, "message").text)
    doc = load_document(storage, doc_id)
    assert [doc.cells[f"{SHIFTED_ROW}.{c}"].value for c in T3_COLS] == [None, 2, 3, 4, 5, 6, 37]
    assert not [e for e in browser.get_log("browser") if "Content Security Policy" in e["message"]
                or (e["level"] == "SEVERE" and e.get("source") == "javascript")]
