"""The review station's new flows in headless Chromium, keyboard first (one driver per module, a
second one for the two-reviewer test): Chinese by default and the English switch; the old-layout
report's broken-rule count equal to the server's; the shift preview in printed order applied and
undone with Ctrl+Z; two reviewers at once (queue holders, read-only, release on leave, the next
document after approval); idle release; page keys, a drawn box and the compact group grid.

``GOUJI_SCREENSHOTS=docs`` also saves the screens as PNG (docs/review-*.png)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browserkit import chrome
from conftest import require
from test_review_station import FIXTURES, stored_report
from test_ui import CHROMIUM, DRIVER, WAIT_S, _extracted_document, live_server  # noqa: F401
from uxfactory import SHIFTED_ROW, T3_COLS, store_ux_document

from service.formats import T3_COLUMN_LABELS
from service.review.locks import live_holder
from service.review.review import load_document
from service.storage.tables import DocumentRow
from service.storage.users import add_user


@pytest.fixture(autouse=True)
def _needs_a_browser() -> None:
    require(CHROMIUM and DRIVER, "chromium/chromedriver not installed")


SHOTS = os.environ.get("GOUJI_SCREENSHOTS")


def _driver() -> Any:
    return chrome("1600,1000", "--lang=zh-CN")  # checks for the browser before the module-scoped drivers


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    d = _driver()
    yield d
    d.quit()


@pytest.fixture(scope="module")
def second_driver() -> Iterator[Any]:
    d = _driver()
    yield d
    d.quit()


def _shot(d: Any, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        d.save_screenshot(str(Path(SHOTS) / f"{name}.png"))


def _by() -> Any:
    from selenium.webdriver.common.by import By
    return By


def _keys() -> Any:
    from selenium.webdriver.common.keys import Keys
    return Keys


def _wait(d: Any, factor: int = 1) -> Any:
    """A wait that retries while the page is being replaced (stale or missing elements)."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait
    return WebDriverWait(d, WAIT_S * factor,
                         ignored_exceptions=(StaleElementReferenceException, NoSuchElementException))


def _open_as(d: Any, server: str, user: dict[str, Any], path: str) -> None:
    """Log in afresh (the module's driver keeps cookies of earlier tests' servers) and open ``path``."""
    from urllib.parse import urlsplit

    from selenium.common.exceptions import TimeoutException

    d.get(server + "/login")
    d.delete_all_cookies()
    for attempt in range(2):                                       # a busy machine may drop the first try
        d.get(server + "/login?next=" + path)
        _wait(d).until(lambda x: x.find_element(_by().ID, "username")).send_keys(user["username"])
        d.find_element(_by().ID, "password").send_keys(user["password"] + _keys().ENTER)
        try:
            # the page itself, not the login form: "/login?next=/" also ends with "/"
            _wait(d, 2).until(lambda x: urlsplit(x.current_url).path == path)   # scrypt under load: be patient
            break
        except TimeoutException:
            if attempt:
                raise
    d.get_log("browser")                                           # drop what the last test's page logged


def _station_ready(d: Any) -> None:
    _wait(d).until(lambda x: x.execute_script(
        "return !!(window.Gouji && Gouji.review && Gouji.review.state().doc && "
        "document.getElementById('violation-count').dataset.count !== undefined)"))


def _no_js_errors(d: Any) -> None:
    errors = [e for e in d.get_log("browser") if e["level"] == "SEVERE" and e.get("source") == "javascript"
              or "Content Security Policy" in e["message"]]
    assert not errors, errors


