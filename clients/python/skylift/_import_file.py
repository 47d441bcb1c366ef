"""Import the user's file as `skylift run` and `skylift deploy` do: its folder first on sys.path."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import click

__all__ = ["import_file"]


def import_file(path: str) -> ModuleType:
    file = Path(path).resolve()
    if not file.exists():
        raise click.UsageError(f"{path} does not exist")
    name = file.stem
    spec = importlib.util.spec_from_file_location(name, file)
    if spec is None or spec.loader is None:
        raise click.UsageError(f"{path} is not a Python file")
    sys.path.insert(0, str(file.parent))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
