"""Calls the SDK's types refuse: each line marked `# E: code` must be an error of that code, and
no other line may be one. Checked by tests/unit/test_types.py (never run)."""

from __future__ import annotations

import skylift

app = skylift.App("misused")


@app.function()
def square(x: int) -> int:
    return x * x


@app.cls()
class Model:
    @skylift.method()
    def predict(self, x: int) -> str:
        return str(x)


def misuse() -> str:
    square.remote("three")  # E: arg-type
    square.remote(3, 4)  # E: call-arg
    square.spawn(x="3")  # E: arg-type
    square.local()  # E: call-arg
    text: str = square.remote(3)  # E: assignment
    Model().predict.remote("x")  # E: arg-type
    skylift.gather(square.spawn(1)).append("no")  # E: arg-type
    square.with_options(image=None)  # E: call-arg
    return text


@app.function(cpu="two")  # E: arg-type
def bad_option() -> None:
    pass


@app.function(gpus="T4")  # E: call-arg
def unknown_option() -> None:
    pass
