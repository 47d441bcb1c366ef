"""App.include(): another app's functions and classes run with this app."""

from shared_tools import Counter, shout, tools

import skylift as modal

# The sibling module goes into the image, as Modal asks of local modules beyond the function's own.
image = modal.Image.debian_slim().add_local_python_source("shared_tools")
app = modal.App("run-app-include", image=image).include(tools)


@app.function()
def greet(name: str) -> str:
    return f"hello {name}"


@app.local_entrypoint()
def main() -> None:
    print("greet:", shout.remote(greet.remote("ada")))
    print("counter:", Counter(start=40).add.remote(2))
