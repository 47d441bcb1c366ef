"""Screenshots of every page of the dashboard, with real data, saved as test artifacts (issue 15).

A workspace of its own (so other tests' objects never show) holds a deployed app mapped over (calls,
one failed), its logs and warm containers, a build, a volume, a secret, a Dict, a Queue, a running
sandbox and a second member. Each page is opened at 1280×800 and saved as PNG under $SKYLIFT_TEST_ARTIFACTS/screenshots
(default .cache/test-artifacts/screenshots); a few again at a phone's width (390×844) and in the
dark theme. No page may scroll sideways, at either width.

`make screenshots` runs this test with SKYLIFT_README_SCREENSHOTS=docs/screenshots: the README's
few are then copied there, quantized to a 256-colour palette (pillow) to keep the repository small.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

import skylift
from tests.browser.conftest import REPO
from tests.browser.test_dashboard import sign_in

pytestmark = pytest.mark.browser

ARTIFACTS = Path(os.environ.get("SKYLIFT_TEST_ARTIFACTS", REPO / ".cache" / "test-artifacts")) / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# The README's screenshots: (artifact, file under docs/screenshots).
README = {
    "apps": "apps.png",
    "function": "function.png",
    "logs": "logs.png",
    "phone-function-menu": "phone-menu.png",
    "dark-function": "dark-function.png",
}


@pytest.fixture(scope="module")
def world(platform):
    """A workspace of its own with an object behind every page; the ids the pages need."""
    suffix = uuid.uuid4().hex[:6]
    owner = platform.create_user(f"maya-{suffix}", f"acme-ml-{suffix}", role="owner")
    platform.create_user(f"lee-{suffix}", owner.workspace, role="member")
    client = platform.client(owner.username)
    from tests.browser import screenshots_app

    screenshots_app.app.deploy(client=client)
    calls = list(screenshots_app.resize.map(range(24), return_exceptions=True))
    assert sum(isinstance(c, Exception) for c in calls) == 1
    assert screenshots_app.classify.remote(3) == "cat"
    skylift.Secret.objects.create("openai", {"OPENAI_API_KEY": "sk-…"}, client=client)
    d = skylift.Dict.from_name("feature-cache", create_if_missing=True, client=client)
    d["model"] = "resnet-50"
    d["thresholds"] = {"cat": 0.8, "dog": 0.75}
    q = skylift.Queue.from_name("jobs", create_if_missing=True, client=client)
    q.put_many([{"image": i} for i in range(3)])
    sandbox = skylift.Sandbox.create(
        "sh",
        "-c",
        "echo 'loading model weights'; echo 'serving on :8000'; exec python3 -m http.server 8000",
        encrypted_ports=[8000],
        unencrypted_ports=[5432],
        timeout=900,
        client=client,
    )
    sandbox.set_tags({"agent": "code-interpreter"})
    api = f"{platform.url}/api/v1"
    with httpx.Client(headers=owner.headers, timeout=30) as http:
        volume = http.post(f"{api}/volumes/", json={"name": "model-weights"})
        assert volume.status_code == 201, volume.text

        def first(path: str, **params) -> str:
            got = http.get(f"{api}/{path}/", params=params)
            got.raise_for_status()
            return got.json()["results"][0]["id"]

        app_id = http.get(f"{api}/apps/lookup/", params={"name": "image-pipeline"}).json()["id"]
        functions = http.get(f"{api}/functions/", params={"app": app_id}).json()["results"]
        ids = {
            "app": app_id,
            "function": next(f["id"] for f in functions if f["name"] == "resize"),
            "call": first("calls", app=app_id, function_name="resize"),
            "volume": volume.json()["id"],
            "secret": first("secrets"),
            "dict": first("dicts"),
            "queue": first("queues"),
            "sandbox": sandbox.object_id,
        }
    yield owner, ids
    sandbox.terminate()


def _pages(ids: dict) -> list[tuple[str, str, str]]:
    """(name, path, the heading that shows it is loaded) of every page."""
    return [
        ("apps", "/", "Apps"),
        ("app", f"/apps/{ids['app']}", "image-pipeline"),
        ("function", f"/functions/{ids['function']}", "resize"),
        ("call", f"/calls/{ids['call']}", "resize"),
        ("logs", "/logs", "Logs"),
        ("containers", "/containers", "Containers"),
        ("builds", "/builds", "Builds"),
        ("volumes", "/volumes", "Volumes"),
        ("volume", f"/volumes/{ids['volume']}", "model-weights"),
        ("secrets", "/secrets", "Secrets"),
        ("secret", f"/secrets/{ids['secret']}", "openai"),
        ("new-secret", "/secrets/new", "New secret"),
        ("dicts", "/dicts", "Dicts"),
        ("dict", f"/dicts/{ids['dict']}", "feature-cache"),
        ("queues", "/queues", "Queues"),
        ("queue", f"/queues/{ids['queue']}", "jobs"),
        ("sandboxes", "/sandboxes", "Sandboxes"),
        ("sandbox", f"/sandboxes/{ids['sandbox']}", ids["sandbox"]),
        ("proxy-tokens", "/proxy-tokens", "Proxy tokens"),
        ("members", "/members", "Members"),
        ("tokens", "/tokens", "API tokens"),
        ("audit", "/audit", "Audit log"),
        ("settings", "/settings", "Settings"),
        ("usage", "/usage", "Usage"),
        ("budgets", "/budgets", "Budgets"),
    ]


def _open(page: Page, path: str, heading: str) -> None:
    page.goto(path)
    expect(page.get_by_role("heading", name=heading, exact=False).first).to_be_visible()
    expect(page.get_by_text("Loading…")).to_have_count(0)
    page.wait_for_load_state("networkidle")


def _shoot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=path, animations="disabled", caret="hide")
    return path


# The innermost elements reaching past the window's right edge (what makes a page scroll sideways).
OVERFLOWING_JS = """
() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .filter(e => ![...e.children].some(c => c.getBoundingClientRect().right > window.innerWidth + 1))
  .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))
