"""Programs written against Modal's API (`import skylift as modal`), run with `skylift run` against the
platform, in real containers: the forms of FILE::REF, --detach, async entrypoints, App defaults,
App.include, @batched methods and @build methods."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from skylift import FunctionCall

pytestmark = pytest.mark.integration

PROGRAMS = Path(__file__).resolve().parent / "run_programs"
SKYLIFT = str(Path(sys.executable).parent / "skylift")


@pytest.fixture
def run(platform, tmp_path):
    """`skylift run ARGS...` in the programs' folder, as alice; returns (exit code, stdout, stderr)."""
    alice = platform.users["alice"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SKYLIFT_")}
    env.update(
        SKYLIFT_SERVER_URL=platform.url,
        SKYLIFT_TOKEN_ID=alice.token_id,
        SKYLIFT_TOKEN_SECRET=alice.token_secret,
        SKYLIFT_CONFIG_PATH=str(tmp_path / "none.toml"),
    )

    def skylift_run(*args: str) -> tuple[int, str, str]:
        done = subprocess.run(
            [SKYLIFT, "run", "-q", *args], env=env, cwd=PROGRAMS, capture_output=True, text=True, timeout=300
        )
        return done.returncode, done.stdout, done.stderr

    return skylift_run


def test_it_runs_a_batched_method_that_has_no_method_decorator(run):
    # when a class's only method is @batched, without @method() (as Modal allows)
    code, out, err = run("batched_method.py")
    # then callers call it one input at a time
    assert code == 0, err
    assert "one: 42" in out
    assert "many: [0, 2, 4, 6, 8, 10]" in out


def test_it_awaits_an_async_local_entrypoint(run):
    # when the local entrypoint is an `async def` awaiting the .aio forms
    code, out, err = run("async_entrypoint.py", "--x", "4")
    # then it ran to its end
    assert code == 0, err
    assert "RuntimeWarning" not in err
    assert out.splitlines()[-3:] == ["remote: 16", "map: [1, 4, 9]", "spawn: 25"]


def test_it_gives_the_apps_image_volumes_and_secrets_to_its_functions_and_classes(run):
    # when an App(image=..., secrets=[], volumes=..., include_source=True) runs
    code, out, err = run("app_defaults.py")
    # then a function without options runs on the app's image with the app's volume; one with its
    # own image and volume keeps its image and mounts both volumes; a class gets the defaults too
    assert code == 0, err
    assert out.splitlines()[-3:] == [
        "write: app image",
        "read: own, hello from write, True",
        "cls: app image, hello from write",
    ]


def test_it_runs_the_build_method_of_a_class_bound_to_parameters(run):
    # when a class with a @build method runs with its default and with another parameter value
    code, out, err = run("build_param_cls.py")
    # then both pools run on the image the @build method wrote to
    assert code == 0, err
    assert out.splitlines()[-2:] == ["small: weights from the build: a", "large: weights from the build: b"]


def test_it_runs_the_functions_and_classes_of_an_included_app(run):
    # when an app includes another app's function and class
    code, out, err = run("app_include.py")
    # then they run with it, each on the image of the app it was defined in
    assert code == 0, err
    assert out.splitlines()[-2:] == ["greet: HELLO ADA! (tools)", "counter: 42"]


def test_it_runs_what_file_ref_names(run):
    # an app: its only local entrypoint
    assert run("run_forms.py::app", "--x", "5")[:2] == (0, "main: 10\n")
    # a function of an app
    assert run("run_forms.py::app.double", "--x", "4")[:2] == (0, "8\n")
    # a method of a class: the class's parameters and the method's are options
    assert run("run_forms.py::Counter.add", "--start", "40", "--x", "2")[:2] == (0, "42\n")
    # two apps with a local entrypoint each: say which
    code, _, err = run("run_forms.py")
    assert code == 2
    assert "Say which to run: run_forms.py::NAME, with NAME one of main, double, Counter.add" in err


def test_it_keeps_a_detached_app_running_after_the_cli_exits(run, platform):
    # when the entrypoint spawns a call and returns at once, with --detach
    code, out, err = run("--detach", "run_forms.py::detached", "--seconds", "2")
    assert code == 0, err
    call_id = re.search(r"call: (fc-\w+)", out).group(1)
    app_id = re.search(r"The app (ap-\w+) keeps running", err).group(1)
    try:
        # then the app is not stopped, and the call finishes after the CLI is gone
        assert platform.sql("SELECT state, detached FROM skylift_apps_app WHERE id = %s", [app_id]) == [
            ("ephemeral", True)
        ]
        assert FunctionCall.from_id(call_id, client=platform.client("alice")).get(timeout=120) == "slept 2.0"
    finally:
        platform.client("alice").app_stop(app_id)
