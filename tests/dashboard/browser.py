"""Drive the real dashboard in Debian's headless Chromium (Selenium, /usr/bin/chromedriver).

Shared by the browser test and ``benchmarks/dashboard_load.py``: start ``streamlit run`` on a
free loopback port against a given database, open pages, wait until the script has finished
and the page's elements are drawn. No browser is downloaded: Selenium is given Debian's
chromium and chromedriver paths, so Selenium Manager has nothing to fetch.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "dashboard" / "app.py"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1400,1000",
    "--hide-scrollbars",
)
#: page name (screenshot file name) -> (URL path, title shown, needs a map canvas). The default
#: page is served at the app's root: its URL path is "" (``/overview`` redirects there).
PAGES = {
    "overview": ("", "Overview", False),
    "mobile-clinics": ("mobile-clinics", "Mobile clinics", True),
    "staffing": ("staffing", "Staffing", False),
    "spirometers": ("spirometers", "Spirometers", False),
    "scenarios": ("scenarios", "Scenarios", False),
}


def missing_browser() -> str | None:
    """Why the browser test cannot run here, or None when it can."""
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not path.exists():
            return f"{path} is missing (Debian package {package}; make test installs it)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "the selenium package is not installed"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def dashboard_server(
    database_url: str, var_dir: str | None = None, timeout: float = 60
) -> Iterator[str]:
    """Serve the dashboard on a free loopback port; yields its base URL."""
    port = free_port()
    env = {**os.environ, "PLANNER_DATABASE_URL": database_url}
    if var_dir:
        env["PLANNER_VAR_DIR"] = var_dir
    # The log outlives this function: a failed start reads it back for the error message.
    log = tempfile.NamedTemporaryFile(prefix="dashboard-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(APP),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"dashboard did not start: {Path(log.name).read_text()[-2000:]}")
            time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        Path(log.name).unlink(missing_ok=True)


@contextmanager
def chromium(width: int = 1400, height: int = 1000) -> Iterator[object]:
    """A headless Debian Chromium driven by Selenium, with a fresh profile."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="dashboard-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument(f"--window-size={width},{height}")
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def open_page(
    driver,
    base: str,
    name: str,
    timeout: float = 30,
    *,
    url_path: str | None = None,
) -> float:
    """Load page ``name`` (a key of PAGES) and wait until its script finished and its title (and
    map canvas) are drawn. ``url_path`` opens another path that should end on that page.

    Returns the seconds from navigation to that point.
    """
    from selenium.webdriver.support.ui import WebDriverWait

    path, title, needs_map = PAGES[name]
    started = time.perf_counter()
    driver.get(f"{base}/{path if url_path is None else url_path}")

    def ready(d) -> bool:
        # One script per poll (not one WebDriver round trip per element): a busy page answers
        # late, and five round trips per poll would add their delays to the measured time.
        return bool(d.execute_script(_READY_JS, title, needs_map))

    WebDriverWait(driver, timeout, poll_frequency=0.05).until(ready)
    return time.perf_counter() - started


def next_frames(driver, frames: int = 2, timeout: float = 30) -> float:
    """Seconds until the page has rendered ``frames`` more animation frames.

    Called right after :func:`open_page`, this includes work the page does once its elements
    exist, above all deck.gl's first draw of a map (shader compilation and tessellation, a
    single long task with software WebGL): the first frame callback runs only after it.
    """
    driver.set_script_timeout(timeout)
    started = time.perf_counter()
    driver.execute_async_script(
        "const done = arguments[arguments.length - 1]; let n = arguments[0];"
        "const step = () => (--n <= 0 ? done(true) : requestAnimationFrame(step));"
        "requestAnimationFrame(step);",
        frames,
    )
    return time.perf_counter() - started


_READY_JS = """
const [title, needsMap] = arguments;
const app = document.querySelector('[data-testid="stApp"]');
if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
if (![...document.querySelectorAll('h1')].some(h => h.innerText.trim() === title)) return false;
return !needsMap || !!document.querySelector('[data-testid="stDeckGlJsonChart"] canvas');
"""


def exceptions(driver) -> list[str]:
    """Texts of Streamlit exception boxes on the page."""
    from selenium.webdriver.common.by import By

    return [e.text for e in driver.find_elements(By.CSS_SELECTOR, '[data-testid="stException"]')]


def dialogs(driver) -> list[str]:
    """Texts of open dialogs (e.g. Streamlit's "Page not found") and a "Page not found" body."""
    from selenium.webdriver.common.by import By

    texts = [
        e.text for e in driver.find_elements(By.CSS_SELECTOR, '[role="dialog"]') if e.text.strip()
    ]
    body = driver.find_element(By.TAG_NAME, "body").text
    if "Page not found" in body and not any("Page not found" in t for t in texts):
        texts.append("Page not found")
    return texts


def current_path(driver) -> str:
    """The URL path the browser shows, without the leading slash."""
    from urllib.parse import urlparse

    return urlparse(driver.current_url).path.strip("/")


def count(driver, test_id: str, inner: str = "") -> int:
    """How many elements with ``data-testid=test_id`` (optionally their ``inner`` selector) are shown."""
    from selenium.webdriver.common.by import By

    return len(driver.find_elements(By.CSS_SELECTOR, f'[data-testid="{test_id}"] {inner}'.strip()))


def screenshot(driver, path: Path) -> Path:
    """Full-page screenshot (the window grows to the page's height, capped at 4000 px)."""
    height = driver.execute_script(
        "const m = document.querySelector('[data-testid=\"stMain\"]') || document.body;"
        "return Math.max(m.scrollHeight, document.body.scrollHeight);"
    )
    driver.set_window_size(1400, min(max(int(height) + 80, 1000), 4000))
    time.sleep(0.8)  # let charts re-layout after the resize
    driver.save_screenshot(str(path))
    driver.set_window_size(1400, 1000)
    return path
