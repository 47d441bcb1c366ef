"""A Modal program that shows its output with `modal.enable_output()` (tests/integration/test_modal_calls.py)."""

from __future__ import annotations

import skylift as modal

app = modal.App(
    "it-modal-output", image=modal.Image.debian_slim().run_commands("echo enable_output > /opt/output.txt")
)


@app.function()
def hello(name: str) -> str:
    print(f"hello {name} from a container", flush=True)
    return name
