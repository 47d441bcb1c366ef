"""The app the screenshots show: deployed, mapped over, printing as it works, one input failing."""

from __future__ import annotations

import time

import skylift

app = skylift.App("image-pipeline")


@app.function()
def resize(i: int) -> int:
    print(f"resizing image {i}: 1920x1080 -> 640x360", flush=True)
    time.sleep(0.05)
    if i == 7:
        raise ValueError(f"image {i} is not a JPEG")
    return i


@app.function()
def classify(i: int) -> str:
    return "cat" if i % 2 else "dog"
