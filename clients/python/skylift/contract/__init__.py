"""The contract between the Skylift server and this SDK: what both sides must agree on.

The server (its Django apps, host agent and relay) imports the SDK only from here; everything
else in `skylift` is the SDK's own and may change without notice to the server. What lives here
changes with both sides in mind: a change is a change of the platform, not of the SDK alone.

- `resources`: the rules for resource options (cpu, memory, timeout, gpu, retries, scaling),
  applied by the SDK before it sends a definition and by the API when it receives one, so that
  what one accepts the other accepts. Bad values raise `InvalidError`.
- `protocol`: the frames a container's runtime and its host agent's relay exchange over the
  Unix socket mounted at /skylift/io.
- `web`: where a definition describes its web endpoints.
- `InvalidError`: what the shared validation raises (also `skylift.exception.InvalidError`).
- `load_config` / `write_profile`: the SDK's token profiles in ~/.skylift.toml, which the
  server's first-start bootstrap writes for the SDK on its machine.

Besides imports, one more thing is shared: the host agent starts every container with
`python3 -m skylift._container` and this package's folder mounted, so the runtime must run on
the image's own Python with only the standard library, cloudpickle and this package.

Standard library only (plus this package), as the runtime imports `protocol` in containers.
"""

from __future__ import annotations

from .._config import load_config, write_profile
from .._exceptions import InvalidError
from . import protocol, resources, web
from .protocol import MAX_HEADER, decode_header, encode_frame, read_frame, split_body
from .resources import (
    GPU_TYPES,
    MAX_CPU,
    MAX_GPU_COUNT,
    MAX_MEMORY,
    MAX_TIMEOUT,
    MIN_MEMORY,
    MIN_TIMEOUT,
    parse_gpu,
    validate_cpu,
    validate_memory,
    validate_retries,
    validate_scaling,
    validate_timeout,
)

__all__ = [
    "GPU_TYPES",
    "MAX_CPU",
    "MAX_GPU_COUNT",
    "MAX_HEADER",
    "MAX_MEMORY",
    "MAX_TIMEOUT",
    "MIN_MEMORY",
    "MIN_TIMEOUT",
    "InvalidError",
    "decode_header",
    "encode_frame",
    "load_config",
    "parse_gpu",
    "protocol",
    "read_frame",
    "resources",
    "split_body",
    "validate_cpu",
    "validate_memory",
    "validate_retries",
    "validate_scaling",
    "validate_timeout",
    "web",
    "write_profile",
]
