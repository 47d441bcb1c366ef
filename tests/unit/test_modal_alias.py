"""`import modal` in a container is Skylift's SDK itself, and `modal.experimental` says what it lacks.

The containers' side, on a copy of the runtime laid out as containers mount it: a Python started
with no site-packages and the containers' own PYTHONPATH (hosts.services.RUNTIME_PYTHONPATH), so
that nothing but the runtime's files can answer `import modal`. The real thing, in real
containers, is tests/integration/test_modal_programs.py.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import cloudpickle
import pytest

import skylift
import skylift.experimental
from hosts.services import RUNTIME_PYTHONPATH
from skylift.exception import InvalidError

SDK = Path(skylift.__file__).parent


@pytest.fixture(scope="module")
def runtime(tmp_path_factory) -> Path:
    """/skylift/lib as containers see it: the SDK and cloudpickle, side by side."""
    lib = tmp_path_factory.mktemp("runtime") / "lib"
    for package in (SDK, Path(cloudpickle.__file__).parent):
        shutil.copytree(package, lib / package.name, ignore=shutil.ignore_patterns("__pycache__"))
    return lib


def _in_container(runtime: Path, code: str, *image_packages: Path) -> subprocess.CompletedProcess:
    """Run `code` on the runtime's path (and after it, standing for the image's site-packages, the
    folders `image_packages`)."""
    path = [*RUNTIME_PYTHONPATH.replace("/skylift/lib", str(runtime)).split(":"), *map(str, image_packages)]
    return subprocess.run(
        [sys.executable, "-S", "-c", code],
        env={"PYTHONPATH": ":".join(path), "PYTHONDONTWRITEBYTECODE": "1"},
        cwd=runtime.parent,
        capture_output=True,
        text=True,
    )


SAME_OBJECTS = """
import sys

import modal
import modal.exception
import modal.experimental
from modal import App, Image
from modal.exception import NotFoundError

import skylift
import skylift._exceptions

# (modal is skylift, so `modal.x is skylift.x` would say nothing: compare the modules imported)
assert modal is skylift
for name in ("exception", "experimental"):
    assert sys.modules["modal." + name] is sys.modules["skylift." + name], name
assert NotFoundError is skylift._exceptions.NotFoundError  # the class the SDK raises
assert (App, Image) == (skylift._app.App, skylift._image.Image)
assert isinstance(App("alias"), skylift._app.App)
try:
    raise skylift._exceptions.NotFoundError("gone")
except NotFoundError as exc:
    caught = exc
assert str(caught) == "gone"
# a submodule first imported under either name is the same module under the other
import skylift._volume
import modal._volume
import modal._retries
import skylift._retries
for name in ("_volume", "_retries"):
    assert sys.modules["modal." + name] is sys.modules["skylift." + name], name
print("same objects")
"""


def test_it_gives_skylifts_own_objects_under_modals_names(runtime):
    ran = _in_container(runtime, SAME_OBJECTS)
    assert (ran.returncode, ran.stdout, ran.stderr) == (0, "same objects\n", "")


def test_it_wins_over_modals_own_package_installed_in_the_image(runtime, tmp_path):
    # given an image whose site-packages hold a `modal` package, with an `exception` module
    site = tmp_path / "site-packages"
    (site / "modal").mkdir(parents=True)
    (site / "modal" / "__init__.py").write_text("SOURCE = 'the image'\n")
    (site / "modal" / "exception.py").write_text("SOURCE = 'the image'\n")
    # when the user's code imports modal in the container
    ran = _in_container(
        runtime,
        "import sys, modal, modal.exception, skylift.exception; "
        "print(modal is skylift, sys.modules['modal.exception'] is sys.modules['skylift.exception'])",
        site,
    )
    # then it gets Skylift's, every time
    assert (ran.returncode, ran.stdout) == (0, "True True\n"), ran.stderr


def test_it_says_which_modal_module_skylift_lacks(runtime):
    ran = _in_container(runtime, "import modal.runner")
    assert ran.returncode == 1
    assert (
        "ModuleNotFoundError: No module named 'modal.runner': `modal` is Skylift's SDK here, which has no "
        "'skylift.runner'"
    ) in ran.stderr


SUPPORTED = {"ClusterInfo", "clustered", "get_cluster_info"}  # docs/clusters.md


@pytest.mark.parametrize("name", sorted(set(skylift.experimental.__all__) - SUPPORTED))
def test_each_experimental_function_says_skylift_does_not_support_it_yet(name):
    with pytest.raises(
        InvalidError, match=rf"^modal\.experimental\.{name} \(.+\) is not supported by Skylift yet$"
    ):
        getattr(skylift.experimental, name)(2, broadcast=True)


def test_an_experimental_decorator_fails_where_it_decorates():
    with pytest.raises(InvalidError, match="modal.experimental.http_server"):

        @skylift.experimental.http_server(port=8000)
        class Server:
            pass


def test_it_covers_modals_experimental_names_and_names_the_others():
    # the experimental functions of Modal's inventory (../shared/modal-surface.md §1)
    assert sorted(skylift.experimental.__all__) == [
        "ClusterInfo",
        "clustered",
        "get_app_lifecycle",
        "get_app_objects",
        "get_cluster_info",
        "get_fabric_peers",
        "get_local_input_concurrency",
        "http_server",
        "image_delete",
        "list_deployed_apps",
        "set_local_input_concurrency",
        "stop_app",
        "stop_fetching_inputs",
    ]
    with pytest.raises(AttributeError, match="Skylift supports none of Modal's other experimental functions"):
        skylift.experimental.flash_forward  # noqa: B018
