"""Real Chromium (the system's, never a downloaded build) against the `platform` fixture's server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# A first call may start a container; give expectations room on a slow machine.
expect.set_options(timeout=30_000)


@pytest.fixture(scope="session")
def dashboard_built() -> None:
    # Django picks up frontend/dist when its settings load, so it must exist before the server starts.
    if not (REPO / "frontend" / "dist" / "index.html").exists():
        pytest.fail("The dashboard is not built: run platform/scripts/frontend.sh (`make test` does).")


# One browser for the package's tests, closed after its last: Playwright's sync API runs an event loop
# in this thread while it is open, and Django refuses its synchronous database calls in a thread with
# a running loop (SynchronousOnlyOperation), so the API tests that follow in the same lane need it gone.
@pytest.fixture(scope="package")
def chromium() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run platform/scripts/install-system.sh (`make test` does).")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(dashboard_built, platform, chromium) -> Iterator[Page]:
    """A fresh browser context (no cookies) on the platform's URL; fails on uncaught page errors."""
    context = chromium.new_context(base_url=platform.url)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == [], f"uncaught errors in the page: {errors}"
