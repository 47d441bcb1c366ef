"""`skylift serve` against the real platform: an ephemeral app that redeploys on an edit, stopped on Ctrl-C."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.integration

SKYLIFT = str(Path(sys.executable).parent / "skylift")

APP = """
import skylift

app = skylift.App("it-serve")


@app.function()
def hello(x):
    return "{release}:" + str(x)


@app.function()
@skylift.asgi_app()
def page():
    async def application(scope, receive, send):
        await send({{"type": "http.response.start", "status": 200, "headers": []}})
        await send({{"type": "http.response.body", "body": b"{release}"}})

    return application
"""


class Lines:
    """The lines a process prints, read as they come."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.seen: list[str] = []
        self._queue: queue.Queue[str] = queue.Queue()
        assert proc.stdout is not None
        stream = proc.stdout
        threading.Thread(target=lambda: [self._queue.put(line) for line in stream], daemon=True).start()

    def wait_for(self, pattern: str, timeout: float = 240) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                break
            self.seen.append(line)
            found = re.search(pattern, line)
            if found:
                return found
        raise AssertionError(f"no line matching {pattern!r} in:\n{''.join(self.seen)}")


def test_serve_redeploys_on_an_edit_and_stops_its_app_on_ctrl_c(platform, tmp_path):
    alice = platform.users["alice"]
    source = tmp_path / "serve_app.py"
    source.write_text(APP.format(release="one"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("SKYLIFT_")}
    env.update(
        PYTHONUNBUFFERED="1",
        SKYLIFT_CONFIG_PATH=str(tmp_path / "skylift.toml"),
        SKYLIFT_SERVER_URL=platform.url,
        SKYLIFT_TOKEN_ID=alice.token_id,
        SKYLIFT_TOKEN_SECRET=alice.token_secret,
    )
    proc = subprocess.Popen(
        [SKYLIFT, "serve", "serve_app.py"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        # Ctrl-C as in a terminal, however the suite was started (a shell's background job ignores
        # SIGINT, and its children would inherit that)
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    lines = Lines(proc)
    try:
        # when it serves the file
        app_id = lines.wait_for(r"Serving it-serve \((ap-\w+)\) v1")[1]
        url = lines.wait_for(r"hello  POST (\S+)")[1]
        http = httpx.Client(headers=alice.headers, timeout=120)
        # then its function answers, by its app's id, as printed
        assert url == f"{platform.url}/api/v1/apps/{app_id}/functions/hello/call"
        assert http.post(url, json={"args": [1]}).json()["result"] == "one:1"
        # and its web endpoint answers at its -dev URL, as printed
        page = lines.wait_for(r"page  (\S+)")[1]
        assert page == "http://alpha--it-serve-page-dev.web.test"
        web = httpx.Client(
            base_url=platform.url, headers={"host": "alpha--it-serve-page-dev.web.test"}, timeout=120
        )
        assert web.get("/").text == "one"
        assert platform.sql("SELECT state FROM skylift_apps_app WHERE id = %s", [app_id]) == [("ephemeral",)]

        # when the file is edited
        source.write_text(APP.format(release="two"))
        lines.wait_for(r"Redeployed it-serve v2")
        # then the same app answers with the new code
        assert http.post(url, json={"args": [2]}).json()["result"] == "two:2"
        time.sleep(1.2)  # the gateway's routes are cached for a second
        assert web.get("/").text == "two"

        # when interrupted (Ctrl-C)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 0
        # then its app is stopped
        lines.wait_for(rf"Stopped it-serve \({app_id}\)")
        assert platform.sql("SELECT state FROM skylift_apps_app WHERE id = %s", [app_id]) == [("stopped",)]
        assert http.post(url, json={"args": [3]}).status_code == 404
        time.sleep(1.2)
        assert web.get("/").status_code == 404
    finally:
        if proc.poll() is None:
            proc.kill()
