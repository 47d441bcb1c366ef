"""A class whose only callable method is @batched, without @method(), as Modal allows."""

import skylift as modal

app = modal.App("run-batched-method")


@app.cls()
class Doubler:
    @modal.batched(max_batch_size=4, wait_ms=100)
    def double(self, xs: list[int]) -> list[int]:
        return [2 * x for x in xs]


@app.local_entrypoint()
def main() -> None:
    print("one:", Doubler().double.remote(21))
    print("many:", list(Doubler().double.map(range(6))))
