"""An app whose functions share a volume (tests/integration/test_volumes.py)."""

from __future__ import annotations

import os

import skylift

app = skylift.App("it-volumes")
vol = skylift.Volume.from_name("it-shared", create_if_missing=True)


@app.function(volumes={"/data": vol})
def write(name: str, text: str) -> list[str]:
    os.makedirs("/data/out", exist_ok=True)
    with open(f"/data/out/{name}", "w") as f:
        f.write(text)
    vol.commit()
    return sorted(os.listdir("/data/out"))


@app.function(volumes={"/data": vol})
def read(name: str) -> str:
    vol.reload()
    with open(f"/data/{name}") as f:
        return f.read()


@app.function(volumes={"/data": vol})
def plant_link() -> None:
    """What a hostile function can leave in its volume: links to the host's files."""
    os.symlink("/etc/hostname", "/data/escape")


@app.cls(volumes={"/weights": vol})
class Model:
    """A model whose weights an @enter hook loads from the volume, as Modal apps do."""

    @skylift.enter()
    def load(self) -> None:
        with open("/weights/out/model.txt") as f:
            self.weights = f.read()

    @skylift.method()
    def predict(self, x: str) -> str:
        return f"{self.weights}:{x}"
