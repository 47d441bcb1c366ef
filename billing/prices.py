"""The operator's price table: loaded from TOML, checked, versioned per workspace or by default."""

from __future__ import annotations

import tomllib
from pathlib import Path

from django.db import IntegrityError, transaction
from django.db.models import Max

from hosts.gpus import ANY_ORDER

from .models import PriceTable

DEFAULT_FILE = Path(__file__).with_name("default_prices.toml")
RESOURCES = ("cpu", "memory")
GPU_TYPES = ANY_ORDER


class PriceError(ValueError):
    """A price table that cannot be used; the message names the line that is wrong."""


def _line_of(text: str, key: str) -> int | None:
    for number, line in enumerate(text.splitlines(), 1):
        if line.split("=", 1)[0].strip() == key:
            return number
    return None


def parse(text: str) -> dict:
    """The prices of a TOML table, or PriceError naming the line (and resource) that is wrong."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PriceError(f"not TOML: {exc}") from None
    gpu = raw.get("gpu", {})
    if not isinstance(gpu, dict):
        raise PriceError(f"line {_line_of(text, 'gpu')}: gpu must be a table of GPU types ([gpu])")
    prices: dict = {"gpu": {}}
    wanted = [(name, raw, prices) for name in RESOURCES] + [(name, gpu, prices["gpu"]) for name in GPU_TYPES]
    for name, source, target in wanted:
        where = f"gpu.{name}" if source is gpu else name
        if name not in source:
            raise PriceError(f"{where} has no price: every resource needs one (see {DEFAULT_FILE.name})")
        value = source[name]
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise PriceError(
                f"line {_line_of(text, name)}: {where} = {value!r} is not a price (a number >= 0)"
            )
        target[name] = float(value)
    unknown = sorted(set(raw) - {*RESOURCES, "gpu"}) + sorted(f"gpu.{k}" for k in set(gpu) - set(GPU_TYPES))
    if unknown:
        key = unknown[0].removeprefix("gpu.")
        raise PriceError(f"line {_line_of(text, key)}: unknown resource {unknown[0]}")
    return prices


def load(text: str, *, workspace=None) -> PriceTable:
    """A new version of the default prices (or of `workspace`'s), from TOML text."""
    prices = parse(text)
    for _ in range(3):  # two loads at once: the second takes the next version
        try:
            with transaction.atomic():
                last = PriceTable.objects.filter(workspace=workspace).aggregate(v=Max("version"))["v"] or 0
                return PriceTable.objects.create(workspace=workspace, version=last + 1, prices=prices)
        except IntegrityError:
            continue
    raise PriceError("the price table is being loaded by someone else; try again")


def current(workspace_id: str) -> PriceTable:
    """The prices usage of `workspace_id` is metered at now: its own, else the default (made at first use)."""
    table = (
        PriceTable.objects.filter(workspace_id=workspace_id).order_by("-version").first()
        or PriceTable.objects.filter(workspace=None).order_by("-version").first()
    )
    if table is None:
        table = load(DEFAULT_FILE.read_text())
    return table
