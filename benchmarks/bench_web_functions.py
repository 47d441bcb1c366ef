"""The app of benchmarks/web.py: a trivial FastAPI endpoint, a stream, and a class for cold requests.

With BENCH_WEB_DIRECT set, the module is only `direct_app`, the same FastAPI app, for running straight
under uvicorn beside the gateway (from the benchmarks' venv, which has no Skylift).
"""

import asyncio
import os


def make_app():
    from fastapi import FastAPI
    from fastapi.responses import StreamingResponse

    web_app = FastAPI()

    @web_app.get("/")
    async def hello() -> dict:
        return {"hello": "world"}

    @web_app.get("/stream")
    async def stream() -> StreamingResponse:
        async def events():
            for i in range(3):
                yield f"data: {i}\n\n"
                await asyncio.sleep(0.5)

        return StreamingResponse(events(), media_type="text/event-stream")

    return web_app


if os.environ.get("BENCH_WEB_DIRECT"):
    direct_app = make_app()
else:
    import skylift

    app = skylift.App("bench-web")
    image = skylift.Image.debian_slim().pip_install("fastapi[standard]")

    @app.function(image=image, min_containers=1)
    @skylift.concurrent(max_inputs=64)
    @skylift.asgi_app()
    def hello():
        return make_app()

    @app.cls(image=image, scaledown_window=2)
    class Cold:
        run: int = skylift.parameter(default=0)

        @skylift.fastapi_endpoint()
        def ping(self) -> dict:
            return {"run": self.run, "task": os.environ.get("SKYLIFT_TASK_ID")}
