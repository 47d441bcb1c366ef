"""A detached app the embedded server's test leaves running when it stops the server: its image has
a build step (so its workspace has a build network holder), a call of it sleeps on, and a sandbox
of its image runs (so that image has a pool of sandbox containers kept started)."""

from __future__ import annotations

import time

import skylift

app = skylift.App("embedded-leftovers")
image = skylift.Image.debian_slim().run_commands("echo built in a step")


@app.function(image=image)
def linger(seconds: float) -> None:
    time.sleep(seconds)


def main() -> None:
    with app.run(detach=True, show_logs=False):
        linger.spawn(600)
        skylift.Sandbox.create(app=app, image=image, timeout=600)