def _alt(d: Any, key: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    ActionChains(d).key_down(_keys().ALT).send_keys(key).key_up(_keys().ALT).perform()


def _ctrl(d: Any, key: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    ActionChains(d).key_down(_keys().CONTROL).send_keys(key).key_up(_keys().CONTROL).perform()


def test_old_layout_page_counts_what_the_server_counts(app: Any, storage: Any, reviewer: dict[str, Any],
                                                       driver: Any, live_server: str) -> None:  # noqa: F811
    doc_id = stored_report(storage)
    server = load_document(storage, doc_id)
    _open_as(driver, live_server, reviewer, f"/documents/{doc_id}")
    _station_ready(driver)
    By = _by()
    count = driver.find_element(By.ID, "violation-count")
    assert count.get_attribute("data-count") == str(len(server.violations)) == "0"
    assert count.text == "勾稽关系全部成立"
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-Hans"
    # the results sums of a column with a （六）其他处理 value hold in the page too (no 23 vs 21)
    holds = driver.execute_script("""
        const d = Gouji.review.state().doc;
        return d.review.identities.filter(i => i.rhs_constant !== "0")
          .map(i => Gouji.identitySums(i, k => d.cells[k].value).holds);""")
    assert holds == [True, True]
    rows = driver.find_elements(By.CSS_SELECTOR, "#identities tbody tr")
    assert rows and all(r.get_attribute("class") == "holds" for r in rows)
    assert rows[0].find_elements(By.TAG_NAME, "td")[0].text.startswith("表三（")
    _shot(driver, "review-document")
    _no_js_errors(driver)


def test_english_by_choice_with_plurals(app: Any, storage: Any, reviewer: dict[str, Any], driver: Any,
                                        live_server: str, tmp_path: Path) -> None:  # noqa: F811
    doc_id = _extracted_document(app, storage, tmp_path)
    _open_as(driver, live_server, reviewer, "/")
    By = _by()
    assert "待审核" in driver.find_element(By.TAG_NAME, "h1").text
    driver.find_element(By.ID, "lang-en").click()
    _wait(driver).until(lambda d: "Waiting for review" in d.find_element(By.TAG_NAME, "h1").text)
    driver.get(live_server + f"/documents/{doc_id}")
    _station_ready(driver)
    assert driver.execute_script("return [Gouji.tn('broken_rules', 1), Gouji.tn('broken_rules', 2)]") == [
        "1 broken rule", "2 broken rules"]
    n = int(driver.find_element(By.ID, "violation-count").get_attribute("data-count"))
    assert driver.find_element(By.ID, "violation-count").text == (f"{n} broken rule" if n == 1 else f"{n} broken rules")
    assert driver.find_element(By.ID, "approve").text == "Approve"
    _shot(driver, "review-document-en")
    driver.find_element(By.ID, "lang-zh").click()
    _wait(driver).until(lambda d: d.find_element(By.ID, "approve").text == "批准")
    _no_js_errors(driver)


def test_shift_preview_in_printed_order_and_ctrl_z(app: Any, storage: Any, reviewer: dict[str, Any], driver: Any,
                                                   live_server: str, tmp_path: Path) -> None:  # noqa: F811
    By, Keys = _by(), _keys()
    doc_id = _extracted_document(app, storage, tmp_path)
    store_ux_document(storage, doc_id)
    before = {k: (c.value, c.bbox, c.source) for k, c in load_document(storage, doc_id).cells.items()}
    _open_as(driver, live_server, reviewer, f"/documents/{doc_id}")
    _station_ready(driver)
    for _ in range(15):                                              # Tab to a cell of the shifted row
        if f"({SHIFTED_ROW}." in driver.find_element(By.ID, "cell-title").text:
            break
        driver.switch_to.active_element.send_keys(Keys.TAB)
    _alt(driver, ".")
    _wait(driver).until(lambda d: d.switch_to.active_element.get_attribute("id") == "ux-apply")
    heads = [th.text for th in driver.find_elements(By.CSS_SELECTOR, "#ux-preview tr:first-child th")][1:]
    assert heads == [T3_COLUMN_LABELS[c][0] for c in T3_COLS]        # printed order, not alphabetical
    after = [td.text for td in driver.find_elements(By.CSS_SELECTOR, "#ux-preview tr:last-child td")]
    assert after == ["∅", "2", "3", "4", "5", "6", "37"]
    _shot(driver, "review-shift-preview")
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    _wait(driver).until(lambda d: "已修正整行：7 个单元格" in d.find_element(By.ID, "message").text)
    cells = load_document(storage, doc_id).cells
    assert [cells[f"{SHIFTED_ROW}.{c}"].value for c in T3_COLS] == [None, 2, 3, 4, 5, 6, 37]   # as previewed
    assert driver.switch_to.active_element.get_attribute("id") == "value"
    _ctrl(driver, "z")                                               # one key undoes the whole row
    _wait(driver).until(lambda d: "已撤销" in d.find_element(By.ID, "message").text)
    restored = {k: (c.value, c.bbox, c.source) for k, c in load_document(storage, doc_id).cells.items()}
    assert restored == before
    _no_js_errors(driver)


def test_two_reviewers_at_once(app: Any, storage: Any, reviewer: dict[str, Any], driver: Any, second_driver: Any,
                               live_server: str) -> None:  # noqa: F811
    By, Keys = _by(), _keys()
    app.config["REVIEW_LOCK_RENEW_S"] = 1                            # the stations check every second
    bob = {"username": "bob", "password": "correct-horse-2"}
    add_user(storage.db, bob["username"], bob["password"], "reviewer")
    first = stored_report(storage)                                   # 21 flags: first in the queue
    second = stored_report(storage, FIXTURES / "sample-report.pdf")
    _open_as(driver, live_server, reviewer, f"/documents/{first}")  # alice holds the first
    _station_ready(driver)
    _wait(driver).until(lambda d: _holder(storage, first) is not None)

    _open_as(second_driver, live_server, bob, "/")
    holder = second_driver.find_element(By.CSS_SELECTOR, "#queue tr.held td.holder")
    assert holder.text == "alice 正在审核"
    _shot(second_driver, "review-queue-held")
    second_driver.find_element(By.TAG_NAME, "body").send_keys(Keys.ENTER)   # Enter skips the held one
    _wait(second_driver).until(lambda d: d.current_url.endswith(f"/documents/{second}"))

    second_driver.get(live_server + f"/documents/{first}")          # bob opens alice's document anyway
    _station_ready(second_driver)
    banner = _wait(second_driver).until(lambda d: d.find_element(By.ID, "readonly") if
                                        d.find_element(By.ID, "readonly").is_displayed() else None)
    assert "alice" in banner.text
    assert not second_driver.find_element(By.ID, "approve").is_enabled()
    assert not second_driver.find_element(By.ID, "reject").is_enabled()
    assert not second_driver.find_element(By.ID, "value").is_enabled()
    _shot(second_driver, "review-read-only")

    driver.get(live_server + "/")                                    # alice leaves: pagehide → sendBeacon
    _wait(driver).until(lambda d: _holder(storage, first) != _user_id(storage, "alice"))
    _wait(second_driver).until(lambda d: d.find_element(By.ID, "approve").is_enabled())   # bob gets it
    assert not second_driver.find_element(By.ID, "readonly").is_displayed()
    _alt(second_driver, "p")                                         # to the decision: flagged → a reason
    reason = second_driver.switch_to.active_element
    assert reason.get_attribute("id") == "reason"
    reason.send_keys("其他处理未分项，按报告原样接受" + Keys.ENTER)       # Enter approves
    _wait(second_driver).until(lambda d: d.current_url.endswith(f"/documents/{second}"))  # the next one opens
    assert _status(storage, first) == "approved"
    _no_js_errors(second_driver)


def test_idle_station_releases_its_lock(app: Any, storage: Any, reviewer: dict[str, Any], driver: Any,
                                        live_server: str) -> None:  # noqa: F811
    app.config.update(REVIEW_LOCK_RENEW_S=1, REVIEW_LOCK_IDLE_S=2)
    doc_id = stored_report(storage)
    _open_as(driver, live_server, reviewer, f"/documents/{doc_id}")
    _station_ready(driver)
    _wait(driver).until(lambda d: _holder(storage, doc_id) is not None)
    _wait(driver).until(lambda d: _holder(storage, doc_id) is None)   # no key for 2 s: released
    driver.switch_to.active_element.send_keys(_keys().ARROW_DOWN)    # back at work: taken again
    _wait(driver).until(lambda d: _holder(storage, doc_id) is not None)


def test_page_keys_drawn_box_and_compact_groups(app: Any, storage: Any, reviewer: dict[str, Any], driver: Any,
                                                live_server: str, tmp_path: Path) -> None:  # noqa: F811
    from selenium.webdriver.common.action_chains import ActionChains

    By, Keys = _by(), _keys()
    doc_id = stored_report(storage)                                  # two pages
    _open_as(driver, live_server, reviewer, f"/documents/{doc_id}")
    _station_ready(driver)
    # the 3 sub-rows of （六） have no printed cell here: they show the draw hint, no box
    first = driver.execute_script("return Gouji.review.state().key")
    assert first.startswith("t3.other_") and driver.find_element(By.ID, "draw-hint").is_displayed()
    driver.execute_script("Gouji.review.select('t3.new.natural_person')")    # a printed cell: boxed
    label = driver.find_element(By.ID, "page-label")
    value = driver.switch_to.active_element
    assert value.get_attribute("id") == "value"
    start = label.text
    on_last = start.startswith("第 2 页")
    value.send_keys(Keys.PAGE_UP if on_last else Keys.PAGE_DOWN)
    _wait(driver).until(lambda d: label.text.startswith("第 1 页" if on_last else "第 2 页"))
    value.send_keys(Keys.PAGE_DOWN if on_last else Keys.PAGE_UP)
    _wait(driver).until(lambda d: label.text == start)
    _wait(driver).until(lambda d: d.execute_script("return document.querySelector('#overlay .box.current') !== null"))
    value.send_keys("+")                                             # zoom in (never part of a number)
    assert driver.find_element(By.ID, "page-canvas").value_of_css_property("width") != "" and \
        driver.execute_script("return document.getElementById('page-canvas').style.width") == "125%"
    assert value.get_attribute("value") == driver.execute_script(
        "const S = Gouji.review.state(); return String(S.doc.cells[S.key].value ?? '')")
    top = driver.execute_script("return document.getElementById('page-wrap').scrollTop")
    value.send_keys(Keys.ARROW_DOWN)
    _wait(driver).until(lambda d: d.execute_script("return document.getElementById('page-wrap').scrollTop") > top)

    ux_doc = _extracted_document(app, storage, tmp_path)             # a cell with no printed cell: draw it
    store_ux_document(storage, ux_doc)
    driver.get(live_server + f"/documents/{ux_doc}")
    _station_ready(driver)
    key = f"{SHIFTED_ROW}.total"
    driver.execute_script("Gouji.review.select(arguments[0])", key)
    _wait(driver).until(lambda d: d.find_element(By.ID, "draw-hint").is_displayed())
    overlay = driver.find_element(By.ID, "overlay")
    ActionChains(driver).move_to_element_with_offset(overlay, -200, -300).click_and_hold() \
        .move_by_offset(60, 25).release().perform()
    _wait(driver).until(lambda d: d.execute_script("return document.getElementById('crop').naturalWidth") > 0)
    cell = load_document(storage, ux_doc).cells[key]
    assert cell.page == 1 and cell.bbox is not None and cell.value is None
    _shot(driver, "review-drawn-box")

    driver.execute_script("Gouji.review.select(Gouji.review.state().doc.review.order[0])")
    _alt(driver, "g")
    _wait(driver).until(lambda d: d.find_element(By.ID, "ux-panel").is_displayed())
    grid = driver.find_element(By.ID, "ux-grid")
    assert grid.size["height"] <= 14 * 16 + 2                       # a box of its own, compact thumbnails
    page = driver.find_element(By.ID, "page-img").rect
    assert page["y"] < driver.execute_script("return window.innerHeight") and page["height"] > 300
    _shot(driver, "review-groups")
    _no_js_errors(driver)


def _holder(storage: Any, doc_id: int) -> int | None:
    with storage.db.session() as s:
        return live_holder(s.get(DocumentRow, doc_id))


def _status(storage: Any, doc_id: int) -> str:
    with storage.db.session() as s:
        return str(s.get(DocumentRow, doc_id).status)


def _user_id(storage: Any, name: str) -> int:
    from sqlalchemy import select

    from service.storage.tables import User
    with storage.db.session() as s:
        return int(s.scalar(select(User.id).where(User.username == name)))
