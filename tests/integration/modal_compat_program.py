"""A Modal program as Modal's documentation writes one, for `skylift run` (tests/integration/
test_modal_compatibility.py). Which Modal feature it uses is chosen by MODAL_PROGRAM_USES, so that
each run meets one unsupported feature where a program would write it."""

from __future__ import annotations

import os

import skylift as modal

app = modal.App("it-modal-program")
uses = os.environ.get("MODAL_PROGRAM_USES", "")

# Options given Modal's defaults ask for nothing, and run; nonpreemptible is accepted.
options: dict = {"cloud": None, "enable_memory_snapshot": False, "nonpreemptible": True}
if uses == "region":
    options["region"] = "us-east"


@app.function(**options)
def square(x: int) -> int:
    return x * x


if uses == "tunnel":
    modal.forward(8000)


@app.local_entrypoint()
def main(x: int = 7):
    print(square.remote(x))
