"""The facts of each row of the apps list, computed in the list's one query.

Beside an app's own columns, the dashboard's apps list shows who deployed its live version and
when (a join), how many of its containers run now, and its error rate over the last hour. The
counts are correlated subqueries, evaluated only for the rows of the page asked for (the list is
paginated server-side), so a page costs the same with ten apps or ten thousand, and nothing is
asked per row afterwards (no N+1).

The error rate is the share of its inputs that finished in the last hour as failed, timed out or
terminated, among those that finished (cancelled ones excepted); null when none finished.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, FloatField, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Cast, Coalesce, Now, NullIf

from functions.models import Function, Input, InputStatus, Task, TaskStatus

from .models import App

__all__ = ["ERROR_WINDOW", "with_list_facts"]

ERROR_WINDOW = timedelta(hours=1)

_FAILED = [InputStatus.FAILED, InputStatus.TIMED_OUT, InputStatus.TERMINATED]


def with_list_facts(queryset: QuerySet[App]) -> QuerySet[App]:
    """Apps with `function_count`, `running_containers`, `inputs_1h` and `error_rate_1h`."""
    functions = Function.objects.filter(app=OuterRef("pk"), retired_at__isnull=True)
    tasks = Task.objects.filter(function__app=OuterRef("pk"), status=TaskStatus.RUNNING)
    finished = Input.objects.filter(
        function__app=OuterRef("pk"), finished_at__gte=Now() - ERROR_WINDOW
    ).exclude(status=InputStatus.CANCELLED)
    rate = (
        finished.order_by()
        .values("function__app")
        .annotate(
            rate=Cast(Count("pk", filter=Q(status__in=_FAILED)), FloatField())
            / Cast(NullIf(Count("pk"), 0), FloatField())
        )
        .values("rate")[:1]
    )
    return queryset.annotate(
        function_count=_grouped_count(functions),
        running_containers=_grouped_count(tasks),
        inputs_1h=_grouped_count(finished),
        error_rate_1h=Subquery(rate, output_field=FloatField()),
    )


def _grouped_count(queryset) -> Coalesce:
    """The number of rows of a subquery correlated on the app, 0 when none."""
    counted = queryset.order_by().values("function__app" if queryset.model is not Function else "app")
    return Coalesce(Subquery(counted.annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField()), 0)
