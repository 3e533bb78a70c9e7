"""A practised reviewer, keyboard only, in headless Chromium: settles every flagged cell of the
``uxfactory.groups_document`` report and approves it, counting keys and timing each step from the
first key to the screen being ready for the next (shared by tests/test_ui_review_targets.py, which
asserts the key counts, and scripts/review_timing.py, which prints the times).

The walk (``steps()``): Alt+G opens the first group (3 items not printed in this layout), Enter
confirms them, Enter keeps the next group as printed (the report's own error, 5 cells); the misread
cell is left, with a suggestion: Alt+S takes it, Enter saves; nothing is left, so the reason box
has focus with the preset "the printed report itself does not add up" reason: Enter approves.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from docfactory import MISREAD_KEY
from uxfactory import NOT_PRINTED

REPORT_ERROR_CELLS = 5


@dataclass(frozen=True)
class Step:
    """One decision: the keys it takes, the cells it settles, how many are report-error marks."""

    name: str
    keys: tuple[tuple[str, ...], ...]          # each key: (modifier?, key)
    cells: int
    report_errors: int
    ready: Callable[[Any], bool]


def _active(driver: Any) -> str:
    return driver.switch_to.active_element.get_attribute("id") or ""


def steps() -> list[Step]:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    return [
        Step("open groups (Alt+G)", ((Keys.ALT, "g"),), 0, 0, lambda d: _active(d) == "ux-not-printed"),
        Step("confirm the items not printed (Enter)", ((Keys.ENTER,),), len(NOT_PRINTED), 0,
             lambda d: _active(d) == "ux-keep"),
        Step("keep the report's own error as printed (Enter)", ((Keys.ENTER,),), REPORT_ERROR_CELLS, 1,
             lambda d: _active(d) == "value" and f"({MISREAD_KEY})" in d.find_element(By.ID, "cell-title").text),
        Step("take the suggestion (Alt+S)", ((Keys.ALT, "s"),), 0, 0,
             lambda d: d.find_element(By.ID, "value").get_attribute("value") == "18"),
        Step("save it (Enter)", ((Keys.ENTER,),), 1, 0, lambda d: _active(d) == "reason"),
        Step("approve with the preset reason (Enter)", ((Keys.ENTER,),), 0, 0,
             lambda d: "status-approved" in (d.find_element(By.ID, "doc-status").get_attribute("class") or "")),
    ]


def press(driver: Any, key: tuple[str, ...]) -> None:
    """One key (with a modifier when ``key`` has two parts) to whatever has the focus."""
    from selenium.webdriver.common.action_chains import ActionChains

    if len(key) == 2:
        ActionChains(driver).key_down(key[0]).send_keys(key[1]).key_up(key[0]).perform()
    else:
        ActionChains(driver).send_keys(key[0]).perform()       # never a stale element: the focus gets it


def login(driver: Any, base: str, doc_id: int, user: dict[str, Any], wait_s: float) -> None:
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(base + f"/documents/{doc_id}")
    wait = WebDriverWait(driver, wait_s, ignored_exceptions=(StaleElementReferenceException,))
    wait.until(ec.presence_of_element_located((By.ID, "username"))).send_keys(user["username"])
    driver.find_element(By.ID, "password").send_keys(user["password"] + Keys.ENTER)
    wait.until(lambda d: _active(d) == "value")


def walk(driver: Any, wait_s: float) -> list[tuple[Step, float]]:
    """Run ``steps()`` on the open document page; returns each step with its seconds (wall)."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    out = []
    for step in steps():
        started = time.perf_counter()
        for key in step.keys:
            press(driver, key)
        WebDriverWait(driver, wait_s, poll_frequency=0.005,
                      ignored_exceptions=(StaleElementReferenceException,)).until(step.ready)
        out.append((step, time.perf_counter() - started))
    return out
