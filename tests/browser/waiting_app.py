"""An app whose function asks for more CPU than the test host has: its calls wait, visibly."""

from __future__ import annotations

import skylift

app = skylift.App("browser-waiting")


@app.function(cpu=64)
def too_big() -> str:
    return "never placed"
