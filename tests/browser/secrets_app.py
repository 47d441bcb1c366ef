"""An app given a named secret, running while the browser tests try to delete the secret."""

from __future__ import annotations

import skylift

SECRET_NAME = "browser-in-use"

app = skylift.App("browser-secrets")


@app.function(secrets=[skylift.Secret.from_name(SECRET_NAME)])
def uses_it() -> None:
    pass
