"""`ast.parse` of the project's files, for the tests that read the source (imports, layout).

CPython 3.11 keeps the AST constructor's recursion count in state shared by the interpreter's
threads (gh-106905, fixed in later releases): when another thread builds an AST at the same time
(3.11's traceback formatting parses source lines to place its carets, and the suite's background
threads log exceptions), a parse can fail with "SystemError: AST constructor recursion depth
mismatch" though the file is fine. Such a parse is tried again.
"""

from __future__ import annotations

import ast
from pathlib import Path

__all__ = ["parse"]


def parse(path: Path) -> ast.Module:
    source = path.read_text()
    for _ in range(4):
        try:
            return ast.parse(source, str(path))
        except SystemError:
            continue
    return ast.parse(source, str(path))
