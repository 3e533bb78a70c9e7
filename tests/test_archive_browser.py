"""The archive view in a real headless Chromium: the coverage matrix shows the gaps, the region search
narrows it, the rule filter narrows the issue list, and an issue across reports links to the other
report, whose review screen links back. Skipped only when chromium/chromedriver or selenium are missing."""

from __future__ import annotations

import random
from typing import Any

import pytest
from archivefactory import add_report, series_values
from browserkit import WAIT_S, browser, live_server, require_browser  # noqa: F401

from service.archive.crosscheck import RULE_CARRY_FORWARD, RULE_CARRY_OVER
from service.storage.intake import create_batch


@pytest.fixture(autouse=True)
def _needs_a_browser() -> None:
    require_browser()


def _archive(storage: Any) -> dict[str, int]:
    values = series_values(random.Random(9), 3)
    values[1]["t3.carried_over.legal_service"] += 1
    values[1]["t3.carried_over.total"] += 1
    values[1]["t3.new.legal_service"] -= 1
    values[1]["t3.new.total"] -= 1
    batch = create_batch(storage, "browser archive")
    return {
        "a21": add_report(storage, batch, "淮安市洪泽区人民政府", 2021, values[0]),
        "a22": add_report(storage, batch, "江苏省淮安市洪泽区人民政府", 2022, values[1]),
        "b21": add_report(storage, batch, "杭州市西湖区人民政府", 2021, values[0]),
        "b23": add_report(storage, batch, "杭州市西湖区人民政府", 2023, values[2]),
    }


def test_archive_view_in_the_browser(storage: Any, reviewer: dict[str, Any], browser: Any, live_server: str) -> None:  # noqa: F811
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select, WebDriverWait

    docs = _archive(storage)
    wait = WebDriverWait(browser, WAIT_S, ignored_exceptions=(StaleElementReferenceException,))  # pages reload
    browser.get(live_server + "/archive")
    wait.until(ec.presence_of_element_located((By.ID, "username"))).send_keys(reviewer["username"])
    browser.find_element(By.ID, "password").send_keys(reviewer["password"] + Keys.ENTER)
    wait.until(ec.presence_of_element_located((By.ID, "coverage")))

    states = {(row.get_attribute("data-agency"), cell.get_attribute("data-year")): cell.get_attribute("data-state")
              for row in browser.find_elements(By.CSS_SELECTOR, "#coverage tbody tr")
              for cell in row.find_elements(By.CSS_SELECTOR, "td[data-year]")}
    missing = sorted(year for (_, year), state in states.items() if state == "missing")
    assert missing == ["2022", "2023"]            # 洪泽区 2023 and 西湖区 2022
    assert browser.find_element(By.ID, "missing-count").text == "2"
    assert len(browser.find_elements(By.CSS_SELECTOR, "#coverage tbody tr")) == 2  # two printings, one agency

    region = browser.find_element(By.ID, "f-region")
    region.send_keys("杭州" + Keys.ENTER)                             # search by region
    wait.until(ec.url_contains("region="))
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#coverage tbody tr")) == 1)
    assert "西湖区" in browser.find_element(By.CSS_SELECTOR, "#coverage tbody tr").text
    browser.find_element(By.ID, "f-region").clear()
    Select(browser.find_element(By.ID, "f-rule")).select_by_value(RULE_CARRY_OVER)
    browser.find_element(By.ID, "f-apply").click()
    wait.until(ec.url_contains("rule=across"))
    wait.until(lambda d: d.find_element(By.ID, "issue-count").text == "2")
    rows = browser.find_elements(By.CSS_SELECTOR, "#issues tr.issue")
    assert {r.get_attribute("data-rule") for r in rows} == {RULE_CARRY_OVER}

    rows[0].find_element(By.CSS_SELECTOR, "a.other-report").click()   # to last year's report …
    wait.until(ec.url_contains(f"/documents/{docs['a21']}"))
    box = wait.until(ec.presence_of_element_located((By.ID, "cross-report")))
    assert {li.get_attribute("data-rule") for li in box.find_elements(By.CSS_SELECTOR, "li")} == {RULE_CARRY_FORWARD}
    box.find_element(By.CSS_SELECTOR, "a.other-report").click()       # … and back to this year's
    wait.until(ec.url_contains(f"/documents/{docs['a22']}"))
    wait.until(ec.presence_of_element_located((By.ID, "cross-report")))
    assert not [e for e in browser.get_log("browser") if "Content Security Policy" in e["message"]]
