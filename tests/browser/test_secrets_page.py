"""The dashboard's Secrets page in real Chromium: create from a template, edit, audit, delete;
values typed never come back to the page."""

from __future__ import annotations

import uuid

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser import secrets_app
from tests.browser.test_dashboard import sign_in

pytestmark = pytest.mark.browser


def _assert_absent(page: Page, values: list[str]) -> None:
    html = page.content()
    for value in values:
        assert value not in html


def test_it_creates_a_secret_from_a_template_edits_audits_and_deletes_it(page, platform):
    alice = platform.users["alice"]
    name = f"pg-{uuid.uuid4().hex[:6]}"
    typed = {
        key: f"{key.lower()}-{uuid.uuid4().hex}"
        for key in ("PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE")
    }
    # given alice's New secret form, from Secrets in the header, on the PostgreSQL template
    sign_in(page, "alice", alice.password)
    page.get_by_role("banner").get_by_role("link", name="Secrets").click()
    expect(page.get_by_role("heading", name="Secrets", exact=True)).to_be_visible()
    page.get_by_role("link", name="New secret").first.click()
    page.get_by_role("radio", name="PostgreSQL").check()
    expect(page.get_by_label("Name", exact=True)).to_have_value("postgres")
    # when she names it and types a value for each prefilled variable
    page.get_by_label("Name", exact=True).fill(name)
    for key, value in typed.items():
        page.get_by_label(f"Value of {key}").fill(value)
    expect(page.get_by_label("Value of PGPASSWORD")).to_have_attribute("type", "password")
    page.get_by_role("button", name="Create secret").click()
    # then its page lists the variables' names, and no value is anywhere in it, nor after a reload
    expect(page.get_by_role("heading", name=name)).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("Created. Its values are not shown again.")
    variables = page.get_by_role("table", name="Variables")
    expect(variables.get_by_test_id("variable")).to_have_count(5)
    expect(page.get_by_label("Usage")).to_have_text(
        f'@app.function(secrets=[skylift.Secret.from_name("{name}")])'
    )
    _assert_absent(page, list(typed.values()))
    page.reload()
    expect(variables).to_contain_text("PGDATABASE")
    _assert_absent(page, list(typed.values()))

    # when she gives PGPASSWORD a new value and removes PGPORT
    new_password = f"new-{uuid.uuid4().hex}"
    page.get_by_label("New value of PGPASSWORD").fill(new_password)
    page.get_by_label("Remove PGPORT").check()
    page.get_by_role("button", name="Save changes").click()
    # then the variables are four, the history says who changed which, and the value is gone again
    expect(page.get_by_role("status")).to_have_text("Saved: set PGPASSWORD; removed PGPORT.")
    expect(variables.get_by_test_id("variable")).to_have_count(4)
    expect(variables).not_to_contain_text("PGPORT")
    history = page.get_by_test_id("history-row")
    expect(history).to_have_count(2)
    expect(history.first).to_contain_text("updated")
    expect(history.first).to_contain_text("alice")
    expect(history.first).to_contain_text("PGPASSWORD, PGPORT")
    expect(history.last).to_contain_text("created")
    _assert_absent(page, [new_password, *typed.values()])
    secret_id = page.url.rsplit("/", 1)[1]
    answer = httpx.get(f"{platform.url}/api/v1/secrets/{secret_id}/", headers=alice.headers).json()
    assert answer["keys"] == ["PGDATABASE", "PGHOST", "PGPASSWORD", "PGUSER"]

    # when she deletes it, confirming
    page.get_by_role("button", name="Delete secret…").click()
    page.get_by_role("region", name="Delete secret").get_by_role("button", name=f"Delete {name}").click()
    # then she is back at the list, without it
    expect(page.get_by_role("heading", name="Secrets", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=name)).to_have_count(0)
    gone = httpx.get(f"{platform.url}/api/v1/secrets/{secret_id}/", headers=alice.headers)
    assert gone.status_code == 404


def test_it_shows_the_apis_words_for_a_taken_name_a_bad_variable_and_a_role(page, platform):
    alice, bob = platform.users["alice"], platform.users["bob"]
    taken = f"taken-{uuid.uuid4().hex[:6]}"
    made = httpx.post(
        f"{platform.url}/api/v1/secrets/",
        json={"name": taken, "values": {"TOKEN": "t"}},
        headers=alice.headers,
    )
    assert made.status_code == 201, made.text
    # given bob (a member) on the New secret form
    sign_in(page, "bob", bob.password)
    expect(page.get_by_role("heading", name="Apps")).to_be_visible()
    page.goto("/secrets/new")
    page.get_by_label("Name of variable 1").fill("TOKEN")
    page.get_by_label("Value of TOKEN").fill("x")
    # when he takes alice's name, then the API's 409 is shown
    page.get_by_label("Name", exact=True).fill(taken)
    page.get_by_role("button", name="Create secret").click()
    expect(page.get_by_role("alert")).to_contain_text(
        f"A secret named '{taken}' already exists in the environment 'main'."
    )
    # when the variable's name is not one, then the API's 400 is shown, with its hint
    page.get_by_label("Name", exact=True).fill(f"mine-{uuid.uuid4().hex[:6]}")
    page.get_by_label("Name of variable 1").fill("1-BAD")
    page.get_by_role("button", name="Create secret").click()
    expect(page.get_by_role("alert")).to_contain_text("'1-BAD' is not an environment variable name.")
    expect(page.get_by_role("alert")).to_contain_text("not starting with a digit")
    # when he edits alice's secret, then the API's 403 is shown, and nothing changed
    refused = httpx.patch(
        f"{platform.url}/api/v1/secrets/{made.json()['id']}/", json={"remove": ["TOKEN"]}, headers=bob.headers
    )
    assert refused.status_code == 403
    page.goto(f"/secrets/{made.json()['id']}")
    page.get_by_label("Remove TOKEN").check()
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("alert")).to_contain_text(refused.json()["error"]["message"])
    after = httpx.get(f"{platform.url}/api/v1/secrets/{made.json()['id']}/", headers=alice.headers).json()
    assert after["keys"] == ["TOKEN"]


def test_it_says_which_running_apps_keep_a_secret_from_being_deleted(page, platform):
    alice = platform.users["alice"]
    made = httpx.post(
        f"{platform.url}/api/v1/secrets/",
        json={"name": secrets_app.SECRET_NAME, "values": {"TOKEN": "t"}},
        headers=alice.headers,
    )
    assert made.status_code == 201, made.text
    with secrets_app.app.run(client=platform.client("alice"), show_logs=False):
        # given the secret's page while an app given it runs
        sign_in(page, "alice", alice.password)
        expect(page.get_by_role("heading", name="Apps")).to_be_visible()
        page.goto(f"/secrets/{made.json()['id']}")
        # when alice deletes it, then the API's 409 says which app, and the secret stays
        page.get_by_role("button", name="Delete secret…").click()
        page.get_by_role("button", name=f"Delete {secrets_app.SECRET_NAME}").click()
        expect(page.get_by_role("alert")).to_contain_text(
            f"The secret '{secrets_app.SECRET_NAME}' is given to functions of running apps: browser-secrets."
        )
        expect(page.get_by_role("heading", name=secrets_app.SECRET_NAME)).to_be_visible()
    kept = httpx.get(f"{platform.url}/api/v1/secrets/{made.json()['id']}/", headers=alice.headers)
    assert kept.status_code == 200
