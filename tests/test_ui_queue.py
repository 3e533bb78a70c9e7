"""Queue and batch pages in headless Chromium (one driver for the module): filters and search,
the same agency + year shown at approval (Alt+C picks the current report), reopen from the approved
list (admin), a known file said at upload, the figures page; unsaved typing warns before leaving
and the batch page updates without moving the focus. Helpers: ``test_ui_station``."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import require
from test_review_station import FIXTURES, stored_report
from test_ui import CHROMIUM, DRIVER, live_server  # noqa: F401
from test_ui_station import (  # noqa: F401
    _alt,
    _by,
    _keys,
    _no_js_errors,
    _open_as,
    _shot,
    _station_ready,
    _status,
    _wait,
    driver,
)

from service.storage.tables import DocumentRow


@pytest.fixture(autouse=True)
def _needs_a_browser() -> None:
    require(CHROMIUM and DRIVER, "chromium/chromedriver not installed")




def test_queue_filters_duplicates_upload_message_and_figures(
        app: Any, storage: Any, reviewer: dict[str, Any], admin: dict[str, Any],
        driver: Any, live_server: str) -> None:  # noqa: F811
    By, Keys = _by(), _keys()
    pdf, scan = stored_report(storage), stored_report(storage)      # one report twice (agency + year)
    stored_report(storage, FIXTURES / "sample-report.pdf")
    _open_as(driver, live_server, admin, "/")
    agency = driver.find_element(By.ID, "f-agency")
    agency.send_keys("自然资源" + Keys.ENTER)                          # search by agency: Enter filters
    _wait(driver).until(lambda d: "agency=" in d.current_url)
    files = [a.text for a in driver.find_elements(By.CSS_SELECTOR, "#queue td a")]
    assert files == ["old-layout-report.pdf", "old-layout-report.pdf"]
    assert f"另有 #{scan}" in driver.find_element(By.CSS_SELECTOR, f'#queue tr[data-doc="{pdf}"]').text
    _shot(driver, "review-queue-filter")

    driver.get(live_server + f"/documents/{scan}")                  # at approval: the twin is shown
    _station_ready(driver)
    _wait(driver).until(lambda d: d.find_element(By.ID, "twins").is_displayed())
    assert f"#{pdf}" in driver.find_element(By.ID, "twins-text").text
    assert driver.find_element(By.ID, "twins-current").text == "尚未选定现行报告。"
    _alt(driver, "c")                                                # Alt+C: this one is the report
    _wait(driver).until(lambda d: d.find_element(By.ID, "twins-current").text == "本文档是该机关该年度的现行报告。")
    driver.execute_script("document.getElementById('twins').scrollIntoView({block: 'center'})")
    _shot(driver, "review-duplicate")
    driver.execute_script("Gouji.review.select(Gouji.review.state().doc.review.order[0])")
    driver.switch_to.active_element.send_keys("2" + Keys.ENTER)     # one cell typed: the figures count it
    _wait(driver).until(lambda d: "已保存" in d.find_element(By.ID, "message").text)
    _alt(driver, "p")
    driver.switch_to.active_element.send_keys("其他处理未分项" + Keys.ENTER)
    _wait(driver).until(lambda d: not d.current_url.endswith(f"/documents/{scan}"))

    driver.get(live_server + "/?status=approved")                    # the approved list, reopen (admin)
    button = _wait(driver).until(lambda d: d.find_element(By.CSS_SELECTOR, f'button.reopen[data-doc="{scan}"]'))
    button.click()
    _wait(driver).until(lambda d: d.current_url.endswith(f"/documents/{scan}"))
    assert _status(storage, scan) == "review"

    driver.get(live_server + "/")                                    # the same file again: said, not dropped
    driver.find_element(By.ID, "batch-name").send_keys("again")
    driver.find_element(By.ID, "files").send_keys(str(FIXTURES / "old-layout-report.pdf"))
    driver.find_element(By.ID, "batch-name").send_keys(Keys.ENTER)
    known = _wait(driver).until(lambda d: d.find_element(By.CSS_SELECTOR, "#upload-status .known"))
    assert known.text.startswith("old-layout-report.pdf：已在档案中，编号 #")
    _shot(driver, "review-upload-known")

    driver.get(live_server + "/reviewers")
    assert "root" in driver.find_element(By.ID, "reviewer-figures").text
    _shot(driver, "review-figures")
    _no_js_errors(driver)


def test_unsaved_typing_warns_and_batch_page_keeps_focus(app: Any, storage: Any, reviewer: dict[str, Any],
                                                         driver: Any, live_server: str) -> None:  # noqa: F811
    from sqlalchemy import update

    By = _by()
    doc_id = stored_report(storage)
    _open_as(driver, live_server, reviewer, f"/documents/{doc_id}")
    _station_ready(driver)
    leaving = ("const e = new Event('beforeunload', {cancelable: true}); window.dispatchEvent(e); "
               "return e.defaultPrevented;")                         # WebDriver answers real prompts itself
    assert driver.execute_script(leaving) is False
    driver.switch_to.active_element.send_keys("7")                  # typed, not saved: leaving asks first
    assert driver.execute_script(leaving) is True
    driver.switch_to.active_element.send_keys(_keys().ESCAPE)       # Esc drops the typing: leaving is free
    assert driver.execute_script(leaving) is False

    with storage.db.session() as s:                                 # a document still being processed
        batch = s.get(DocumentRow, doc_id).batch_id
        s.execute(update(DocumentRow).where(DocumentRow.id == doc_id).values(status="processing", progress=40))
    driver.get(live_server + f"/batches/{batch}")
    seed = _wait(driver).until(lambda d: d.find_element(By.ID, "audit-seed"))
    seed.click()
    seed.send_keys("abc")
    with storage.db.session() as s:
        s.execute(update(DocumentRow).where(DocumentRow.id == doc_id).values(status="review", progress=100))
    badge = f'#batch-docs tr[data-doc="{doc_id}"] .status'
    _wait(driver).until(lambda d: d.find_element(By.CSS_SELECTOR, badge).text == "待审核")   # updated in place
    assert driver.switch_to.active_element.get_attribute("id") == "audit-seed"             # focus kept
    assert seed.get_attribute("value") == "abc"
    _no_js_errors(driver)
