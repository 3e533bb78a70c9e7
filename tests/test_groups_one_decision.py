"""Issue 8: the items this layout does not print (no printed cell found) and the members of an
identity the report itself breaks are each ONE group decision: ``not_printed`` confirms them empty,
``keep_printed`` keeps every value as printed. Through the API, then keyboard only in Chromium
(Alt+G, Enter, Enter: both groups settled). The browser part skips without chromium/chromedriver."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from browserkit import CHROMIUM, DRIVER, WAIT_S, browser, live_server  # noqa: F401
from conftest import require
from uxfactory import NOT_PRINTED, REPORT_ERROR_GROUP, extracted_upload, store_groups_document

from service.model import ViolationKind
from service.review.review import cell_history, load_document
from service.storage.tables import CellStatus

REPORT_KEYS = tuple(f"{REPORT_ERROR_GROUP}.{c}" for c in ("upheld", "corrected", "other", "pending", "total"))
RULE = "t4 suit_after_review: total = sum"


def _stored(app: Any, storage: Any, tmp_path: Path) -> int:
    doc_id = extracted_upload(app, storage, tmp_path / "groups.png", "groups")
    store_groups_document(storage, doc_id)
    return doc_id


def _groups(client: Any, doc_id: int) -> dict[str, dict[str, Any]]:
    return {g["id"]: g for g in client.get(f"/api/documents/{doc_id}/groups").get_json()["groups"]}


def test_not_printed_and_report_error_are_one_decision_each(app: Any, client: Any, storage: Any,
                                                            reviewer: dict[str, Any], login: Any,
                                                            tmp_path: Path) -> None:
    headers = login(client, reviewer)
    doc_id = _stored(app, storage, tmp_path)
    found = _groups(client, doc_id)
    report = found[f"report_error:{RULE}"]
    assert sorted(c["key"] for c in report["cells"]) == sorted(REPORT_KEYS)
    assert report["kind"] == "report_error" and report["actions"] == ["keep_printed"] and report["rules"] == [RULE]
    assert report["cells"][0]["messages_shown"][0].startswith("印刷为 3，合计应为 2")
    missing = found["not_printed"]
    assert sorted(c["key"] for c in missing["cells"]) == sorted(NOT_PRINTED) and missing["actions"] == ["not_printed"]
    wrong = client.post(f"/api/documents/{doc_id}/groups/confirm", headers=headers, json={
        "group": "not_printed", "action": "keep_printed",
        "cells": [{"key": c["key"], "version": c["version"]} for c in missing["cells"]]})
    assert wrong.status_code == 422 and "不是分组 'not_printed' 的操作" in wrong.get_json()["error"]

    for gid, action in ((report["id"], "keep_printed"), ("not_printed", "not_printed")):
        cells = [{"key": c["key"], "version": c["version"]} for c in found[gid]["cells"]]
        done = client.post(f"/api/documents/{doc_id}/groups/confirm", headers=headers,
                           json={"group": gid, "action": action, "cells": cells})
        assert done.status_code == 200, done.get_json()
        assert done.get_json()["confirmed"] == len(cells)
    doc = done.get_json()["document"]
    assert all(doc["cells"][k]["status"] == CellStatus.ACCEPTED.value for k in (*REPORT_KEYS, *NOT_PRINTED))
    assert [doc["cells"][k]["value"] for k in REPORT_KEYS] == [1, 0, 0, 1, 3]          # kept as printed
    assert all(doc["cells"][k]["value"] is None for k in NOT_PRINTED)
    stored = load_document(storage, doc_id)
    assert not any(v.kind is ViolationKind.MISSING_ROW for v in stored.violations)     # the row is settled
    assert any(v.kind is ViolationKind.REPORT_ERROR for v in stored.violations)       # the report still does not add up
    assert cell_history(storage, doc_id, REPORT_KEYS[0])[0]["reason"].startswith("group confirmed: kept as printed")
    assert cell_history(storage, doc_id, NOT_PRINTED[0])[0]["reason"].startswith("group confirmed: not printed")
    assert set(_groups(client, doc_id)) == set()
    assert "t3.new.natural_person" in doc["review"]["order"]               # the misread still needs its own look


def test_report_errors_stay_out_of_batch_groups(app: Any, client: Any, storage: Any, reviewer: dict[str, Any],
                                                login: Any, tmp_path: Path) -> None:
    headers = login(client, reviewer)
    doc_id = _stored(app, storage, tmp_path)
    batch = client.get(f"/api/documents/{doc_id}").get_json()["review"]["batch_id"]
    found = client.get(f"/api/documents/groups?batch_id={batch}", headers=headers).get_json()["groups"]
    assert [g["kind"] for g in found] == ["not_printed"]


def _shot(driver: Any, name: str) -> None:
    """``GOUJI_SCREENSHOTS=docs`` saves the screen as docs/<name>.png."""
    import os

    folder = os.environ.get("GOUJI_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(Path(folder) / f"{name}.png"))


def _alt(driver: Any, key: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    ActionChains(driver).key_down(Keys.ALT).send_keys(key).key_up(Keys.ALT).perform()


def test_keyboard_two_groups_two_enters(app: Any, storage: Any, reviewer: dict[str, Any], browser: Any,  # noqa: F811
                                        live_server: str, tmp_path: Path) -> None:  # noqa: F811
    require(CHROMIUM and DRIVER, "chromium/chromedriver not installed")
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, WAIT_S, ignored_exceptions=(StaleElementReferenceException,))
    doc_id = _stored(app, storage, tmp_path)
    browser.get(live_server + f"/documents/{doc_id}")
    wait.until(ec.presence_of_element_located((By.ID, "username"))).send_keys(reviewer["username"])
    browser.find_element(By.ID, "password").send_keys(reviewer["password"] + Keys.ENTER)
    wait.until(lambda d: d.switch_to.active_element.get_attribute("id") == "value")

    _alt(browser, "g")                                    # first the items not printed, the report's error last
    wait.until(lambda d: d.switch_to.active_element.get_attribute("id") == "ux-not-printed")
    assert "本版式未印刷" in browser.find_element(By.ID, "ux-title").text
    assert browser.find_element(By.ID, "ux-grid").text.count("未印刷") == len(NOT_PRINTED)
    _shot(browser, "review-group-not-printed")
    browser.switch_to.active_element.send_keys(Keys.ENTER)           # one key: all not printed
    wait.until(lambda d: d.switch_to.active_element.get_attribute("id") == "ux-keep")
    title = browser.find_element(By.ID, "ux-title").text
    assert "5 个单元格" in title and "报告本身错误" in title and "表四" in title, title
    assert len(browser.find_elements(By.CSS_SELECTOR, "#ux-grid figure img")) == len(REPORT_KEYS)
    assert "印刷为 3，合计应为 2" in browser.find_element(By.ID, "ux-hint").text
    wait.until(lambda d: d.execute_script(
        "return Array.from(document.querySelectorAll('#ux-grid img')).every(i => i.complete && i.naturalWidth > 0)"))
    _shot(browser, "review-group-report-error")
    browser.switch_to.active_element.send_keys(Keys.ENTER)           # one key: keep all as printed
    wait.until(lambda d: not d.find_element(By.ID, "ux-panel").is_displayed())
    doc = load_document(storage, doc_id)
    assert all(doc.cells[k].value is None and not doc.cells[k].flagged for k in NOT_PRINTED)
    assert [doc.cells[k].value for k in REPORT_KEYS] == [1, 0, 0, 1, 3]
    assert not [e for e in browser.get_log("browser") if e["level"] == "SEVERE" and e.get("source") == "javascript"]
