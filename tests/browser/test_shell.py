"""The dashboard's shell in real Chromium: at a phone's width the menu button opens the navigation
(Escape closes it), the theme toggle switches and is remembered across a reload (else the system's
preference is followed), and Tab from the top reaches the skip link, then the navigation."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_dashboard import sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def open_page(dashboard_built, platform, chromium) -> Iterator:
    """Pages in fresh contexts with options of their own (viewport, system colour scheme)."""
    contexts = []
    errors: list[str] = []

    def make(**options) -> Page:
        context = chromium.new_context(base_url=platform.url, **options)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        sign_in(page, "alice", platform.users["alice"].password)
        expect(page.get_by_test_id("user")).to_contain_text("alice")
        return page

    yield make
    for context in contexts:
        context.close()
    assert errors == [], f"uncaught errors in the page: {errors}"


def test_at_a_phones_width_the_menu_button_opens_the_navigation(open_page):
    page = open_page(viewport=PHONE)
    nav = page.get_by_role("navigation", name="Main")
    menu = page.get_by_role("button", name="Menu")
    # given a phone's width: the navigation is folded behind the menu button
    expect(nav).to_be_hidden()
    expect(menu).to_have_attribute("aria-expanded", "false")
    # when the menu is opened with the keyboard, then the navigation shows, focus inside it
    menu.focus()
    page.keyboard.press("Enter")
    expect(nav).to_be_visible()
    expect(page.get_by_role("button", name="Close")).to_have_attribute("aria-expanded", "true")
    # and Escape folds it again, giving focus back to the button
    page.keyboard.press("Escape")
    expect(nav).to_be_hidden()
    expect(menu).to_be_focused()
    # when it is opened again and a link followed, then that page shows and the menu folds
    menu.click()
    nav.get_by_role("link", name="Logs").click()
    expect(page.get_by_role("heading", name="Logs", exact=True)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/logs$"))
    expect(nav).to_be_hidden()
    # and the page does not scroll sideways
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_theme_follows_the_system_until_toggled_and_the_choice_persists(open_page):
    page = open_page(color_scheme="dark", viewport={"width": 1280, "height": 800})
    html = page.locator("html")
    # given a system that prefers dark, and no choice made: the dashboard is dark
    expect(html).to_have_attribute("data-theme", "dark")
    dark_bg = page.evaluate("getComputedStyle(document.documentElement).backgroundColor")
    # when the header's toggle is used
    page.get_by_role("banner").get_by_role("button", name="Use the light theme").click()
    # then it is light, with other colours, and stays light across a reload
    expect(html).to_have_attribute("data-theme", "light")
    light_bg = page.evaluate("getComputedStyle(document.documentElement).backgroundColor")
    assert light_bg != dark_bg
    page.reload()
    expect(page.get_by_test_id("user")).to_contain_text("alice")
    expect(html).to_have_attribute("data-theme", "light")
    assert page.evaluate("localStorage.getItem('skylift.theme')") == "light"
    # and toggled back, dark again after a reload
    page.get_by_role("button", name="Use the dark theme").click()
    page.reload()
    expect(html).to_have_attribute("data-theme", "dark")
    assert page.evaluate("getComputedStyle(document.documentElement).backgroundColor") == dark_bg


def test_tab_from_the_top_reaches_the_skip_link_then_the_navigation(open_page):
    page = open_page(viewport={"width": 1280, "height": 800})
    page.goto("/volumes")
    expect(page.get_by_role("heading", name="Volumes", exact=True)).to_be_visible()
    # when Tab is pressed from the top of the page, then the skip link has focus and shows
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    # and the next stops reach the navigation's first link within the header
    reached = []
    for _ in range(6):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.textContent.trim()"))
        if page.evaluate("!!document.activeElement.closest('nav[aria-label=Main]')"):
            break
    assert reached[-1] == "Apps", reached
    # and the focused link is outlined (visible focus)
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Apps", exact=True)).to_be_visible()
    # when the skip link is followed, then focus is in the main landmark, past the navigation
    page.goto("/logs")
    expect(page.get_by_role("heading", name="Logs", exact=True)).to_be_visible()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"
    page.keyboard.press("Tab")
    expect(page.get_by_role("main").get_by_label("App")).to_be_focused()
