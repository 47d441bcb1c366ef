"""The source a function is sent with: packed once per run, and again after its file changes."""

from __future__ import annotations

import importlib
import sys

from skylift._mount import function_source


def test_it_packs_a_module_again_once_its_file_changed(tmp_path, monkeypatch):
    # given a module whose function is packed once
    module = tmp_path / "edited_module.py"
    module.write_text("def f():\n    return 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    first = function_source(importlib.import_module("edited_module").f)
    again = function_source(sys.modules["edited_module"].f)
    # when the file is edited (as `skylift serve` or a deploy after an edit sees it)
    module.write_text("def f():\n    return 22\n")
    sys.modules.pop("edited_module")
    edited = function_source(importlib.import_module("edited_module").f)
    # then the same file gives the same mount, the edited one another
    assert again.mount_sha256 == first.mount_sha256
    assert edited.mount_sha256 != first.mount_sha256
    assert b"return 22" in (edited.mount_content or b"")
