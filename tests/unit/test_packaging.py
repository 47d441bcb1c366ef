"""A non-editable install of the server holds every package it runs: `pip install .` into a fresh
virtual environment, then every Django app imports from there (and nothing from the repository)."""

from __future__ import annotations

import fnmatch
import json
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import venv
from pathlib import Path

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


def test_a_pip_install_of_the_server_imports_every_django_app(tmp_path):
    # given a copy of the source tree (a build leaves files behind) and a fresh virtual environment
    # whose dependencies are this one's (a .pth line: no download, and no editable install's finder)
    source = tmp_path / "source"
    shutil.copytree(
        REPO,
        source,
        ignore=shutil.ignore_patterns(
            ".git",
            ".venv",
            ".cache",
            "node_modules",
            "frontend",
            "build",
            "dist",
            "*.egg-info",
            "__pycache__",
        ),
    )
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    site = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    # when the server (and the SDK it imports) are installed as wheels would be (not editable)
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps"]
        + ["--no-build-isolation", "--ignore-installed", str(source), str(source / "clients" / "python")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    # then Django starts there, and every app and each of its modules imports from the install
    apps = _local_apps()
    started = subprocess.run(
        [python, "-I", "-c", IMPORT_APPS, json.dumps(apps)], capture_output=True, text=True, cwd=tmp_path
    )
    assert started.returncode == 0, started.stderr[-3000:]
    where = json.loads(started.stdout.splitlines()[-1])
    assert sorted(where) == apps
    assert all(Path(path).is_relative_to(site) for path in where.values()), where
