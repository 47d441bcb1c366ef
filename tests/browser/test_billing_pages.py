"""Usage, budgets and statements in real Chromium against the real platform: the Usage page's chart,
breakdowns and CSV of a function's metered run; an owner's budgets and the banner every member then
sees (read-only for a member); an app's standing cost and its cap; the month's statement as a page
and as a PDF."""

from __future__ import annotations

import csv
import io
import time
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from billing.statements import money
from tests.billing import billing_app
from tests.billing.test_live_usage import METERED
from tests.browser.test_dashboard import sign_in
from tests.fixtures.live_platform import wait_for

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def spent(platform):
    """A workspace whose function ran once (metered whole), with a deployed app beside it: its spend."""
    owner = platform.create_user("uiowner", "ui-billing-ws")
    platform.create_user("uimember", "ui-billing-ws", role="member")
    client = platform.client("uiowner")
    with billing_app.app.run(client=client):
        task_id = billing_app.burn.remote(0.1)
    wait_for(lambda: platform.sql(METERED, [task_id]), lambda r: r and abs(r[0][1] - float(r[0][0])) < 0.01)
    billing_app.app.deploy(name="ui-deployed", client=client)
    # the container's last window and its disk come in a meter tick (1 s here) after its end:
    # the spend is what the report says once two reads a few ticks apart agree
    seen: list[float] = []

    def settled() -> bool:
        seen.append(client.usage_report()["total_cost"])
        time.sleep(3)
        return len(seen) > 1 and seen[-1] == seen[-2]

    wait_for(settled, bool)
    return owner, seen[-1]


def _open(page, user, link: str, heading: str) -> None:
    sign_in(page, user.username, user.password)
    expect(page.get_by_role("heading", name="Apps")).to_be_visible()
    page.get_by_role("banner").get_by_role("link", name=link).click()
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()


def test_the_usage_page_charts_breaks_down_and_exports_the_usage(page, platform, spent):
    owner, total = spent
    # when the owner opens the Usage page
    _open(page, owner, "Usage", "Usage")
    # then the total is the report's, the chart is drawn, and each breakdown names the run
    expect(page.get_by_test_id("usage-total")).to_have_text(money(total))
    expect(page.get_by_role("img", name="Cost per day by app").locator("canvas").first).to_be_visible()
    expect(page.get_by_role("table", name="Usage by app")).to_contain_text("it-billing")
    expect(page.get_by_role("table", name="Usage by function")).to_contain_text("it-billing / burn")
    resources = page.get_by_role("table", name="Usage by resource")
    expect(resources).to_contain_text("core-seconds")
    expect(resources).to_contain_text("GiB-seconds")
    # when the owner exports the rows
    with page.expect_download() as downloaded:
        page.get_by_role("button", name="Export CSV").click()
    rows = list(csv.DictReader(io.StringIO(open(downloaded.value.path()).read())))
    # then the CSV holds the app's rows, which add up to the total
    assert {r["app"] for r in rows} == {"it-billing"}
    assert sum(float(r["cost_usd"]) for r in rows) == pytest.approx(total)
    # when the range holds no usage, the page says so
    page.get_by_label("From").fill("2020-01-01")
    page.get_by_label("Before").fill("2020-02-01")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text("No usage in this range.")).to_be_visible()
    expect(page.get_by_test_id("usage-total")).to_have_text("$0.00")


def test_the_months_statement_as_a_page_and_a_pdf(page, platform, spent):
    owner, total = spent
    month = f"{datetime.now(UTC):%Y-%m}"
    _open(page, owner, "Usage", "Usage")
    statement = page.get_by_role("region", name="Statement")
    expect(statement.get_by_label("Month")).to_have_value(month)
    # when the owner downloads the PDF from the Usage page
    with page.expect_download() as downloaded:
        statement.get_by_role("link", name="Statement (PDF)").click()
    # then it lists the app
    text = PdfReader(downloaded.value.path()).pages[0].extract_text()
    assert "it-billing" in text and "ui-billing-ws" in text
    # when the owner opens the HTML statement from its link
    with page.context.expect_page() as opened:
        statement.get_by_role("link", name="Statement (HTML)").click()
    html = opened.value
    # then it lists the app and the total of the month
    table = html.get_by_role("table", name="Cost per app")
    expect(table.get_by_role("row").filter(has_text="it-billing")).to_have_count(1)
    expect(html.get_by_role("heading", level=1)).to_contain_text("ui-billing-ws")
    expect(table).to_contain_text(money(total))


def test_budgets_set_by_the_owner_show_a_banner_to_members_and_caps_on_the_app_page(
    page, chromium, platform, spent
):
    owner, total = spent
    # when the owner sets a monthly budget of which 90 % is spent, and a daily cap on the deployed app
    _open(page, owner, "Budgets", "Budgets")
    workspace_form = page.get_by_role("form", name="Workspace budget")
    workspace_form.get_by_label("Monthly budget (US dollars)").fill(repr(total / 0.9))
    workspace_form.get_by_role("button", name="Save workspace budget").click()
    expect(workspace_form.get_by_role("status")).to_have_text("Saved.")
    cap_form = page.get_by_role("form", name="App cap")
    cap_form.get_by_label("App").select_option(label="ui-deployed (main)")
    cap_form.get_by_label("Per").select_option("day")
    cap_form.get_by_label("Cap (US dollars)").fill("4.80")
    cap_form.get_by_role("button", name="Save app cap").click()
    # then both are listed, and the banner says the workspace budget is at 80 %
    table = page.get_by_role("table", name="Budgets")
    expect(table).to_contain_text("The app ui-deployed's daily cap")
    expect(table).to_contain_text("$4.80 a day")
    banner = page.get_by_role("alert", name="Budget alert")
    expect(banner).to_contain_text("The workspace's monthly budget is at 80 %")
    # and the deployed app's page shows its idle cost and what its cap allows an hour
    page.get_by_role("banner").get_by_role("link", name="Apps").click()
    page.get_by_role("link", name="ui-deployed").click()
    standing = page.get_by_role("group", name="Standing cost")
    expect(standing.get_by_test_id("idle-cost")).to_have_text("$0.00 an hour, $0.00 a month while idle")
    expect(standing).to_contain_text("The app's daily cap of $4.80 allows $0.20 an hour")
    # when a member signs in
    other = chromium.new_context(base_url=platform.url)
    try:
        member_page = other.new_page()
        _open(member_page, platform.users["uimember"], "Budgets", "Budgets")
        # then the banner is there for him too, and the budgets are read-only
        expect(member_page.get_by_role("alert", name="Budget alert")).to_contain_text("at 80 %")
        expect(member_page.get_by_role("table", name="Budgets")).to_contain_text(
            "The workspace's monthly budget"
        )
        expect(
            member_page.get_by_text("Owners and admins set them; your role in ui-billing-ws is member.")
        ).to_be_visible()
        expect(member_page.get_by_role("form", name="Workspace budget")).to_have_count(0)
        expect(member_page.get_by_role("button", name="Remove")).to_have_count(0)
    finally:
        other.close()
    # when the owner lowers the budget below the spend, the banner says no new container starts
    page.get_by_role("banner").get_by_role("link", name="Budgets").click()
    page.get_by_label("Monthly budget (US dollars)").fill(repr(total / 2))
    page.get_by_role("button", name="Save workspace budget").click()
    expect(page.get_by_role("status")).to_contain_text("already reached: no new container starts")
    page.get_by_role("banner").get_by_role("link", name="Usage").click()
    expect(page.get_by_role("alert", name="Budget alert")).to_contain_text(
        "The workspace's monthly budget is reached"
    )
