"""An app whose module cannot be imported in the container (psycopg exists only on the client)."""

import psycopg  # noqa: F401

import skylift

app = skylift.App("it-broken")


@app.function()
def never_runs() -> int:
    return 1
