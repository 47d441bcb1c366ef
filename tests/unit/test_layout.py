"""The repository layout cannot shadow the standard library (DESIGN.md, 'No top-level package may shadow')."""

from __future__ import annotations

import sysconfig
from pathlib import Path

from tests.unit.source_ast import parse

REPO = Path(__file__).resolve().parents[2]


def test_it_imports_platform_and_secrets_from_the_stdlib_in_the_server_process():
    # given the Django project is loaded (pytest-django set it up)
    import django.conf

    assert django.conf.settings.ROOT_URLCONF == "config.urls"
    # when
    import platform
    import secrets

    # then
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    assert Path(platform.__file__).parent == stdlib
    assert Path(secrets.__file__).parent == stdlib


def test_it_keeps_python_out_of_the_platform_folder():
    assert not list((REPO / "platform").rglob("*.py"))
    assert not (REPO / "platform" / "__init__.py").exists()


SERVER_PACKAGES = {p.parent.name for p in REPO.glob("*/__init__.py")} - {"tests"}


def test_the_sdk_imports_none_of_the_servers_packages():
    # the SDK and its CLI install without the server: the CLI reaches the embedded platform's
    # supervisor through an entry point of the server's package, never by the server's names
    import ast

    sdk = REPO / "clients" / "python" / "skylift"
    found = []
    for path in sorted(sdk.rglob("*.py")):
        for node in ast.walk(parse(path)):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            found += [f"{path.relative_to(sdk)}: {n}" for n in names if n.split(".")[0] in SERVER_PACKAGES]
    assert SERVER_PACKAGES >= {"config", "hosts", "processes"}
    assert found == []
