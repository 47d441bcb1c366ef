"""`modal` as a second name for this package, so that Modal programs run unchanged.

`install()` puts a finder first on `sys.meta_path` that answers for `modal` and every `modal.<name>`
with the module `skylift.<name>` itself, never a copy: `modal.exception.NotFoundError is
skylift.exception.NotFoundError`, so `isinstance` and `except` work across both names, and a
submodule imported first under one name is the same object under the other.

A `modal` package whose `__init__` calls `install()` triggers it on `import modal`: containers
always have one on their path (`_alias_path/`, ahead of the image's own packages, so a real
`modal` installed in the image is never imported), and a local environment gets one from the
alias distribution in clients/modal-alias.

Why a finder: a `modal` package of modules re-exporting skylift's needs one file per submodule and
misses any nobody wrote; and `sys.modules["modal"] = skylift` alone is not enough, since
`import modal.exception` would then load skylift's file a second time as a new module, with classes
of its own that `except skylift.exception.NotFoundError` does not catch. The finder maps every name
to the one module.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
from collections.abc import Sequence
from types import ModuleType

__all__ = ["ALIAS", "install"]

ALIAS = "modal"
TARGET = "skylift"


class _Loader(importlib.abc.Loader):
    def __init__(self, target: str) -> None:
        self.target = target

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return None  # a placeholder the import system makes; exec_module swaps it out

    def exec_module(self, module: ModuleType) -> None:
        # The import system hands back whatever sys.modules holds under the name once exec_module
        # returns (importlib._bootstrap._load_unlocked): the target module, not the placeholder.
        sys.modules[module.__name__] = importlib.import_module(self.target)


class _Finder(importlib.abc.MetaPathFinder):
    """Finds `modal` and `modal.*` as `skylift` and `skylift.*`."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != ALIAS and not fullname.startswith(ALIAS + "."):
            return None
        real = TARGET + fullname[len(ALIAS) :]
        if real not in sys.modules and importlib.util.find_spec(real) is None:
            raise ModuleNotFoundError(
                f"No module named {fullname!r}: `{ALIAS}` is Skylift's SDK here, which has no {real!r} "
                f"(Skylift offers Modal's public names at the top level, as `{ALIAS}.<name>`, and "
                f"`{ALIAS}.exception` and `{ALIAS}.experimental`)",
                name=fullname,
            )
        return importlib.machinery.ModuleSpec(fullname, _Loader(real))


def install() -> ModuleType:
    """Make `modal` and its submodules this package and its submodules (once per interpreter).

    Returns the `skylift` package, which `import modal` gets from now on.
    """
    if not any(isinstance(finder, _Finder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _Finder())
    package = importlib.import_module(TARGET)
    sys.modules[ALIAS] = package
    return package
