"""The dashboard's volume browser in real Chromium: volumes listed, folders opened, files sized."""

from __future__ import annotations

import io
import tarfile
import uuid

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.test_dashboard import sign_in

pytestmark = pytest.mark.browser


def _tar(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def test_it_lists_volumes_and_browses_their_folders(page, platform):
    # given a volume of alice's with a file in a folder, made over the API
    alice = platform.users["alice"]
    name = f"weights-{uuid.uuid4().hex[:6]}"
    made = httpx.post(f"{platform.url}/api/v1/volumes/", json={"name": name}, headers=alice.headers)
    assert made.status_code == 201, made.text
    volume_id = made.json()["id"]
    put = httpx.put(
        f"{platform.url}/api/v1/volumes/{volume_id}/files/",
        content=_tar({"models/model.bin": b"\0" * 1536, "README.txt": b"hello"}),
        headers={**alice.headers, "Content-Type": "application/x-tar"},
    )
    assert put.status_code == 200, put.text
    # when alice opens Volumes from the header, then the volume is listed
    sign_in(page, "alice", alice.password)
    page.get_by_role("banner").get_by_role("link", name="Volumes").click()
    expect(page.get_by_role("heading", name="Volumes")).to_be_visible()
    page.get_by_role("table", name="Volumes").get_by_role("link", name=name).click()
    # then its root shows the folder and the file, with its size
    expect(page.get_by_role("heading", name=name)).to_be_visible()
    files = page.get_by_role("table", name="Files")
    expect(files).to_contain_text("README.txt")
    expect(files.get_by_role("row", name="README.txt")).to_contain_text("5 B")
    # when she opens the folder, then its file is there, and the path leads back to the root
    files.get_by_role("link", name="models/").click()
    expect(page).to_have_url(f"{platform.url}/volumes/{volume_id}?path=models")
    expect(page.get_by_role("table", name="Files")).to_contain_text("model.bin")
    expect(page.get_by_role("table", name="Files")).to_contain_text("1.5 KiB")
    page.get_by_role("navigation", name="Folder").get_by_role("link", name="/", exact=True).click()
    expect(page.get_by_role("table", name="Files")).to_contain_text("README.txt")


def test_a_volume_deleted_from_its_page_is_gone(page, platform):
    # given alice's volume with a file
    alice = platform.users["alice"]
    name = f"scratch-{uuid.uuid4().hex[:6]}"
    made = httpx.post(f"{platform.url}/api/v1/volumes/", json={"name": name}, headers=alice.headers)
    assert made.status_code == 201, made.text
    volume_id = made.json()["id"]
    # when she deletes it from its page, confirming
    sign_in(page, "alice", alice.password)
    expect(page.get_by_test_id("user")).to_contain_text("alice")
    page.goto(f"/volumes/{volume_id}")
    page.get_by_role("button", name="Delete volume…").click()
    page.get_by_role("region", name="Delete volume").get_by_role("button", name=f"Delete {name}").click()
    # then the page goes back to the list, where it is no more, nor in the API
    expect(page.get_by_role("heading", name="Volumes")).to_be_visible()
    expect(page.get_by_role("table", name="Volumes").get_by_role("link", name=name)).to_have_count(0)
    assert httpx.get(f"{platform.url}/api/v1/volumes/{volume_id}/", headers=alice.headers).status_code == 404
