"""Web endpoints on the dashboard's app page, in real Chromium: each function's and each class
method's URL (the API's `web_urls`), a link to a new tab with a copy button, the kind as a badge and
proxy auth linking to the Proxy tokens page; reachable by keyboard, and at phone width."""

from __future__ import annotations

import textwrap

import httpx
import pytest
from playwright.sync_api import expect

from skylift._import_file import import_file
from tests.browser.test_dashboard import sign_in

pytestmark = pytest.mark.browser

APP = textwrap.dedent(
    """
    import skylift

    app = skylift.App("browser-web")


    @app.function()
    @skylift.fastapi_endpoint(method="POST", requires_proxy_auth=True)
    def checkout(item: dict) -> dict:
        return item


    @app.function()
    @skylift.web_server(8000)
    def site():
        pass


    @app.function()
    def plain() -> str:
        return "not served over HTTP"


    @app.cls()
    class Shop:
        @skylift.asgi_app()
        def api(self):
            pass

        @skylift.wsgi_app(requires_proxy_auth=True)
        def legacy(self):
            pass

        @skylift.method()
        def count(self) -> int:
            return 0
    """
)


def test_the_app_page_shows_each_web_url_its_kind_and_proxy_auth(page, platform, tmp_path):
    alice = platform.users["alice"]
    source = tmp_path / "browser_web.py"
    source.write_text(APP)
    app_id = import_file(str(source)).app.deploy(client=platform.client("alice")).app_id
    functions = httpx.get(
        f"{platform.url}/api/v1/functions/", params={"app": app_id}, headers=alice.headers
    ).json()["results"]
    urls = {
        (f"{fn['name']}.{method}" if method else fn["name"]): url
        for fn in functions
        for method, url in fn["web_urls"].items()
    }
    assert sorted(urls) == [
        "Shop.api",
        "Shop.legacy",
        "checkout",
        "site",
    ]  # plain and Shop.count serve nothing

    # given alice's app page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    sign_in(page, "alice", alice.password)
    expect(page.get_by_role("heading", name="Apps")).to_be_visible()
    page.goto(f"/apps/{app_id}")
    table = page.get_by_role("table", name="Web endpoints")
    rows = table.get_by_test_id("web-endpoint")
    # then each served part is listed once, with the URL the API gives, a kind and proxy auth where set
    expect(rows).to_have_count(4)
    expected = {
        "checkout": ("FastAPI endpoint", "POST", True),
        "site": ("web server", None, False),
        "Shop.api": ("ASGI app", None, False),
        "Shop.legacy": ("WSGI app", None, True),
    }
    for name, (kind, http_method, proxy_auth) in expected.items():
        row = table.locator(f"[data-name='{name}']")
        expect(row.get_by_test_id("web-url")).to_have_text(urls[name])
        expect(row.get_by_test_id("web-url")).to_have_attribute("href", urls[name])
        expect(row.get_by_test_id("web-url")).to_have_attribute("target", "_blank")
        expect(row.get_by_test_id("web-kind")).to_have_text(kind)
        expect(row.get_by_test_id("web-method")).to_have_count(1 if http_method else 0)
        if http_method:
            expect(row.get_by_test_id("web-method")).to_have_text(http_method)
        expect(row.get_by_test_id("proxy-auth")).to_have_count(1 if proxy_auth else 0)
    assert (
        urls["checkout"] == "http://alpha--browser-web-checkout.web.test"
    )  # the platform's SKYLIFT_WEB_DOMAIN

    # when alice copies checkout's URL, by keyboard: its link, then its copy button
    checkout = table.locator("[data-name='checkout']")
    checkout.get_by_test_id("web-url").focus()
    page.keyboard.press("Tab")
    copy = checkout.get_by_role("button", name="Copy the URL of checkout")
    expect(copy).to_be_focused()
    page.keyboard.press("Enter")
    # then the clipboard holds the URL
    expect(checkout.get_by_role("status")).to_have_text("Copied.")
    assert page.evaluate("navigator.clipboard.readText()") == urls["checkout"]

    # when its proxy auth badge is followed by keyboard
    page.keyboard.press("Tab")
    expect(checkout.get_by_test_id("proxy-auth")).to_be_focused()
    page.keyboard.press("Enter")
    # then the Proxy tokens page opens
    expect(page).to_have_url(f"{platform.url}/proxy-tokens")
    expect(page.get_by_role("heading", name="Proxy tokens")).to_be_visible()

    # at phone width, every URL and its copy button stay within the screen
    page.set_viewport_size({"width": 390, "height": 844})
    page.go_back()
    expect(rows).to_have_count(4)
    for name in expected:
        row = table.locator(f"[data-name='{name}']")
        for part in (
            row.get_by_test_id("web-url"),
            row.get_by_role("button", name=f"Copy the URL of {name}"),
        ):
            box = part.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, (name, box)
