"""The GPU path end to end, for a machine with a real NVIDIA GPU (platform/scripts/gpu-check.sh).

    skylift run examples/gpu_check.py            # nvidia-smi and a CUDA kernel, nothing to install
    skylift run examples/gpu_check.py --torch    # and a matrix product with PyTorch (a large image)

The function asks for any GPU; in its container it checks that the devices it was given are the
ones it sees (`NVIDIA_VISIBLE_DEVICES`, `CUDA_VISIBLE_DEVICES`, `nvidia-smi -L`), then runs a kernel
through the CUDA driver API (libcuda, which the NVIDIA runtime mounts): a PTX kernel that adds one
to each of 4,096 floats, copied there and back, every value checked.
"""

from __future__ import annotations

import ctypes
import os
import subprocess

import skylift

app = skylift.App("gpu-check")
torch_image = skylift.Image.debian_slim().pip_install("torch")

# add_one(float *data, unsigned n): data[i] += 1 for i < n. PTX is compiled by the driver for the
# device it runs on, so one text serves every architecture since Maxwell.
PTX = b"""
.version 6.0
.target sm_50
.address_size 64

.visible .entry add_one(.param .u64 data, .param .u32 n)
{
    .reg .pred p;
    .reg .b32 r<5>;
    .reg .b64 rd<5>;
    .reg .f32 f<3>;
    ld.param.u64 rd1, [data];
    ld.param.u32 r1, [n];
    mov.u32 r2, %ctaid.x;
    mov.u32 r3, %ntid.x;
    mov.u32 r4, %tid.x;
    mad.lo.s32 r2, r2, r3, r4;
    setp.ge.u32 p, r2, r1;
    @p bra DONE;
    cvta.to.global.u64 rd2, rd1;
    mul.wide.u32 rd3, r2, 4;
    add.s64 rd4, rd2, rd3;
    ld.global.f32 f1, [rd4];
    add.f32 f2, f1, 0f3F800000;
    st.global.f32 [rd4], f2;
DONE:
    ret;
}
\0"""


def cuda_kernel() -> str:
    cuda = ctypes.CDLL("libcuda.so.1")

    def check(result: int, what: str) -> None:
        if result != 0:
            name = ctypes.c_char_p()
            cuda.cuGetErrorName(result, ctypes.byref(name))
            raise RuntimeError(f"{what} failed: {(name.value or b'?').decode()} ({result})")

    check(cuda.cuInit(0), "cuInit")
    device = ctypes.c_int()
    check(cuda.cuDeviceGet(ctypes.byref(device), 0), "cuDeviceGet")
    name = ctypes.create_string_buffer(128)
    check(cuda.cuDeviceGetName(name, 128, device), "cuDeviceGetName")
    context = ctypes.c_void_p()
    check(cuda.cuCtxCreate_v2(ctypes.byref(context), 0, device), "cuCtxCreate")
    module = ctypes.c_void_p()
    check(cuda.cuModuleLoadData(ctypes.byref(module), PTX), "cuModuleLoadData")
    kernel = ctypes.c_void_p()
    check(cuda.cuModuleGetFunction(ctypes.byref(kernel), module, b"add_one"), "cuModuleGetFunction")
    n = 4096
    host = (ctypes.c_float * n)(*range(n))
    data = ctypes.c_uint64()
    check(cuda.cuMemAlloc_v2(ctypes.byref(data), n * 4), "cuMemAlloc")
    check(cuda.cuMemcpyHtoD_v2(data, host, n * 4), "cuMemcpyHtoD")
    count = ctypes.c_uint32(n)
    params = (ctypes.c_void_p * 2)(ctypes.addressof(data), ctypes.addressof(count))
    check(
        cuda.cuLaunchKernel(kernel, (n + 255) // 256, 1, 1, 256, 1, 1, 0, None, params, None),
        "cuLaunchKernel",
    )
    check(cuda.cuCtxSynchronize(), "cuCtxSynchronize")
    out = (ctypes.c_float * n)()
    check(cuda.cuMemcpyDtoH_v2(out, data, n * 4), "cuMemcpyDtoH")
    wrong = [i for i in range(n) if out[i] != i + 1]
    if wrong:
        raise RuntimeError(f"the kernel left {len(wrong)} of {n} values wrong (first at {wrong[0]})")
    cuda.cuMemFree_v2(data)
    cuda.cuCtxDestroy_v2(context)
    return f"CUDA kernel on {name.value.decode()}: {n} values incremented, all correct"


@app.function(gpu="any")
def check_devices() -> list[str]:
    visible = os.environ.get("NVIDIA_VISIBLE_DEVICES", "")
    if not visible or visible in ("all", "none", "void"):
        raise RuntimeError(
            f"the container was not given specific devices (NVIDIA_VISIBLE_DEVICES={visible!r})"
        )
    listed = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, check=True).stdout.strip()
    seen = listed.splitlines()
    if len(seen) != len(visible.split(",")):
        raise RuntimeError(f"given {visible} but nvidia-smi lists {len(seen)} device(s):\n{listed}")
    return [
        f"given NVIDIA_VISIBLE_DEVICES={visible} CUDA_VISIBLE_DEVICES={os.environ.get('CUDA_VISIBLE_DEVICES')}",
        *seen,
        cuda_kernel(),
    ]


@app.function(gpu="any", image=torch_image)
def torch_matmul() -> str:
    import torch

    if not torch.cuda.is_available():
        raise RuntimeError("torch sees no CUDA device")
    a = torch.randn(2048, 2048, device="cuda")
    product = a @ torch.eye(2048, device="cuda")
    error = (product - a).abs().max().item()
    if error > 1e-3:
        raise RuntimeError(f"a @ I differs from a by {error}")
    return f"torch {torch.__version__} on {torch.cuda.get_device_name(0)}: a 2048x2048 product checked"


@app.local_entrypoint()
def main(torch: bool = False):
    for line in check_devices.remote():
        print(line)
    if torch:
        print(torch_matmul.remote())
    print("gpu-check: the whole path works")
