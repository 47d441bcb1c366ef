"""A Modal program that asks for an option Skylift lacks (a region): `skylift run` refuses it."""

from __future__ import annotations

import skylift as modal

app = modal.App("it-modal-unsupported")


@app.function(region="us-east")
def near() -> str:
    return "never runs"


@app.local_entrypoint()
def main() -> None:
    print(near.remote())
