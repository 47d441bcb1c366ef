"""The repository layout cannot shadow the standard library (DESIGN.md, 'No top-level package may shadow')."""

from __future__ import annotations

import sysconfig
from pathlib import Path

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
