"""Browser journeys: the real app served on loopback, driven by Debian's Chromium (headless).

`live_server` serves a private copy of the test database in a background thread; `page` is a
fresh Chinese-locale browser context. Each test's last screenshot is kept under
tests/e2e/artifacts/ (failures included) so a human can look at what the user saw.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from werkzeug.serving import make_server

from tests.conftest import shared_app
from tests.support import DEMO_PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).parent / "artifacts"
# ASCII words that may legitimately appear on a Chinese page: our case numbers' prefix, the
# language switch, demo logins shown in data, file formats.
ALLOWED_ASCII = {
    "XF", "English", "Demo", "Excel", "CSV", "PDF", "xlsx", "csv", "ID", "admin", "xz_admin",
    "clerk", "clerk2", "handler", "leader", "supervisor", "manager", "county_leader",
    "county_supervisor", "county_manager", "handler_rsj", "API", "JSON", "OpenAPI", "Swagger",
    # attachment types and file names
    "JPEG", "PNG", "Word", "png", "jpg", "pdf", "docx",
}


class LiveServer:
    def __init__(self, app) -> None:
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture
def live_server(database_uri: str, shared_database) -> Iterator[LiveServer]:
    """The worker's app with CSRF protection on, as in production, served on loopback."""
    with shared_app(shared_database, "live", WTF_CSRF_ENABLED=True) as app:
        server = LiveServer(app)
        server.start()
        yield server
        server.stop()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    # Generous: CI machines are small and a page may wait for a busy database.
    context.set_default_timeout(30_000)
    new_page = context.new_page()
    errors: list[str] = []
    new_page.on("pageerror", lambda exc: errors.append(str(exc)))
    new_page.on(
        "console", lambda msg: errors.append(msg.text) if msg.type == "error" else None
    )
    new_page.js_errors = errors
    yield new_page
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        new_page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    except Exception:  # noqa: S110 — a screenshot is a courtesy, not part of the test
        pass
    context.close()


def browser_logout(page, base_url: str) -> None:
    """Log out on the server if anyone is signed in (GET /logout/ asks; its button POSTs with
    the CSRF token), then drop the cookies."""
    page.goto(f"{base_url}/logout/")
    if page.locator("#xf-logout-confirm").count():
        with page.expect_navigation():
            page.click("#xf-logout-confirm")
    page.context.clear_cookies()


def browser_login(page, base_url: str, username: str, password: str = DEMO_PASSWORD) -> None:
    # Start from no session. Logging out ends the previous user's sessions on the server, so a
    # response still on its way for the previous page that sets the old cookie again signs
    # nobody in: /login/ shows its form the first time. (Clearing the cookies *before* this
    # defeats it: /logout/ then knows no session to end, and the previous page's dashboard
    # request signs the previous user in again between the form and its POST: a 400.)
    browser_logout(page, base_url)
    page.goto(f"{base_url}/login/")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    try:
        page.wait_for_url(re.compile(r"^(?!.*/login/).*$"))
    except PlaywrightTimeoutError:
        # Say why the login page stayed (locked, wrong password, rate limit), not just "timeout".
        alerts = page.locator(".alert").all_inner_texts() if page.locator(".alert").count() else []
        shown = alerts or page.inner_text("body")[:300]
        raise AssertionError(f"login as {username} did not leave the login page: {shown}") from None


def untranslated_words(page) -> list[str]:
    """ASCII words visible on the page that are not on the allow-list (likely untranslated)."""
    text = page.inner_text("body")
    words = re.findall(r"[A-Za-z][A-Za-z_']{2,}", text)
    return sorted({w for w in words if w not in ALLOWED_ASCII})
