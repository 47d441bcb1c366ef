"""The function dashboard.py charts: deployed, never run (its calls are written into the database)."""

import skylift

app = skylift.App("bench-dashboard")


@app.function()
def noop(x):
    return x
