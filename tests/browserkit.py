"""Headless Chromium for the browser tests: Debian's ``chromium`` and ``chromedriver`` (paths
pinned, nothing downloaded), a live server for the app under test, and a driver per test.

A missing browser, driver or selenium skips through ``conftest.require`` (a failure under
``GOUJI_REQUIRE_SERVICES=1``, as in CI)."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import require

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
WAIT_S = 15


def require_browser() -> None:
    require(CHROMIUM and DRIVER, "chromium/chromedriver not installed")


def chrome(window: str = "1600,1100", *extra: str) -> Any:
    """A new headless Chromium driver (``window`` as "width,height"; ``extra`` command-line flags)."""
    require_browser()
    try:
        from selenium import webdriver
    except ImportError:
        require(False, "selenium is not installed")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", f"--window-size={window}",
                "--disable-gpu", "--no-proxy-server", *extra):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(DRIVER), options=options)


@pytest.fixture
def live_server(app: Any) -> Iterator[str]:
    """The app served on a free loopback port for the duration of one test."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture
def browser() -> Iterator[Any]:
    driver = chrome()
    yield driver
    driver.quit()
