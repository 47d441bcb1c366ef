"""Standing cost: what an app costs while idle, and whether the caps that apply to it allow that.

An idle app still keeps warm the containers its autoscaler keeps with no input at all
(`functions.autoscaler.desired_containers` with nothing pending or running: `min_containers`).
`buffer_containers` start only while a function is busy (Modal's meaning too), so they are
priced apart, as what the app costs more per hour as soon as it serves. Each container is charged
its reservation (CPU cores, memory, GPUs of the type it asked for first) at the workspace's
prices in force (`billing.prices.current`).

One module for the API (deploy answer, the app's standing cost, the rollback preview), the CLI
(`skylift deploy` prints it) and the dashboard (which reads the API): the figures agree.

A deploy or a rollback whose idle cost alone, over a period of a cap (the app's, or the
workspace's), exceeds that cap is refused unless forced (`refuse_over_cap`, asked by
`apps.deployments.app_deploy` and `app_rollback`): it would reach the cap without a single input.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from hosts.gpus import parse_request

from . import prices
from .models import Budget, BudgetPeriod

__all__ = [
    "HOURS",
    "CapCheck",
    "FunctionIdle",
    "StandingCost",
    "of_app",
    "of_definitions",
    "refusal",
    "refuse_over_cap",
]

# Hours in a period: a month is a twelfth of a 365-day year (730 h), as cloud price lists count.
HOURS = {BudgetPeriod.DAY: 24.0, BudgetPeriod.MONTH: 730.0}
FIELDS = ("name", "cpu", "memory", "gpu", "min_containers", "buffer_containers", "max_containers")


@dataclass(frozen=True)
class FunctionIdle:
    name: str
    idle_containers: int  # kept warm with no input (min_containers)
    buffer_containers: int  # more, only while it serves
    cpu: float  # cores per container
    memory_gib: float  # per container
    gpu_type: str  # the type asked for first ("" without GPUs)
    gpus: int  # per container
    container_per_hour: float  # one container, $ per hour
    per_hour: float  # the idle containers, $ per hour


@dataclass(frozen=True)
class CapCheck:
    budget_id: str
    scope: str  # "app" or "workspace"
    period: str  # "day" or "month"
    limit_usd: float
    idle_per_period: float  # what the idle containers alone cost over one period
    allows_per_hour: float  # the cap spread over its period's hours
    exceeded: bool

    def describe(self) -> str:
        what = "The app's" if self.scope == "app" else "The workspace's"
        period = "daily" if self.period == BudgetPeriod.DAY else "monthly"
        return f"{what} {period} cap of ${self.limit_usd:.2f}"


@dataclass(frozen=True)
class StandingCost:
    per_hour: float  # $ per hour while idle
    per_month: float  # $ per month (730 h) while idle
    buffer_per_hour: float  # $ per hour more while its functions serve (buffer containers)
    functions: list[FunctionIdle]
    caps: list[CapCheck] = field(default_factory=list)
    price_version: int = 0

    @property
    def refused_by(self) -> CapCheck | None:
        """The first cap the idle cost alone exceeds, or None."""
        return next((cap for cap in self.caps if cap.exceeded), None)


def _gpu(gpu: str) -> tuple[str, int]:
    """The type and count a function's `gpu` asks for first: the one it is priced at."""
    wants = parse_request(gpu) if gpu else []
    if not wants:
        return "", 0
    return wants[0].models[0], wants[0].count


def _value(source: Any, name: str) -> Any:
    return source.get(name) if isinstance(source, Mapping) else getattr(source, name, None)


