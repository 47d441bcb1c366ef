"""The cold starts of each version's containers, computed on read.

A container's cold start is the time from its task row being made (the autoscaler asked for it)
to the container proving its token (`Task.started_at`): image pull, container start, imports and
the class's enter hooks. A version's record is the median and p90 of its first containers (what a
fresh deploy did) and of a rolling window of its latest ones (what it does now). A version whose
median is more than `FLAG_RATIO` times its predecessor's is flagged: the deploy made cold starts
slower.

Every figure comes from one query, whatever the number of versions asked about: window functions
rank each version's started tasks, and only the first and last few of each are read.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Window
from django.db.models.functions import RowNumber

from functions.models import Task

from .models import AppVersion

__all__ = ["FIRST", "FLAG_RATIO", "WINDOW", "ColdStarts", "of_versions"]

FIRST = 20  # the first containers of a version: its record as deployed
WINDOW = 50  # the latest containers: its record now
FLAG_RATIO = 1.5


@dataclass(frozen=True)
class ColdStarts:
    """A version's cold starts in seconds; the figures are None while it has none."""

    count: int
    median: float | None  # of the latest WINDOW
    p90: float | None
    first_median: float | None  # of the first FIRST
    first_p90: float | None
    previous_median: float | None  # the previous version's median (v2's for v3)

    @property
    def ratio(self) -> float | None:
        if self.median is None or not self.previous_median:
            return None
        return round(self.median / self.previous_median, 2)

    @property
    def flagged(self) -> bool:
        """Slower than the previous version by more than FLAG_RATIO."""
        if self.median is None or self.previous_median is None:
            return False
        return self.median > FLAG_RATIO * self.previous_median


def percentile(values: list[float], q: float) -> float | None:
    """The q-quantile of `values` with linear interpolation between the nearest ranks."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low, high = math.floor(position), math.ceil(position)
    return round(ordered[low] + (ordered[high] - ordered[low]) * (position - low), 3)


@dataclass
class _Samples:
    count: int = 0
    first: list[float] | None = None
    latest: list[float] | None = None


def _samples(versions: list[AppVersion]) -> dict[tuple[str, int], _Samples]:
    """The first FIRST and last WINDOW cold starts of those versions and of their predecessors,
    by (app id, number): one query."""
    numbers = {v.number for v in versions} | {v.number - 1 for v in versions}
    partition = [F("function__version_id")]
    rows = (
        Task.objects.filter(
            function__version__app_id__in={v.app_id for v in versions},
            function__version__number__in=numbers,
            started_at__isnull=False,
        )
        .annotate(
            took=ExpressionWrapper(F("started_at") - F("created_at"), output_field=DurationField()),
            total=Window(Count("id"), partition_by=partition),
            first_rank=Window(
                RowNumber(), partition_by=partition, order_by=[F("created_at").asc(), F("id").asc()]
            ),
            last_rank=Window(
                RowNumber(), partition_by=partition, order_by=[F("created_at").desc(), F("id").desc()]
            ),
        )
        .filter(Q(first_rank__lte=FIRST) | Q(last_rank__lte=WINDOW))
        .values_list(
            "function__version__app_id",
            "function__version__number",
            "took",
            "first_rank",
            "last_rank",
            "total",
        )
    )
    found: dict[tuple[str, int], _Samples] = defaultdict(_Samples)
    for app_id, number, took, first_rank, last_rank, total in rows:
        samples = found[(app_id, number)]
        seconds = max(took.total_seconds(), 0.0)
        samples.count = total
        if first_rank <= FIRST:
            samples.first = [*(samples.first or []), seconds]
        if last_rank <= WINDOW:
            samples.latest = [*(samples.latest or []), seconds]
    return found


def of_versions(versions: Iterable[AppVersion]) -> dict[str, ColdStarts]:
    """The cold-start record of each version, by version id, compared with its predecessor's."""
    versions = list(versions)
    if not versions:
        return {}
    found = _samples(versions)
    empty = _Samples()
    out = {}
    for version in versions:
        own = found.get((version.app_id, version.number), empty)
        previous = found.get((version.app_id, version.number - 1), empty)
        out[version.id] = ColdStarts(
            count=own.count,
            median=percentile(own.latest or [], 0.5),
            p90=percentile(own.latest or [], 0.9),
            first_median=percentile(own.first or [], 0.5),
            first_p90=percentile(own.first or [], 0.9),
            previous_median=percentile(previous.latest or [], 0.5),
        )
    return out
