"""S16 (a), static: the control plane never unpickles user bytes.

Payloads are opaque bytes on the server; only the sandboxed container (the SDK's runtime in
clients/python) unpickles them. This greps every Python file of the server for the ways to
unpickle, so that a `pickle.loads` cannot slip in unnoticed.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# The clients (the SDK and the `modal` alias of it) run on the user's machine and in containers;
# tests may unpickle what they get back.
EXEMPT = {("clients",), ("tests",), ("frontend", "node_modules")}
BANNED = re.compile(
    r"""
      \b(?:c?pickle|cloudpickle|dill|_pickle)\s*\.\s*loads?\b   # pickle.loads, cloudpickle.load
    | \bUnpickler\b                                            # pickle.Unpickler and subclasses
    | \bfrom\s+(?:c?pickle|cloudpickle|dill|_pickle)\s+import\s+[^\n]*\bloads?\b
    | \b__import__\(\s*["'](?:c?pickle|cloudpickle|dill)["']\s*\)
    """,
    re.VERBOSE,
)


def _server_files() -> list[Path]:
    found = []
    for root, dirs, files in os.walk(REPO):
        # Prune as we go: .venv, .cache and node_modules hold tens of thousands of files.
        rel = Path(root).relative_to(REPO).parts
        dirs[:] = [
            d
            for d in dirs
            if not d.startswith(".")
            and d != "__pycache__"
            and not any((*rel, d)[: len(e)] == e for e in EXEMPT)
        ]
        found += [Path(root, name) for name in files if name.endswith(".py")]
    return found


def test_it_finds_the_server_code_to_scan():
    # The scan is only as good as its file list: it must include the control plane and the agent.
    names = {str(p.relative_to(REPO)) for p in _server_files()}
    assert {"functions/services.py", "hosts/relay.py", "hosts/services.py", "config/asgi.py"} <= names
    assert not [n for n in names if n.startswith(("clients/", "tests/", ".venv/"))]


def test_it_never_unpickles_in_server_code():
    # when
    found = [
        f"{path.relative_to(REPO)}:{number}: {line.strip()}"
        for path in _server_files()
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), start=1)
        if BANNED.search(line)
    ]
    # then
    assert found == [], "the control plane must not unpickle user bytes:\n" + "\n".join(found)


def test_it_recognises_the_banned_forms():
    # The pattern itself, on what it must and must not catch.
    for line in [
        "value = pickle.loads(blob)",
        "cloudpickle.loads(data)",
        "x = cloudpickle.load(f)",
        "class Safe(pickle.Unpickler):",
        "from pickle import loads",
        "from cloudpickle import dumps, loads",
        "import _pickle; _pickle.loads(b)",
    ]:
        assert BANNED.search(line), line
    for line in ["cloudpickle.dumps(fn)", "import cloudpickle", "payloads = []", "downloads(x)"]:
        assert not BANNED.search(line), line
