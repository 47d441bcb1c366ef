"""The dashboard's Dicts and Queues pages in real Chromium: values put through the SDK show by
their text previews, or as "pickled value, N bytes" (never unpickled); clear and delete are
confirmed; the API's refusals (403 role, 404 gone) are shown in its words."""

from __future__ import annotations

import uuid

import httpx
import pytest
from playwright.sync_api import expect

import skylift
from skylift._state import dumps
from tests.browser.test_dashboard import sign_in

pytestmark = pytest.mark.browser


def test_a_dicts_entries_show_by_preview_or_pickle_size_then_it_is_cleared_and_deleted(page, platform):
    alice = platform.users["alice"]
    name = f"cache-{uuid.uuid4().hex[:6]}"
    # given alice's Dict holding a str, a JSON-able dict and a set (not JSON), put through the SDK
    d = skylift.Dict.from_name(name, create_if_missing=True, client=platform.client("alice"))
    d["greeting"] = "hello world"
    d["config"] = {"lr": 0.01, "layers": [1, 2]}
    d["tags"] = {"a", "b", "c"}
    set_bytes = len(dumps(d["tags"], "value"))
    # when she finds it by name on the Dicts page, reached from the header
    sign_in(page, "alice", alice.password)
    page.get_by_role("banner").get_by_role("link", name="Dicts").click()
    expect(page.get_by_role("heading", name="Dicts", exact=True)).to_be_visible()
    page.get_by_label("Search").fill(name[-6:])
    table = page.get_by_role("table", name="Dicts")
    expect(table.get_by_role("row")).to_have_count(2)  # the header and hers
    expect(table).to_contain_text("alice")
    table.get_by_role("link", name=name).click()
    # then its page counts three entries and shows each by its preview, the set by its size
    expect(page.get_by_role("heading", name=name)).to_be_visible()
    expect(page.get_by_test_id("len")).to_have_text("3")
    expect(page.get_by_label("Usage")).to_have_text(f'skylift.Dict.from_name("{name}")')
    entries = page.get_by_test_id("entry")
    expect(entries).to_have_count(3)
    expect(entries.nth(0)).to_contain_text("greeting")
    expect(entries.nth(0)).to_contain_text("hello world")
    expect(entries.nth(1)).to_contain_text('{"lr": 0.01, "layers": [1, 2]}')
    expect(entries.nth(2)).to_contain_text("tags")
    expect(entries.nth(2)).to_contain_text(f"pickled value, {set_bytes:,} bytes")

    # when she clears it, confirming (by keyboard), then it has no entries
    page.get_by_role("button", name="Clear entries…").click()
    clear = page.get_by_role("region", name="Clear entries")
    expect(clear.get_by_role("button", name="Cancel")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(clear.get_by_role("button", name="Clear every entry")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text("Cleared: the Dict has no entries.")
    expect(page.get_by_test_id("len")).to_have_text("0")
    expect(page.get_by_text("No entries.", exact=True)).to_be_visible()
    assert len(d) == 0

    # when she deletes it, confirming, then she is back at the list, without it
    page.get_by_role("button", name="Delete dict…").click()
    page.get_by_role("region", name="Delete dict").get_by_role("button", name=f"Delete {name}").click()
    expect(page.get_by_role("heading", name="Dicts", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=name)).to_have_count(0)
    found = httpx.get(f"{platform.url}/api/v1/dicts/", params={"name": name}, headers=alice.headers)
    assert found.json()["results"] == []


def test_a_queues_next_items_per_partition_then_the_apis_refusals_and_clear(page, platform):
    bob = platform.users["bob"]
    name = f"jobs-{uuid.uuid4().hex[:6]}"
    # given alice's Queue: two items in the default partition (text, then a set), one in "urgent"
    q = skylift.Queue.from_name(name, create_if_missing=True, client=platform.client("alice"))
    q.put_many(["first job", {"b", "a"}])
    q.put({"id": 7}, partition="urgent")
    set_bytes = len(dumps({"b", "a"}, "value"))
    # when bob (a member) opens it
    sign_in(page, "bob", bob.password)
    expect(page.get_by_role("heading", name="Apps")).to_be_visible()
    page.get_by_role("banner").get_by_role("link", name="Queues").click()
    page.get_by_role("table", name="Queues").get_by_role("link", name=name).click()
    # then it counts three items, and the default partition's next two show, oldest first
    expect(page.get_by_test_id("len")).to_have_text("3 in all partitions")
    expect(page.get_by_label("Usage")).to_have_text(f'skylift.Queue.from_name("{name}")')
    expect(page.get_by_test_id("partition-len")).to_have_text("2 items in the default partition")
    items = page.get_by_test_id("item")
    expect(items).to_have_count(2)
    expect(items.nth(0)).to_contain_text("first job")
    expect(items.nth(1)).to_contain_text(f"pickled value, {set_bytes:,} bytes")
    # when he looks at the partition "urgent", then its item shows as JSON
    page.get_by_label("Partition").fill("urgent")
    page.get_by_label("Partition").press("Enter")
    expect(page.get_by_test_id("partition-len")).to_have_text("1 item in the partition urgent")
    expect(items).to_have_count(1)
    expect(items.nth(0)).to_contain_text('{"id": 7}')
    # nothing was taken from the queue by looking
    assert q.len(total=True) == 3

    # when he deletes alice's queue, then the API's 403 is shown and it stays
    page.get_by_role("button", name="Delete queue…").click()
    page.get_by_role("region", name="Delete queue").get_by_role("button", name=f"Delete {name}").click()
    expect(page.get_by_role("alert")).to_contain_text("needs the role owner or admin, or to have created")
    expect(page.get_by_role("alert")).to_contain_text("your role in workspace alpha is member")
    assert q.len(total=True) == 3
    page.get_by_role("button", name="Cancel").click()

    # when he clears "urgent" (members may), then that partition is empty and the others stay
    page.get_by_role("button", name="Clear partition…").click()
    page.get_by_role("region", name="Clear partition").get_by_role(
        "button", name="Clear the partition"
    ).click()
    expect(page.get_by_role("status")).to_have_text("Cleared the partition urgent.")
    expect(page.get_by_text("Nothing in the partition urgent.", exact=True)).to_be_visible()
    expect(page.get_by_test_id("len")).to_have_text("2 in all partitions")

    # when alice deletes it meanwhile and he clears every partition, then the API's 404 is shown
    skylift.Queue.objects.delete(name, client=platform.client("alice"))
    page.get_by_role("button", name="Clear all partitions…").click()
    page.get_by_role("region", name="Clear all partitions").get_by_role(
        "button", name="Clear every partition"
    ).click()
    expect(page.get_by_role("alert")).to_contain_text(f"No queue {q.object_id} in this workspace")
