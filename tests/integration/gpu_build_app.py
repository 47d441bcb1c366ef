"""A GPU function whose container stays up while the GPU build tests run beside it."""

from __future__ import annotations

import os

import skylift

app = skylift.App("gpu-build-it")

GPU_VARIABLES = ("NVIDIA_VISIBLE_DEVICES", "CUDA_VISIBLE_DEVICES", "SKYLIFT_GPU_DEVICES", "SKYLIFT_TASK_ID")


@app.function(gpu="T4", scaledown_window=600)
def holder() -> dict:
    return {name: os.environ.get(name) for name in GPU_VARIABLES}
