"""Ephemeral apps (`skylift run`, `app.run()`, `skylift serve`) and the spending caps.

A user expects the caps to hold for ephemeral work as for deployed apps, and to be told at once
rather than after inputs have waited:

- An ephemeral app does not start while a cap that applies to it is reached (the workspace's:
  its own apps are new). No container of it could start (functions/autoscaler.py asks the same
  `billing.budgets.blocking_cap`), so its inputs would only wait and then fail; the start is
  refused with 409 `budget_reached` instead (the SDK raises ResourceExhaustedError), naming the
  cap, what was spent and who can raise it. There is no way around it but raising the cap.
- Its functions' `min_containers` are priced as a deploy's are: an app whose idle containers alone
  would exceed a cap over its period is refused with 409 `over_budget`, unless forced
  (`skylift run --force`, `app.run(force=True)`, `skylift serve --force`); the one rule is
  `billing.standing.refuse_over_cap`. An ephemeral app may be left running (`--detach`, a served
  app kept open), so its warm containers can cost as much as a deployed app's.

`ephemeral_app_create` is the one place an ephemeral app is made (`apps.services.app_create` for
run, `apps.deployments.app_deploy` for serve); `function_define` is where `app.run()` defines each
function (a served app's are checked with the deploy).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from billing import budgets, standing
from functions.models import Function
from functions.services import function_create

from .models import App, AppState

__all__ = ["ephemeral_app_create", "function_define"]

RUN_FORCE = "`skylift run --force` (`app.run(force=True)`)"


def ephemeral_app_create(
    *, workspace, environment, name: str, user, description: str = "", detached: bool = False
) -> App:
    """Make a running ephemeral app, unless a cap of the workspace is reached (`billing.budgets.refuse_at_cap`)."""
    budgets.refuse_at_cap(workspace_id=workspace.id, what="app")
    return App.objects.create(
        workspace=workspace,
        environment=environment,
        name=name,
        description=description,
        state=AppState.EPHEMERAL,
        created_by=user,
        detached=detached,
        client_seen_at=timezone.now(),
    )


def function_define(*, app: App, spec: dict, force: bool = False) -> Function:
    """Define a function of a running app (`app.run()`); refused (and not defined) when the idle
    cost of the app's functions with it exceeds a cap, unless `force`."""
    with transaction.atomic():
        function = function_create(app=app, spec=spec)
        if not force and app.state == AppState.EPHEMERAL:
            defined = Function.objects.filter(app=app, variant_key="", retired_at__isnull=True)
            standing.refuse_over_cap(defined, app=app, force=RUN_FORCE)
    return function