"""


def _no_sideways_scroll(page: Page, name: str) -> None:
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if width[0] > width[1]:
        culprits = page.evaluate(OVERFLOWING_JS)
        pytest.fail(f"{name} scrolls sideways: {width[0]} px wide in {width[1]}: {culprits}")


def test_every_page_is_captured_with_real_data(world, dashboard_built, platform, chromium):
    owner, ids = world
    shots: list[Path] = []
    for name, viewport, scheme in (
        ("", DESKTOP, "light"),
        ("phone-", PHONE, "light"),
        ("dark-", DESKTOP, "dark"),
    ):
        context = chromium.new_context(base_url=platform.url, viewport=viewport, color_scheme=scheme)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error, errors=errors: errors.append(str(error)))
        sign_in(page, owner.username, owner.password)
        expect(page.get_by_test_id("user")).to_contain_text(owner.username)
        for page_name, path, heading in _pages(ids):
            if name == "dark-" and page_name not in ("apps", "function", "logs"):
                continue
            _open(page, path, heading)
            if page_name == "function":
                # the charts are drawn, in this theme's colours
                expect(page.locator("[data-chart=rate] canvas")).to_be_visible()
                expect(page.locator("[data-theme-drawn]").first).to_have_attribute("data-theme-drawn", scheme)
            if page_name == "apps":
                expect(page.get_by_test_id("app-row").filter(has_text="image-pipeline")).to_be_visible()
            if page_name == "sandboxes":
                expect(page.get_by_test_id("sandbox-row").filter(has_text=ids["sandbox"])).to_contain_text(
                    "running"
                )
            if page_name == "sandbox":
                # what its command printed, and its processes, are on the picture
                expect(page.get_by_role("log", name="Sandbox logs")).to_contain_text("serving on :8000")
                expect(page.get_by_role("table", name="Processes")).to_contain_text("http.server")
                expect(page.get_by_text("and raw TCP")).to_be_visible()
            _no_sideways_scroll(page, f"{name}{page_name}")
            if name == "phone-" and page_name not in ("apps", "function", "logs", "members"):
                continue  # every page is checked at a phone's width; a few are kept as pictures
            shots.append(_shoot(page, f"{name}{page_name}"))
        if name == "phone-":
            _open(page, f"/functions/{ids['function']}", "resize")
            page.get_by_role("button", name="Menu").click()
            expect(page.get_by_role("navigation", name="Main")).to_be_visible()
            shots.append(_shoot(page, "phone-function-menu"))
        context.close()
        assert errors == [], f"uncaught errors in the page: {errors}"
    assert len(shots) == 25 + 4 + 1 + 3
    assert all(shot.stat().st_size > 10_000 for shot in shots)  # a page, not a blank
    readme = os.environ.get("SKYLIFT_README_SCREENSHOTS")
    if readme:
        _save_for_readme(Path(readme))


def _save_for_readme(folder: Path) -> None:
    from PIL import Image

    folder = folder if folder.is_absolute() else REPO / folder
    folder.mkdir(parents=True, exist_ok=True)
    for artifact, target in README.items():
        with Image.open(ARTIFACTS / f"{artifact}.png") as image:
            small = image.convert("RGB").quantize(
                colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
            )
            small.save(folder / target, optimize=True)
