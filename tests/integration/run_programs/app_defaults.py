"""App-level image, secrets, volumes and include_source: defaults of every function and class."""

import os

import skylift as modal

shared = modal.Volume.from_name("run-app-defaults", create_if_missing=True)
extra = modal.Volume.from_name("run-app-defaults-extra", create_if_missing=True)

app = modal.App(
    "run-app-defaults",
    image=modal.Image.debian_slim().env({"FROM_APP_IMAGE": "app image"}),
    secrets=[],
    volumes={"/data": shared},
    include_source=True,
)


@app.function()
def write(text: str) -> str:
    with open("/data/note.txt", "w") as f:
        f.write(text)
    shared.commit()
    return os.environ.get("FROM_APP_IMAGE", "no image env")


@app.function(volumes={"/extra": extra}, image=modal.Image.debian_slim().env({"FROM_APP_IMAGE": "own"}))
def read() -> str:
    # its own image replaces the app's; its own volume is added to the app's
    shared.reload()
    return f"{os.environ.get('FROM_APP_IMAGE')}, {open('/data/note.txt').read()}, {os.path.isdir('/extra')}"


@app.cls()
class Reader:
    @modal.method()
    def read(self) -> str:
        shared.reload()
        return f"{os.environ.get('FROM_APP_IMAGE')}, {open('/data/note.txt').read()}"


@app.local_entrypoint()
def main() -> None:
    print("write:", write.remote("hello from write"))
    print("read:", read.remote())
    print("cls:", Reader().read.remote())
