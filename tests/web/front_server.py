"""A real uvicorn server running web.front's protocol on a free port in a thread, for the tests of
this package (the client side is raw sockets, so what goes over the wire is what is asserted)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager

import uvicorn

from web.front import FrontProtocol


@contextmanager
def front_server(app, **config) -> Iterator[uvicorn.Server]:
    with closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            http=FrontProtocol,
            lifespan="off",
            log_level="warning",
            **config,
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield server
    finally:
        server.should_exit = True
        thread.join(10)
