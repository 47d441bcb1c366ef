"""A non-editable install of the server holds every package it runs: `pip install .` into a fresh
virtual environment, then every Django app imports from there (and nothing from the repository)."""

from __future__ import annotations

import fnmatch
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import venv
from pathlib import Path

import pytest
from django.apps import apps as django_apps

REPO = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
NOT_SHIPPED = {"tests"}  # a package at the root that the server never imports


def _root_packages() -> set[str]:
    return {p.parent.name for p in REPO.glob("*/__init__.py")} - NOT_SHIPPED


def _local_apps() -> list[str]:
    """The Django apps of this repository (the others come with their own distributions)."""
    return sorted(
        config.name
        for config in django_apps.get_app_configs()
        if (REPO / config.name.split(".")[0] / "__init__.py").exists()
    )


def _included(name: str) -> bool:
    patterns = PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)


def test_every_package_of_the_server_is_in_the_packaging_include_list():
    assert set(_local_apps()) <= _root_packages()
    assert [name for name in sorted(_root_packages()) if not _included(name)] == []
    first_party = set(PYPROJECT["tool"]["ruff"]["lint"]["isort"]["known-first-party"])
    assert _root_packages() - first_party == set()


IMPORT_APPS = """
import importlib, json, os, pkgutil, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"
import django
django.setup()
from django.apps import apps
names = json.loads(sys.argv[1])
where = {}
for name in names:
    package = importlib.import_module(name)
    for module in pkgutil.walk_packages(package.__path__, name + "."):
        importlib.import_module(module.name)
    where[name] = next(config.path for config in apps.get_app_configs() if config.name == name)
print(json.dumps(where))
"""


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    """A copy of the source tree: a build leaves files behind."""
    copy = tmp_path_factory.mktemp("packaging") / "source"
    ignore = [
        ".git",
        ".venv",
        ".cache",
        "node_modules",
        "frontend",
        "build",
        "dist",
        "*.egg-info",
        "__pycache__",
    ]
    shutil.copytree(REPO, copy, ignore=shutil.ignore_patterns(*ignore))
    return copy


def _fresh_venv(where: Path, *projects: Path) -> tuple[Path, Path]:
    """A virtual environment with `projects` installed as wheels would be (not editable), and this
    one's packages for their dependencies (a .pth line: no download, and no editable install's
    finder, which would import the repository's own files). Returns its python and site-packages."""
    venv.EnvBuilder(with_pip=False).create(where)
    python = where / "bin" / "python"
    site = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps"]
        + ["--no-build-isolation", "--ignore-installed", *map(str, projects)],
        capture_output=True,
        text=True,
        cwd=where,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return python, site


@pytest.fixture(scope="module")
def server_venv(source, tmp_path_factory) -> tuple[Path, Path]:
    """The server, and the SDK it imports, installed into a fresh virtual environment."""
    return _fresh_venv(tmp_path_factory.mktemp("server-venv"), source, source / "clients" / "python")


def test_a_pip_install_of_the_server_imports_every_django_app(server_venv):
    # given the server installed with pip
    python, site = server_venv
    # when Django starts there
    apps = _local_apps()
    started = subprocess.run(
        [python, "-I", "-c", IMPORT_APPS, json.dumps(apps)], capture_output=True, text=True, cwd=python.parent
    )
    # then every app and each of its modules imports, from the install
    assert started.returncode == 0, started.stderr[-3000:]
    where = json.loads(started.stdout.splitlines()[-1])
    assert sorted(where) == apps
    assert all(Path(path).is_relative_to(site) for path in where.values()), where


def _cli(python: Path, *args: str, data_dir: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SKYLIFT_", "DJANGO_"))}
    return subprocess.run(
        [python.parent / "skylift", *args],
        env={**env, "SKYLIFT_DATA_DIR": str(data_dir)},
        capture_output=True,
        text=True,
        cwd=python.parent,
    )


def test_the_installed_cli_reaches_the_servers_supervisor_without_django(server_venv, tmp_path):
    python, _ = server_venv
    status = _cli(python, "server", "status", data_dir=tmp_path)
    assert (status.returncode, status.stdout) == (
        3,
        "Skylift is not running (start it with `skylift server start`).\n",
    )
    # and neither the CLI nor the supervisor loads Django or the server's settings to get there
    loaded = subprocess.run(
        [python, "-I", "-c", SUPERVISOR_MODULES], capture_output=True, text=True, cwd=tmp_path, check=True
    )
    assert json.loads(loaded.stdout) == []


SUPERVISOR_MODULES = """
import json, sys
import skylift.cli
skylift.cli._supervisor()
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in ("django", "config"))))
"""


def test_the_sdk_alone_says_the_server_is_not_installed(source, tmp_path):
    python, _ = _fresh_venv(tmp_path / "venv", source / "clients" / "python")
    status = _cli(python, "server", "status", data_dir=tmp_path)
    assert status.returncode == 1
    assert "The Skylift server is not installed in this environment" in status.stderr
