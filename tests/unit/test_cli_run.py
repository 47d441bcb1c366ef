"""`skylift run` on a file it cannot import says so, without a traceback (no server needed)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SKYLIFT = str(Path(sys.executable).parent / "skylift")


def test_it_refuses_a_file_that_is_not_python_with_a_usage_error(tmp_path):
    # given
    notes = tmp_path / "notes.txt"
    notes.write_text("not a program\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SKYLIFT_")}
    # when
    ran = subprocess.run([SKYLIFT, "run", str(notes)], env=env, capture_output=True, text=True, timeout=60)
    # then
    assert ran.returncode == 2, ran.stderr  # click's usage error
    assert "is not a Python file" in ran.stderr
    assert "Traceback" not in ran.stderr
