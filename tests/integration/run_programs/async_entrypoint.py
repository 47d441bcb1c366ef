"""An `async def` local entrypoint that awaits the .aio forms."""

import skylift as modal

app = modal.App("run-async-entrypoint")


@app.function()
def square(x: int) -> int:
    return x * x


@app.local_entrypoint()
async def main(x: int = 3) -> None:
    print("remote:", await square.remote.aio(x))
    print("map:", [y async for y in square.map.aio([1, 2, 3])])
    call = await square.spawn.aio(5)
    print("spawn:", await call.get.aio())
