"""A program written for Modal (`import modal`, never `skylift` at its top) that
tests/integration/test_modal_programs.py runs with `skylift run`: it reports what `modal` is,
locally and in its container, and the MODAL_* variables its container has."""

import json
import os

import modal
import modal.exception
import modal.experimental
from modal import App, Image
from modal.exception import NotFoundError

app = App("it-modal-program")


def prepare() -> None:
    """A build step: this module, `import modal` and all, is imported in a build container too."""
    with open("/opt/prepared.txt", "w") as f:
        f.write("prepared with modal\n")


@app.function(image=Image.debian_slim().run_function(prepare))
def inside(fail: bool = False) -> dict:
    if fail:
        raise modal.exception.NotFoundError("raised remotely under modal's name")
    return {
        **_identity(),
        "prepared": open("/opt/prepared.txt").read(),
        "modal_env": {k: v for k, v in os.environ.items() if k.startswith("MODAL_")},
        "skylift_env": {k: v for k, v in os.environ.items() if k in ("SKYLIFT_TASK_ID", "SKYLIFT_IMAGE_ID")},
    }


def _identity() -> dict:
    """What `modal` is here. (`modal` being `skylift`, `modal.x is skylift.x` would say nothing:
    this compares the modules imported under each name, and the class the SDK itself raises.)"""
    import sys

    import skylift._exceptions

    try:
        raise skylift._exceptions.NotFoundError("raised under skylift's name")
    except NotFoundError as exc:  # imported from modal.exception
        caught = str(exc)
    return {
        "modal_is_skylift": modal is skylift,
        "same_modules": [
            sys.modules[f"modal.{name}"] is sys.modules[f"skylift.{name}"]
            for name in ("exception", "experimental")
        ],
        "same_error": NotFoundError is skylift._exceptions.NotFoundError,
        "caught": caught,
        "app": isinstance(app, skylift._app.App),
    }


@app.local_entrypoint()
def main() -> None:
    import skylift._exceptions

    remote = inside.remote()
    try:
        inside.remote(fail=True)
    except skylift._exceptions.NotFoundError as exc:
        remote["caught_locally"] = str(exc)
    print(json.dumps({"local": _identity(), "remote": remote}))
