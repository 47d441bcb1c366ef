#!/usr/bin/env bash
# Prove the whole GPU path on a machine with a real NVIDIA GPU (the test suite covers placement,
# allocation and device requests with a stand-in NVIDIA hook; this is the part only hardware shows):
# the host agent finds the GPUs through NVML, a function asking for one is placed on specific
# devices, its container gets them through Docker's NVIDIA runtime, `nvidia-smi` in it lists
# exactly those, and a CUDA kernel runs on them (examples/gpu_check.py).
#
#   platform/scripts/gpu-check.sh            # nvidia-smi and a CUDA kernel (nothing to download)
#   platform/scripts/gpu-check.sh --torch    # and a PyTorch matrix product (installs torch in an image)
#
# It uses the embedded platform (`skylift server start`): one it finds running, or one it starts
# and stops again. Exit status 0 means every check passed.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

have_cmd nvidia-smi || die "nvidia-smi is missing: this check needs a machine with an NVIDIA GPU and its driver"
say "GPUs on this machine"
nvidia-smi -L || die "nvidia-smi lists no GPU: check the driver (nvidia-smi's message above)"

say "Docker's NVIDIA runtime"
# dockerd accepts GPU device requests when NVIDIA's runtime hook is on its PATH (the NVIDIA
# Container Toolkit installs it) or an nvidia runtime is configured.
if ! have_cmd nvidia-container-runtime-hook && ! docker info --format '{{json .Runtimes}}' 2>/dev/null | grep -q nvidia; then
    die "Docker cannot give containers GPUs: install the NVIDIA Container Toolkit (package nvidia-container-toolkit), then restart dockerd"
fi
note "found"

"$SKYLIFT_SCRIPTS/setup.sh"
cd "$SKYLIFT_REPO"
.venv/bin/python -c 'import pynvml; pynvml.nvmlInit(); print("    NVML sees", pynvml.nvmlDeviceGetCount(), "device(s)")' \
    || die "NVML does not answer from Python (nvidia-ml-py): the agent would not see the GPUs"

if .venv/bin/skylift server status >/dev/null 2>&1; then
    note "using the platform already running (its agent must have started after the driver was loaded)"
else
    say "Starting the Skylift platform in the background"
    .venv/bin/skylift server start --background
    trap '.venv/bin/skylift server stop >/dev/null 2>&1 || true' EXIT
fi

say "Running examples/gpu_check.py"
args=()
if [ "${1:-}" = "--torch" ]; then
    args=(--torch)
fi
.venv/bin/skylift run examples/gpu_check.py "${args[@]}"
