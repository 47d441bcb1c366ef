"""A Modal program, unchanged: `modal run examples/modal_hello.py` (or `skylift run ...`), with
Skylift's `modal` alias installed (README, "Modal programs, unchanged")."""

import platform
import socket

import modal

app = modal.App("modal-hello")


@app.function()
def square(x: int) -> dict:
    # This print shows up in your terminal, streamed from the container.
    print(f"squaring {x} in container {socket.gethostname()}")
    return {"square": x * x, "python": platform.python_version(), "remote": not modal.is_local()}


@app.local_entrypoint()
def main(x: int = 7):
    result = square.remote(x)
    print(
        f"{x}² = {result['square']}, computed in a container on Python {result['python']} (remote={result['remote']})"
    )
