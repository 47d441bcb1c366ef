"""`skylift run` on a file it cannot import, or a program it refuses, says so before reaching a server."""

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


def _run_program(tmp_path, source: str) -> subprocess.CompletedProcess:
    program = tmp_path / "program.py"
    program.write_text(source)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SKYLIFT_")}
    return subprocess.run([SKYLIFT, "run", str(program)], env=env, capture_output=True, text=True, timeout=60)


def test_it_says_that_concurrent_goes_on_the_class_not_a_method(tmp_path):
    ran = _run_program(
        tmp_path,
        "import skylift as modal\napp = modal.App()\n@app.cls()\nclass Model:\n"
        "    @modal.concurrent(max_inputs=4)\n    @modal.method()\n    def predict(self, x):\n        return x\n",
    )
    assert ran.returncode == 1
    assert "@skylift.concurrent goes on the class Model, not on its method predict" in ran.stderr


def test_it_refuses_an_apps_secrets_with_the_error_a_functions_secrets_get(tmp_path):
    # given the same wrong secret (a string, not a Secret) given to an app, and to a function
    secret = '"TOKEN=x"'
    header = "import skylift as modal\n"
    # when each program runs
    for_app = _run_program(tmp_path, header + f"app = modal.App(secrets=[{secret}])\n")
    for_function = _run_program(
        tmp_path,
        header + f"app = modal.App(secrets=[])\n@app.function(secrets=[{secret}])\ndef f():\n    pass\n",
    )
    # then both stop before reaching a server, with the same error
    assert for_app.returncode == for_function.returncode == 1, for_app.stderr
    assert "secrets must be a list of skylift.Secret objects" in for_app.stderr
    assert for_app.stderr.strip().splitlines()[-1] == for_function.stderr.strip().splitlines()[-1]
