"""The review station in a real headless Chromium: log in, open the flagged document from the queue,
correct the misread cell with the keyboard only, approve, export, and find the value in the export.
Skipped only when chromium/chromedriver (Debian packages) or selenium are not installed."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from browserkit import CHROMIUM, DRIVER, WAIT_S, browser, live_server, require_browser  # noqa: F401
from docfactory import MISREAD_KEY, TRUE_VALUE
from uxfactory import extracted_upload


@pytest.fixture(autouse=True)
def _needs_a_browser() -> None:
    require_browser()


def _extracted_document(app: Any, storage: Any, tmp_path: Path) -> int:
    return extracted_upload(app, storage, tmp_path / "flagged.png", "browser")


def test_keyboard_review_approve_and_export(app: Any, storage: Any, reviewer: dict[str, Any], browser: Any,  # noqa: F811
                                            live_server: str, tmp_path: Path) -> None:  # noqa: F811
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    # the login and each save reload or re-render the page: an element read mid-swap is stale, retry
    wait = WebDriverWait(browser, WAIT_S, ignored_exceptions=(StaleElementReferenceException,))
    doc_id = _extracted_document(app, storage, tmp_path)

    browser.get(live_server + "/")                                   # → redirected to the login page
    wait.until(ec.presence_of_element_located((By.ID, "username"))).send_keys(reviewer["username"])
    browser.find_element(By.ID, "password").send_keys(reviewer["password"] + Keys.ENTER)
    wait.until(ec.presence_of_element_located((By.ID, "queue")))
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.ENTER)  # Enter opens the first document
    wait.until(ec.url_contains(f"/documents/{doc_id}"))

    value = wait.until(lambda d: _focused_value(d, "19"))
    assert browser.find_element(By.ID, "pending-count").text == "1"
    assert browser.find_elements(By.CSS_SELECTOR, "#identities tr.broken")
    assert wait.until(lambda d: d.execute_script("return document.getElementById('crop').naturalWidth") > 0)
    assert wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#overlay .box.flagged.current"))  # after the page
    value.send_keys(str(TRUE_VALUE))                                 # typed over the selected value …
    assert not browser.find_elements(By.CSS_SELECTOR, "#identities tr.broken")   # … sums turn green live
    value.send_keys(Keys.ENTER)                                      # Enter saves and moves on
    wait.until(lambda d: d.find_element(By.ID, "pending-count").text == "0")
    assert "勾稽关系全部成立" in browser.find_element(By.ID, "violation-count").text   # Chinese by default
    approve = wait.until(lambda d: d.switch_to.active_element if
                         d.switch_to.active_element.get_attribute("id") == "approve" else None)
    approve.send_keys(Keys.ENTER)                                    # focus went to Approve: Enter approves
    wait.until(lambda d: d.find_element(By.ID, "doc-status").text == "已批准")
    assert "alice 于" in browser.find_element(By.ID, "decided").text

    browser.get(live_server + "/")
    browser.find_element(By.ID, "export-button").click()
    link = wait.until(ec.presence_of_element_located((By.ID, "export-link")))
    rows = list(csv.DictReader((storage.settings.exports_dir / link.text).open(encoding="utf-8")))
    cell = next(r for r in rows if r["key"] == MISREAD_KEY)
    assert (cell["value"], cell["edited"], cell["reviewer"]) == (str(TRUE_VALUE), "true", "alice")
    assert not [e for e in browser.get_log("browser") if "Content Security Policy" in e["message"]]


def _focused_value(driver: Any, expected: str) -> Any:
    element = driver.switch_to.active_element
    if element.get_attribute("id") == "value" and element.get_attribute("value") == expected:
        return element
    return None
