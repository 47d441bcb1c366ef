"""A function asking for GPUs, reporting the devices its container was given."""

from __future__ import annotations

import os

import skylift

app = skylift.App("gpu-it")

GPU_VARIABLES = (
    "NVIDIA_VISIBLE_DEVICES",
    "CUDA_VISIBLE_DEVICES",
    "SKYLIFT_GPU_DEVICES",
    "SKYLIFT_GPU_TYPE",
    "SKYLIFT_GPU_SIMULATED",
    "SKYLIFT_TASK_ID",
)


@app.function(gpu=["H100:2", "T4"])
def devices() -> dict:
    return {name: os.environ.get(name) for name in GPU_VARIABLES}
