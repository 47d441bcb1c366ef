"""Runs one `Image.run_function` step, or a class's `@build` methods, inside a build container.

`python -m skylift._build_runner SPEC.json`: imports the function from the mounted source (or
unpickles it), calls it, and exits; the builder then snapshots the container's file system as
the next layer. Standard library, cloudpickle and this package only, like the runtime.
"""

from __future__ import annotations

import asyncio
import base64
import importlib
import inspect
import json
import os
import sys

SOURCE_DIR = "/skylift/src"
HOOK_ATTR = "__skylift_hook__"
BUILD_ATTR = "__skylift_build__"


def _hook_kinds(value) -> set:
    """The lifecycle hooks a method is marked with (one dict, or a list when stacked)."""
    hook = getattr(value, HOOK_ATTR, None)
    hooks = hook if isinstance(hook, (list, tuple)) else [hook] if hook is not None else []
    kinds = {h.get("kind") for h in hooks if isinstance(h, dict)}
    if getattr(value, BUILD_ATTR, False):
        kinds.add("build")
    return kinds


def _load(definition: dict):
    import cloudpickle

    if definition.get("serialized"):
        return cloudpickle.loads(base64.b64decode(definition["serialized"]))
    if os.path.isdir(SOURCE_DIR):
        sys.path.insert(0, SOURCE_DIR)
    obj = importlib.import_module(definition["module"])
    for part in definition["qualname"].split("."):
        obj = getattr(obj, part)
    return obj


def _call(fn, kwargs: dict) -> None:
    result = fn(**kwargs)
    if inspect.iscoroutine(result):
        asyncio.run(result)


def main(path: str) -> int:
    import cloudpickle

    with open(path) as f:
        definition = json.load(f)
    obj = _load(definition)
    kwargs = cloudpickle.loads(base64.b64decode(definition["kwargs"])) if definition.get("kwargs") else {}
    method = definition.get("method")
    if method:
        user_cls = getattr(obj, "_user_cls", obj)
        instance = user_cls.__new__(user_cls)
        if user_cls.__init__ is not object.__init__:
            instance.__init__()
        print(f"Running @build method {user_cls.__name__}.{method}", flush=True)
        _call(getattr(instance, method), kwargs)
    else:
        fn = getattr(obj, "_raw_f", None) or getattr(obj, "get_raw_f", lambda: obj)()
        print(f"Running {definition['module']}.{definition['qualname']}", flush=True)
        _call(fn, kwargs)
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
