"""A class with a @build method and a parameter: each parameter value is a pool of its own."""

from pathlib import Path

import skylift as modal

app = modal.App("run-build-cls")


@app.cls()
class Model:
    size: str = modal.parameter(default="small")

    @modal.build()
    def download(self) -> None:
        Path("/opt/model").mkdir(parents=True, exist_ok=True)
        Path("/opt/model/weights.txt").write_text("weights from the build")

    @modal.enter()
    def load(self) -> None:
        self.weights = Path("/opt/model/weights.txt").read_text()

    @modal.method()
    def predict(self, x: str) -> str:
        return f"{self.size}: {self.weights}: {x}"


@app.local_entrypoint()
def main() -> None:
    print(Model().predict.remote("a"))
    print(Model(size="large").predict.remote("b"))