def of_definitions(
    definitions: Iterable[Any], *, workspace_id: str, app_id: str | None = None
) -> StandingCost:
    """The standing cost of functions (Function rows or version definitions, as dicts), and the
    caps of `app_id` and of the workspace checked against it."""
    from functions.autoscaler import desired_containers

    table = prices.current(workspace_id)
    rates = table.prices
    functions = []
    for source in definitions:
        spec = {name: _value(source, name) for name in FIELDS}
        settings = SimpleNamespace(
            target_inputs=1,
            buffer_containers=spec["buffer_containers"] or 0,
            max_containers=spec["max_containers"],
            min_containers=spec["min_containers"] or 0,
            retired_at=None,
        )
        idle = desired_containers(settings, pending=0, running=0)  # type: ignore[arg-type]
        cpu, memory_gib = float(spec["cpu"] or 0), float(spec["memory"] or 0) / 1024
        gpu_type, gpus = _gpu(spec["gpu"] or "")
        hourly = 3600 * (
            cpu * rates["cpu"] + memory_gib * rates["memory"] + gpus * rates["gpu"].get(gpu_type, 0.0)
        )
        functions.append(
            FunctionIdle(
                name=spec["name"] or "",
                idle_containers=idle,
                buffer_containers=settings.buffer_containers,
                cpu=cpu,
                memory_gib=memory_gib,
                gpu_type=gpu_type,
                gpus=gpus,
                container_per_hour=hourly,
                per_hour=hourly * idle,
            )
        )
    per_hour = sum(f.per_hour for f in functions)
    caps = []
    budgets = Budget.objects.filter(workspace_id=workspace_id, app=None)
    if app_id:
        budgets = Budget.objects.filter(workspace_id=workspace_id, app_id=app_id) | budgets
    for budget in sorted(budgets, key=lambda b: b.app_id is None):
        hours = HOURS[BudgetPeriod(budget.period)]
        caps.append(
            CapCheck(
                budget_id=budget.id,
                scope="workspace" if budget.app_id is None else "app",
                period=budget.period,
                limit_usd=budget.limit_usd,
                idle_per_period=per_hour * hours,
                allows_per_hour=budget.limit_usd / hours,
                exceeded=per_hour * hours > budget.limit_usd,
            )
        )
    return StandingCost(
        per_hour=per_hour,
        per_month=per_hour * HOURS[BudgetPeriod.MONTH],
        buffer_per_hour=sum(f.container_per_hour * f.buffer_containers for f in functions),
        functions=functions,
        caps=caps,
        price_version=table.version,
    )


def of_app(app) -> StandingCost:
    """The standing cost of the version an app runs now (none: nothing is kept warm)."""
    version = app.live_version
    definitions = version.spec.get("functions", []) if version is not None else []
    return of_definitions(definitions, workspace_id=app.workspace_id, app_id=app.id)


def refusal(cost: StandingCost, app_name: str) -> str | None:
    """Why running `app_name` at this standing cost is refused, or None."""
    cap = cost.refused_by
    if cap is None:
        return None
    period = "day" if cap.period == BudgetPeriod.DAY else "month"
    return (
        f"{cap.describe()} would be exceeded by {app_name}'s idle cost alone: "
        f"${cap.idle_per_period:.2f} a {period} (${cost.per_hour:.4f} an hour with no input, "
        f"for its min_containers), over the cap's ${cap.limit_usd:.2f}."
    )


def refuse_over_cap(definitions: Iterable[Any], *, app, force: str) -> StandingCost:
    """The standing cost of `definitions` run by `app`; 409 `over_budget` when its idle cost alone
    exceeds a cap of the app or its workspace. The one rule for deploys, rollbacks and served
    apps; `force` says how the caller goes ahead anyway (`skylift deploy --force`)."""
    from config.errors import ApiError

    cost = of_definitions(definitions, workspace_id=app.workspace_id, app_id=app.id)
    why = refusal(cost, app.name)
    if why:
        raise ApiError(
            why,
            code="over_budget",
            status_code=409,
            field="functions",
            hint=f"Lower min_containers, ask an owner or admin to raise the cap (`skylift billing budget "
            f"set`), or go ahead anyway with {force}.",
        )
    return cost
