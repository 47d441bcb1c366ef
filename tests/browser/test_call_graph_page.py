"""A call's graph in the dashboard, and the Apps page filtered by environment, in real Chromium."""

from __future__ import annotations

import secrets
import textwrap

import httpx
import pytest
from playwright.sync_api import expect

from skylift._import_file import import_file
from tests.browser.test_dashboard import sign_in
from tests.integration import container_calls_app as calls_app

pytestmark = pytest.mark.browser

STAGED_APP = textwrap.dedent(
    """
    import skylift

    app = skylift.App("browser-staged")


    @app.function()
    def hello() -> str:
        return "hello"
    """
)


def test_it_opens_a_call_from_the_app_page_and_shows_its_graph(page, platform):
    alice = platform.users["alice"]
    with calls_app.app.run(client=platform.client("alice"), show_logs=False):
        # given a call whose function called another with .remote (once) and .map (3 inputs)
        call = calls_app.combine.spawn(3)
        assert call.get(timeout=180) == {"remote": 6, "map": [0, 2, 4]}
        parent_id = call.object_id

        # when its row in the app's recent calls is opened
        sign_in(page, "alice", alice.password)
        expect(page.get_by_role("heading", name="Apps")).to_be_visible()
        page.goto(f"/apps/{calls_app.app.app_id}")
        # (the sections above the calls loaded: nothing moves the link while it is clicked)
        expect(page.get_by_test_id("idle-cost")).to_be_visible()
        expect(page.get_by_role("table", name="Functions")).to_be_visible()
        page.locator(f'[data-call-id="{parent_id}"]').get_by_role("link", name=parent_id).click()

        # then its page shows the graph: the parent, and under it the four inputs it made
        expect(page).to_have_url(f"{platform.url}/calls/{parent_id}")
        tree = page.get_by_role("list", name="Call graph")
        expect(tree.get_by_test_id("graph-node")).to_have_count(5)
        expect(page.get_by_test_id("graph-summary")).to_have_text("5 inputs: 5 succeeded")
        (parent,) = tree.locator(":scope > li").all()
        parent_line = parent.locator(":scope > .graph-node")
        expect(parent_line).to_contain_text("combine")
        expect(parent_line).to_have_attribute("aria-current", "true")
        expect(parent_line.get_by_test_id("input-status")).to_have_text("succeeded")
        expect(parent_line).to_contain_text("ta-")
        children = parent.locator(":scope > ul > li")
        expect(children).to_have_count(4)
        for child in children.all():
            expect(child).to_contain_text("double")
            expect(child.get_by_test_id("input-status")).to_have_text("succeeded")
        child_calls = {child.get_attribute("data-call-id") for child in children.all()}
        assert len(child_calls) == 2 and parent_id not in child_calls  # one .remote, one .map

        # when a child's call is followed
        child_id = children.first.get_attribute("data-call-id")
        children.first.get_by_role("link", name=child_id).click()
        # then its page shows the same graph, from the same root, its own inputs marked
        expect(page).to_have_url(f"{platform.url}/calls/{child_id}")
        expect(page.get_by_role("heading", level=1)).to_contain_text("double")
        tree = page.get_by_role("list", name="Call graph")
        expect(tree.get_by_test_id("graph-node")).to_have_count(5)
        expect(tree.locator(f'[data-call-id="{child_id}"] > [aria-current="true"]')).not_to_have_count(0)
        expect(tree.locator(":scope > li > .graph-node")).to_contain_text("combine")


def test_it_filters_the_apps_by_environment_and_keeps_it_in_the_url(page, platform, tmp_path):
    alice = platform.users["alice"]
    environment = f"staging-{secrets.token_hex(3)}"
    created = httpx.post(
        f"{platform.url}/api/v1/environments/", json={"name": environment}, headers=alice.headers
    )
    assert created.status_code == 201, created.text
    source = tmp_path / "browser_staged.py"
    source.write_text(STAGED_APP)
    import_file(str(source)).app.deploy(client=platform.client("alice"), environment_name=environment)

    # given the apps page: every environment by default
    sign_in(page, "alice", alice.password)
    select = page.get_by_label("Environment")
    expect(select).to_have_value("")
    staged = page.get_by_role("link", name="browser-staged", exact=True)
    expect(staged).to_have_count(1)

    # when the new environment is chosen
    select.select_option(environment)
    # then the URL says so and only its app is listed
    expect(page).to_have_url(f"{platform.url}/?environment={environment}")
    listed = page.get_by_role("table", name="Apps")
    expect(listed.locator("tbody tr")).to_have_count(1)
    expect(listed).to_contain_text(environment)

    # when main is chosen, and the page reloaded
    select.select_option("main")
    expect(page).to_have_url(f"{platform.url}/?environment=main")
    page.reload()
    # then the choice holds and the staged app is not listed
    expect(page.get_by_label("Environment")).to_have_value("main")
    expect(page.get_by_role("table", name="Apps")).to_be_visible()
    expect(staged).to_have_count(0)

    # when all environments are chosen again
    page.get_by_label("Environment").select_option(label="All environments")
    expect(page).to_have_url(f"{platform.url}/")
    expect(staged).to_have_count(1)
