"""get_dashboard_url(): each object's page in the dashboard, on the server its client talks to."""

from __future__ import annotations

import pytest

import skylift
from skylift._client import Client
from skylift._config import Config
from skylift._dashboard import dashboard_url
from skylift._function import FunctionCall
from skylift.exception import InvalidError


def _client(url: str = "https://skylift.example.org/") -> Client:
    return Client(Config(server_url=url, token_id="tk-1", token_secret="secret", profile=None, source="test"))


def test_a_call_links_to_its_page_on_its_clients_server():
    call = FunctionCall("fc-abc", client=_client())
    assert call.get_dashboard_url() == "https://skylift.example.org/calls/fc-abc"


def test_each_kind_has_its_page():
    client = _client("http://127.0.0.1:8000")
    assert dashboard_url(client, "app", "ap-1") == "http://127.0.0.1:8000/apps/ap-1"
    assert dashboard_url(client, "function", "fu-1") == "http://127.0.0.1:8000/functions/fu-1"
    assert dashboard_url(client, "volume", "vo-1") == "http://127.0.0.1:8000/volumes/vo-1"


def test_an_app_or_function_without_an_id_says_when_it_has_one():
    app = skylift.App("not-running")

    @app.function()
    def f() -> None: ...

    with pytest.raises(InvalidError, match="inside `with app.run"):
        app.get_dashboard_url()
    with pytest.raises(InvalidError, match="no id yet"):
        f.get_dashboard_url()


def test_an_app_links_to_its_page_once_it_has_an_id():
    app = skylift.App("running")
    app.app_id, app._client = "ap-xyz", _client()
    assert app.get_dashboard_url() == "https://skylift.example.org/apps/ap-xyz"


def test_the_cli_prints_an_objects_dashboard_url(monkeypatch):
    from click.testing import CliRunner

    from skylift.cli import cli

    monkeypatch.setenv("SKYLIFT_SERVER_URL", "http://dash.example:8000")
    monkeypatch.setenv("SKYLIFT_TOKEN_ID", "tk-1")
    monkeypatch.setenv("SKYLIFT_TOKEN_SECRET", "secret")
    ran = CliRunner().invoke(cli, ["dashboard", "fc-123"])
    assert ran.exit_code == 0, ran.output
    assert ran.output.strip() == "http://dash.example:8000/calls/fc-123"
    home = CliRunner().invoke(cli, ["dashboard"])
    assert home.output.strip() == "http://dash.example:8000/"
    wrong = CliRunner().invoke(cli, ["dashboard", "xx-1"])
    assert wrong.exit_code == 2
    assert "not the id of an app" in wrong.output
