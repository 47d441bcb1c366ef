"""A program written for Modal (`import modal`, never `skylift` at its top) that
tests/integration/test_modal_programs.py runs with `skylift run`: it reports what `modal` is,
locally and in its container, and the MODAL_* variables its container has."""

import json
import os

import modal
import modal.exception
import modal.experimental
from modal import App, Image

app = App("it-modal-program")


def prepare() -> None:
    """A build step: this module, `import modal` and all, is imported in a build container too."""
    with open("/opt/prepared.txt", "w") as f:
        f.write("prepared with modal\n")


@app.function(image=Image.debian_slim().run_function(prepare))
def inside(fail: bool = False) -> dict:
    import skylift
    import skylift.exception

    if fail:
        raise modal.exception.NotFoundError("raised remotely under modal's name")
    return {
        **_identity(skylift),
        "prepared": open("/opt/prepared.txt").read(),
        "modal_env": {k: v for k, v in os.environ.items() if k.startswith("MODAL_")},
        "skylift_env": {k: v for k, v in os.environ.items() if k in ("SKYLIFT_TASK_ID", "SKYLIFT_IMAGE_ID")},
    }


def _identity(skylift) -> dict:
    try:
        raise skylift.exception.NotFoundError("raised under skylift's name")
    except modal.exception.NotFoundError as exc:  # the same class
        caught = str(exc)
    return {
        "modal_is_skylift": modal is skylift,
        "same_error": modal.exception.NotFoundError is skylift.exception.NotFoundError,
        "caught": caught,
        "app": isinstance(app, skylift.App),
        "experimental": modal.experimental is skylift.experimental,
    }


@app.local_entrypoint()
def main() -> None:
    import skylift
    import skylift.exception
    import skylift.experimental

    remote = inside.remote()
    try:
        inside.remote(fail=True)
    except skylift.exception.NotFoundError as exc:
        remote["caught_locally"] = str(exc)
    print(json.dumps({"local": _identity(skylift), "remote": remote}))
