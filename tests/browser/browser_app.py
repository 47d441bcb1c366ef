"""An app the browser tests run in real containers while the dashboard watches it."""

from __future__ import annotations

import skylift

app = skylift.App("browser-demo")


@app.function()
def double(x: int) -> int:
    return 2 * x


@app.function()
def explode(message: str) -> None:
    raise ValueError(message)
