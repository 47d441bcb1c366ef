"""`skylift run FILE::REF` forms: an app, a function of an app, a method of a class; and --detach.

Two apps: `skylift run run_forms.py` alone has two local entrypoints to choose from.
"""

import time

import skylift as modal

app = modal.App("run-forms")


@app.function()
def double(x: int) -> int:
    return 2 * x


@app.cls()
class Counter:
    start: int = modal.parameter(default=0)

    @modal.method()
    def add(self, x: int) -> int:
        return self.start + x


@app.local_entrypoint()
def main(x: int = 1) -> None:
    print("main:", double.remote(x))


detached = modal.App("run-forms-detached")


@detached.function()
def sleepy(seconds: float) -> str:
    time.sleep(seconds)
    return f"slept {seconds}"


@detached.local_entrypoint()
def spawn_and_leave(seconds: float = 3.0) -> None:
    call = sleepy.spawn(seconds)
    print("call:", call.object_id)
