"""A local HTTP receiver of webhook posts, for the budget alert tests."""

from __future__ import annotations

import hashlib
import hmac
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    """Answers its first `fail_first` posts with 500, then 200; keeps each post (headers, body)."""

    def __init__(self, fail_first: int = 0):
        self.posts: list[tuple[dict, bytes]] = []
        self.fail_first = fail_first
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.posts.append((dict(self.headers), body))
                failing = len(receiver.posts) <= receiver.fail_first
                self.send_response(500 if failing else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/skylift"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def signed_by(secret: str, headers: dict, body: bytes) -> bool:
    """Whether a post's X-Skylift-Signature is the HMAC-SHA256 of `<timestamp>.<body>` under `secret`,
    as a receiver checks it."""
    mac = hmac.new(secret.encode(), headers["X-Skylift-Timestamp"].encode() + b"." + body, hashlib.sha256)
    return hmac.compare_digest(headers["X-Skylift-Signature"], f"sha256={mac.hexdigest()}")
