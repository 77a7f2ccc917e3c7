"""A real headless Chromium for the HTML tests (skipped, with the reason, where there is none).

Chromium and its driver come from the distribution (Debian: ``apt-get install chromium
chromium-driver``; ``.ci/run`` installs them when missing), selenium from the ``dev`` extra.
The browser runs offline-minded: no background networking, no component updates, no
sync, a fresh profile per session.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--window-size=1280,900",
)


def _find(*names: str) -> str | None:
    for n in names:
        hit = shutil.which(n)
        if hit:
            return hit
    return None


@dataclass
class Page:
    """What the browser saw: console messages, errors, and the answer of a probe script."""

    console: list[dict[str, Any]]
    probe: Any

    @property
    def errors(self) -> list[dict[str, Any]]:
        return [m for m in self.console if m.get("level") in ("SEVERE", "ERROR")]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """A selenium-driven headless Chromium, or a skip that says what is missing."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.skip("selenium is not installed (pip install -e '.[dev]')")
    binary = os.environ.get("SHIELDLAB_CHROMIUM") or _find(
        "chromium", "chromium-browser", "google-chrome"
    )
    driver_path = os.environ.get("SHIELDLAB_CHROMEDRIVER") or _find("chromedriver")
    if binary is None or driver_path is None:
        pytest.skip(
            "no headless browser: needs chromium and chromedriver on PATH "
            "(Debian: apt-get install chromium chromium-driver)"
        )
    profile = tempfile.mkdtemp(prefix="shieldlab-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = binary
    for a in CHROMIUM_ARGS:
        opts.add_argument(a)
    opts.add_argument(f"--user-data-dir={profile}")
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        drv = webdriver.Chrome(service=Service(executable_path=driver_path), options=opts)
    except Exception as exc:  # a browser that is there but cannot start: say why, skip
        shutil.rmtree(profile, ignore_errors=True)
        pytest.skip(f"chromium at {binary} did not start: {str(exc).splitlines()[0]}")
    try:
        yield drv
    finally:
        drv.quit()
        shutil.rmtree(profile, ignore_errors=True)


_PLOTS_DONE = """
const divs = [...document.querySelectorAll('.plotly-graph-div')];
return divs.length > 0 && divs.every(d => d.querySelector('svg.main-svg') !== null);
"""


@pytest.fixture
def render(browser: Any) -> Any:
    """``render(path, probe_js)``: open a file, wait for every plotly figure, run a probe."""

    def _render(path: Path, probe: str, timeout_s: float = 60.0) -> Page:
        browser.get_log("browser")  # drop what earlier pages left
        browser.get(path.resolve().as_uri())
        end = time.monotonic() + timeout_s
        while True:
            ready = browser.execute_script("return document.readyState") == "complete"
            if ready and browser.execute_script(_PLOTS_DONE):
                break
            if time.monotonic() > end:
                break  # the probe below then reports what is missing
            time.sleep(0.2)
        answer = browser.execute_script(probe)
        return Page(console=browser.get_log("browser"), probe=answer)

    return _render
