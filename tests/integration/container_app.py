"""An app whose container stays up while `skylift container` commands look at it."""

from __future__ import annotations

import skylift

app = skylift.App("it-container")


# Long enough that it is still there when the test stops it, however slow the machine.
@app.function(scaledown_window=600)
def square(x: int) -> int:
    print(f"squaring {x}")
    return x * x
