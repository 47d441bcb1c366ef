"""The smallest Skylift program: `skylift run examples/hello.py`."""

import platform
import socket

import skylift

app = skylift.App("hello")


@app.function()
def square(x: int) -> dict:
    # This print shows up in your terminal, streamed from the container.
    print(f"squaring {x} in container {socket.gethostname()}")
    return {"x": x, "square": x * x, "python": platform.python_version(), "remote": not skylift.is_local()}


@app.local_entrypoint()
def main(x: int = 7):
    result = square.remote(x)
    print(
        f"{x}² = {result['square']}, computed in a container on Python {result['python']}"
        f" (remote={result['remote']})"
    )
