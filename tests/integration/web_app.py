"""The app of tests/integration/test_web.py: each kind of web endpoint, with what it needs installed."""

import asyncio
import os
import subprocess
import time

import skylift

app = skylift.App("it-web")
plain = skylift.Image.debian_slim()
frameworks = skylift.Image.debian_slim().pip_install("fastapi", "flask", "websockets")

STARTS = []


@app.function(image=plain)
@skylift.concurrent(max_inputs=20)
@skylift.asgi_app()
def raw():
    """A bare ASGI app: echo, a stream, a WebSocket echo; its lifespan is counted."""
    state = {"started": 0}

    async def application(scope, receive, send):
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    state["started"] += 1
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] == "websocket":
            await receive()
            await send({"type": "websocket.accept"})
            while True:
                message = await receive()
                if message["type"] == "websocket.disconnect":
                    return
                text = message.get("text") or message.get("bytes", b"").decode()
                await send({"type": "websocket.send", "text": f"echo:{text}"})
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        path = scope["path"]
        if path == "/stream":
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-type", b"text/event-stream")],
                }
            )
            for i in range(5):
                await send(
                    {
                        "type": "http.response.body",
                        "body": f"data: {i} {time.time()}\n\n".encode(),
                        "more_body": True,
                    }
                )
                await asyncio.sleep(0.3)
            await send({"type": "http.response.body", "body": b""})
            return
        if path == "/crash":
            os._exit(3)
        if path == "/raise":
            raise RuntimeError("broken on purpose")
        answer = (
            f"path={path} root={scope.get('root_path', '')} client={scope['client'][0] if scope.get('client') else ''} "
            f"method={scope['method']} query={scope['query_string'].decode()} body={len(body)} "
            f"lifespans={state['started']} task={os.environ['SKYLIFT_TASK_ID']}"
        ).encode()
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]}
        )
        await send({"type": "http.response.body", "body": answer})

    return application


@app.function(image=frameworks)
@skylift.fastapi_endpoint(docs=True)
def square(x: int) -> dict:
    return {"square": x**2}


@app.function(image=frameworks)
@skylift.fastapi_endpoint(method="POST", label="it-web-total", custom_domains=["total.custom.test"])
def total(item: dict) -> dict:
    return {"total": sum(item["values"])}


@app.function(image=frameworks)
@skylift.concurrent(max_inputs=10)
@skylift.wsgi_app()
def flask_app():
    from flask import Flask, request

    web_app = Flask(__name__)

    @web_app.post("/echo")
    def echo():
        return {"echo": request.json, "client": request.remote_addr}

    return web_app


@app.function(image=plain)
@skylift.concurrent(max_inputs=10)
@skylift.web_server(8000, startup_timeout=10)
def files():
    os.makedirs("/tmp/site", exist_ok=True)
    with open("/tmp/site/hello.txt", "w") as f:
        f.write("hello from http.server")
    subprocess.Popen(["python3", "-m", "http.server", "-d", "/tmp/site", "8000"])


@app.function(image=plain)
@skylift.web_server(8001, startup_timeout=1)
def never_listens():
    pass


@app.function(image=frameworks)
@skylift.asgi_app()
def broken_lifespan():
    from contextlib import asynccontextmanager

    from fastapi import FastAPI

    @asynccontextmanager
    async def lifespan(web_app):
        raise RuntimeError("the database is not there")
        yield

    return FastAPI(lifespan=lifespan)


@app.function(image=frameworks, max_containers=1)
@skylift.fastapi_endpoint()
def slow(seconds: float = 0.0) -> str:
    time.sleep(seconds)
    return "done"


@app.cls(image=frameworks)
class Greeter:
    greeting: str = skylift.parameter(default="hello")
    times: int = skylift.parameter(default=1)

    @skylift.enter()
    def ready(self):
        self.entered = True

    @skylift.fastapi_endpoint()
    def greet(self, name: str = "world") -> dict:
        return {
            "text": " ".join([f"{self.greeting} {name}"] * self.times),
            "entered": self.entered,
            "task": os.environ["SKYLIFT_TASK_ID"],
        }


@app.function(image=plain)
@skylift.asgi_app(requires_proxy_auth=True)
def private():
    async def application(scope, receive, send):
        if scope["type"] != "http":
            return
        seen = sorted(name.decode() for name, _ in scope["headers"] if name.endswith((b"-key", b"-secret")))
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send(
            {"type": "http.response.body", "body": f"private; credential headers seen: {seen}".encode()}
        )

    return application


@app.function(image=frameworks, scaledown_window=5)
@skylift.fastapi_endpoint()
def busy(seconds: float = 0.0) -> str:
    time.sleep(seconds)
    return os.environ["SKYLIFT_TASK_ID"]


@app.function(image=frameworks, scaledown_window=2)
@skylift.asgi_app()
def lifecycle():
    """A FastAPI app whose lifespan marks its startup and its shutdown in a Dict, per container."""
    from contextlib import asynccontextmanager

    from fastapi import FastAPI

    marks = skylift.Dict.from_name("it-web-lifecycle", create_if_missing=True)
    task = os.environ["SKYLIFT_TASK_ID"]

    async def mark(what: str) -> None:
        await marks.put.aio(f"{task}:{what}", (await marks.get.aio(f"{task}:{what}", 0)) + 1)

    @asynccontextmanager
    async def lifespan(web_app):
        await mark("startup")
        yield
        await mark("shutdown")

    web_app = FastAPI(lifespan=lifespan)

    @web_app.get("/")
    def who() -> dict:
        return {"task": task}

    return web_app


WEBSOCKET_ECHO = """
from websockets.sync.server import serve

def echo(websocket):
    for message in websocket:
        websocket.send("server:" + message)

with serve(echo, "0.0.0.0", 8002) as server:
    server.serve_forever()
"""


@app.function(image=frameworks)
@skylift.web_server(8002, startup_timeout=30)
def websocket_server():
    subprocess.Popen(["python3", "-c", WEBSOCKET_ECHO])
