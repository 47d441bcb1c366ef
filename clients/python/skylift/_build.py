"""Building images from the client: ask the server for an image, follow its build to the end.

`image_build` sends the image's spec (after uploading its local files); the server answers at
once when every layer is cached, or with the build that makes the missing ones, whose log and
progress are shown here as they happen (with a `rich` status line on a terminal).
"""

from __future__ import annotations

import json
import sys
import time
from typing import TYPE_CHECKING, Any, TextIO

from ._exceptions import ImageBuildError
from ._output import progress_shown

if TYPE_CHECKING:
    from ._client import Client
    from ._image import Image

__all__ = ["BuildFailed", "image_build"]

LOG_WAIT_SECONDS = 10.0


class BuildFailed(ImageBuildError):
    """An image build failed; the message names the failing step and ends with its output."""


def image_build(
    client: Client, image: Image, *, show_logs: bool = True, out: TextIO | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Make sure `image` is built; returns (the spec sent, the server's image record)."""
    from ._api.api.images import images_create
    from ._api.models import ImageSpecRequest

    spec = image.to_spec(client)
    body = ImageSpecRequest.from_dict(spec)
    ensured = client._call(images_create, "Could not resolve the image", body=body).to_dict()
    build = ensured.get("build")
    if not build:
        return spec, ensured["image"]
    _follow(client, build, image_id=ensured["image"]["id"], show_logs=show_logs, out=out or sys.stdout)
    from ._api.api.images import images_retrieve

    image_id = ensured["image"]["id"]
    return spec, client._call(
        images_retrieve, f"Could not read image {image_id}", retries=3, id=image_id
    ).to_dict()


def _follow(client: Client, build: dict[str, Any], *, image_id: str, show_logs: bool, out: TextIO) -> None:
    from ._api.api.builds import builds_logs_retrieve, builds_retrieve

    display = _Display(build, image_id=image_id, out=out, enabled=show_logs)
    cursor = "0"
    try:
        while True:
            page = client._call(
                builds_logs_retrieve,
                f"Could not read the log of build {build['id']}",
                retries=5,
                id=build["id"],
                after=cursor,
                timeout=LOG_WAIT_SECONDS,
            ).to_dict()
            for entry in page["entries"]:
                display.entry(entry)
            cursor = page["cursor"]
            if page["done"]:
                break
            if not page["entries"] and page["status"] not in ("queued", "running"):
                # The stream expired (a build older than a day): the record has the rest.
                break
    finally:
        display.close()
    final = client._call(
        builds_retrieve, f"Could not read build {build['id']}", retries=5, id=build["id"]
    ).to_dict()
    if final["status"] != "succeeded":
        raise BuildFailed(
            f"Image build for {image_id} failed (build {build['id']}).\n{final.get('error') or ''}".rstrip()
        )
    display.summary(final)


class _Display:
    """Shows a build as it happens: log lines, and on a terminal a status line with the step."""

    def __init__(self, build: dict[str, Any], *, image_id: str, out: TextIO, enabled: bool) -> None:
        self.out, self.enabled = out, enabled
        self.image_id = image_id
        self.steps = {s["index"]: s for s in build.get("steps") or []}
        self.started = time.monotonic()
        self.status = None
        self.console = None
        if enabled and progress_shown() and getattr(out, "isatty", lambda: False)():
            try:
                from rich.console import Console

                self.console = Console(file=out, highlight=False)
                self.status = self.console.status(self._title(None))
                self.status.start()
            except Exception:  # noqa: BLE001 - plain output is fine
                self.console = self.status = None
        if enabled and self.console is None:
            out.write(f"Building image {image_id} ({len(self.steps)} layers)\n")

    def _title(self, index: int | None) -> str:
        if index is None:
            return f"Building image {self.image_id}..."
        step = self.steps.get(index, {})
        return f"Building image {self.image_id}: step {index}/{max(self.steps) if self.steps else 0} {step.get('description', '')}"

    def entry(self, entry: dict[str, Any]) -> None:
        if entry.get("type") == "event":
            try:
                event = json.loads(entry["text"])
            except ValueError:
                return
            if event.get("type") == "step" and event.get("status") == "running" and self.status is not None:
                self.status.update(self._title(event["index"]))
            return
        if not self.enabled:
            return
        if self.console is not None:
            self.console.print(
                entry["text"], markup=False, style="dim" if not entry["text"].startswith("=>") else None
            )
        else:
            self.out.write(entry["text"] + "\n")
            self.out.flush()

    def close(self) -> None:
        if self.status is not None:
            self.status.stop()

    def summary(self, build: dict[str, Any]) -> None:
        if not self.enabled:
            return
        line = (
            f"Built image {self.image_id} in {time.monotonic() - self.started:.1f}s "
            f"({build.get('layers_built', 0)} layers built, {build.get('cache_hits', 0)} from the cache)"
        )
        if self.console is not None:
            self.console.print(line, markup=False, style="green")
        else:
            self.out.write(line + "\n")
            self.out.flush()
