"""Deploying apps: immutable versions, redeploys in place, rollbacks, environments and lookups.

A deploy is one transaction: it defines the version's functions, and either finds that they run
exactly what the live version runs (nothing changes, and the deploy says so) or makes the new
version live. The live version's functions are then retired: each points at its successor of the
same name, so that a call through an old handle goes to the new version at once, while what the
old functions already accepted finishes on them (their containers drain and leave as they idle).
A failed deploy rolls back whole: the live version is never half-replaced.

`skylift serve` deploys the same way into an *ephemeral* app: the first deploy makes a new one
(stopped, as `skylift run`'s are, when its client goes quiet), and each redeploy names it by id.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Max
from django.utils import timezone

from accounts import audit
from billing import standing
from config.errors import ApiError
from functions import autoscaler, web_endpoints
from functions.models import Function
from functions.schedules import schedules_start
from functions.services import function_create
from vault.models import Secret

from .ephemeral import ephemeral_app_create
from .models import DEFAULT_ENVIRONMENT, App, AppState, AppVersion, Environment

__all__ = [
    "Deployed",
    "app_deploy",
    "app_rollback",
    "callable_by_name",
    "definition_of",
    "environment_create",
    "environment_delete",
    "environment_get",
    "function_lookup",
    "deployed_app",
    "rollback_target",
]


log = logging.getLogger(__name__)
WARM_POLL_SECONDS = 0.2

# Environments ------------------------------------------------------------------------------------


def environment_get(*, workspace, name: str | None) -> Environment:
    """The environment of that name; `main` (the default) is made the first time it is asked for."""
    name = name or DEFAULT_ENVIRONMENT
    found = Environment.objects.filter(workspace=workspace, name=name).first()
    if found is not None:
        return found
    if name == DEFAULT_ENVIRONMENT:
        try:
            with transaction.atomic():
                return Environment.objects.get_or_create(workspace=workspace, name=name)[0]
        except IntegrityError:  # made by a concurrent request
            return Environment.objects.get(workspace=workspace, name=name)
    raise ApiError(
        f"No environment {name!r} in this workspace.",
        code="not_found",
        status_code=404,
        field="environment",
        hint=f"Create it with `skylift environment create {name}`, or leave it out for {DEFAULT_ENVIRONMENT!r}.",
    )


def environment_create(*, workspace, name: str) -> Environment:
    try:
        with transaction.atomic():
            return Environment.objects.create(workspace=workspace, name=name)
    except IntegrityError:
        raise ApiError(
            f"The environment {name!r} exists already.", code="conflict", status_code=409
        ) from None


def environment_delete(*, environment: Environment) -> None:
    if environment.name == DEFAULT_ENVIRONMENT:
        raise ApiError(f"The {DEFAULT_ENVIRONMENT!r} environment cannot be deleted.", status_code=409)
    if App.objects.filter(environment=environment, state=AppState.DEPLOYED).exists():
        raise ApiError(
            f"The environment {environment.name!r} has deployed apps.",
            status_code=409,
            hint="Stop them first: `skylift app list --env NAME`, then `skylift app stop APP --env NAME`.",
        )
    App.objects.filter(environment=environment).update(environment=None)
    environment.delete()


# What a version runs -----------------------------------------------------------------------------

# The fields of a function row that say what it runs; equal definitions run the same thing.
DEFINITION_FIELDS = (
    "name",
    "module",
    "qualname",
    "image_id",
    "cpu",
    "memory",
    "timeout",
    "gpu",
    "scaledown_window",
    "block_network",
    "volumes",
    "is_generator",
    "client_python",
    "min_containers",
    "max_containers",
    "buffer_containers",
    "target_inputs",
    "max_inputs",
    "retries",
    "definition",
)


def definition_of(function: Function) -> dict[str, Any]:
    """What a function of a version runs, as JSON: its code, image, resources and settings."""
    definition = {field: getattr(function, field) for field in DEFINITION_FIELDS}
    definition["mount_sha256"] = function.mount.sha256 if function.mount is not None else None
    serialized = bytes(function.serialized) if function.serialized else None
    definition["serialized_sha256"] = hashlib.sha256(serialized).hexdigest() if serialized else None
    if function.schedule is not None:  # (absent when none, so that versions made before keep their hash)
        definition["schedule"] = function.schedule
    if function.restrict_modal_access:  # (likewise)
        definition["restrict_modal_access"] = True
    if function.secrets:  # (likewise)
        names = dict(Secret.objects.filter(pk__in=function.secrets).values_list("id", "name"))
        definition["secrets"] = [{"id": i, "name": names.get(i, "")} for i in function.secrets]
    return definition


def _spec_of(functions: list[Function]) -> tuple[dict[str, Any], str]:
    spec = {"functions": sorted((definition_of(f) for f in functions), key=lambda d: d["name"])}
    digest = hashlib.sha256(json.dumps(spec, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    return spec, digest


# Deploy ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deployed:
    app: App
    version: AppVersion
    changed: bool  # False: the app already ran exactly this, and nothing was done


class _Unchanged(Exception):
    """Undoes a deploy whose definitions equal the live version's."""


def app_deploy(
    *,
    workspace,
    user,
    name: str,
    environment: str | None,
    functions: list[dict[str, Any]],
    tag: str = "",
    client_version: str = "",
    git_commit: str = "",
    git_dirty: bool | None = None,
    ephemeral: bool = False,
    app_id: str | None = None,
    force: bool = False,
) -> Deployed:
    """Deploy `functions` (the SDK's specs, images built and mounts uploaded) as the app `name`.

    With `ephemeral`, into a new ephemeral app of that name (`skylift serve`); with `app_id`,
    into that app (a served app's redeploy), which must be running; a new ephemeral app is refused
    while a cap is reached (apps/ephemeral.py). An app whose idle cost alone exceeds a cap that
    applies to it (billing.standing) is refused unless `force`.
    """
    if not functions:
        raise ApiError(
            f"The app {name!r} has no functions to deploy.",
            field="functions",
            hint="Decorate at least one function with @app.function() or one class with @app.cls().",
        )
    names = [spec["name"] for spec in functions]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ApiError(f"Two functions are named {twice[0]!r}.", field="functions")
    env = environment_get(workspace=workspace, name=environment)
    try:
        with transaction.atomic():
            if app_id:
                app = _running_app_for_update(workspace=workspace, app_id=app_id)
            elif ephemeral:
                app = ephemeral_app_create(workspace=workspace, environment=env, name=name, user=user)
            else:
                app = _deployed_app_for_update(workspace=workspace, user=user, name=name, environment=env)
            live = app.live_version
            number = (app.versions.aggregate(n=Max("number"))["n"] or 0) + 1
            version = AppVersion.objects.create(
                app=app,
                number=number,
                tag=tag,
                client_version=client_version,
                git_commit=git_commit,
                git_dirty=git_dirty,
                created_by=user,
                spec_hash="",
            )
            defined = [function_create(app=app, spec=spec, version=version) for spec in functions]
            version.spec, version.spec_hash = _spec_of(defined)
            if live is not None and live.spec_hash == version.spec_hash:
                raise _Unchanged
            version.save(update_fields=["spec", "spec_hash"])
            if not force:
                how = (
                    "`skylift serve --force`"
                    if app.state == AppState.EPHEMERAL
                    else "`skylift deploy --force`"
                )
                standing.refuse_over_cap(defined, app=app, force=how)
            warm_first = _warm_first(live, defined)
            if not warm_first:
                _make_live(app, version)
    except _Unchanged:
        assert live is not None
        return Deployed(App.objects.get(pk=app.pk), live, changed=False)
    if warm_first:
        _live_once_warm(app, version, previous=live, functions=defined)
    deployed = App.objects.get(pk=app.pk)
    audit.record(
        workspace=workspace,
        action="app.deploy",
        target=deployed,
        actor=user,
        data={"version": version.number, "environment": env.name, "ephemeral": ephemeral, "tag": tag},
    )
    return Deployed(deployed, version, changed=True)


def _warm_first(live: AppVersion | None, functions: list[Function]) -> bool:
    """A new version of an app kept warm replaces a live one only once its own warm containers
    are up, so that no call after the switch waits for a cold start; any other goes live at once."""
    return live is not None and any(f.min_containers for f in functions)


def _live_once_warm(
    app: App, version: AppVersion, *, previous: AppVersion | None, functions: list[Function]
) -> None:
    """Make `version` live after waiting for its warm containers (`_wait_warm`); refused (409) if
    the app was stopped or another version went live meanwhile."""
    _wait_warm(functions)
    with transaction.atomic():
        app = App.objects.select_for_update().get(pk=app.pk)
        if app.state == AppState.STOPPED or app.live_version_id != (previous.pk if previous else None):
            raise ApiError(
                f"While v{version.number} of {app.name!r} warmed up, the app was "
                + ("stopped" if app.state == AppState.STOPPED else "deployed again")
                + f": v{version.number} was not made live.",
                code="conflict",
                status_code=409,
                hint=f"`skylift app history {app.name}` shows the versions; deploy again if needed.",
            )
        _make_live(app, version)


def _wait_warm(functions: list[Function]) -> bool:
    """Wait (at most SKYLIFT_DEPLOY_WARM_SECONDS) until each function has its min_containers
    running; they are started at once, as the autoscaler starts any function kept warm. False if the time
    ran out (the version then goes live anyway, as a deploy without a minimum does)."""
    from functions.models import Task, TaskStatus

    wanted = {f.pk: f.min_containers for f in functions if f.min_containers}
    deadline = time.monotonic() + settings.SKYLIFT_DEPLOY_WARM_SECONDS
    for function_id in wanted:
        autoscaler.warm_up(function_id=function_id)  # now, not at the autoscaler's next tick
    while True:
        running = dict(
            Task.objects.filter(function_id__in=list(wanted), status=TaskStatus.RUNNING)
            .values_list("function_id")
            .annotate(n=Count("id"))
        )
        if all(running.get(pk, 0) >= n for pk, n in wanted.items()):
            return True
        if time.monotonic() >= deadline:
            log.warning("deploy: warm containers of %s not all up in time", sorted(wanted))
            return False
        time.sleep(WARM_POLL_SECONDS)


def _running_app_for_update(*, workspace, app_id: str) -> App:
    """The app a redeploy names by id, locked: it must be running (not stopped)."""
    found = App.objects.select_for_update().filter(workspace=workspace, pk=app_id).first()
    if found is None:
        raise ApiError(
            f"No app {app_id} in this workspace.", code="not_found", status_code=404, field="app_id"
        )
    if found.state == AppState.STOPPED:
        raise ApiError(
            f"The app {found.name!r} ({found.id}) is stopped: it cannot be redeployed.",
            code="app_stopped",
            status_code=409,
            field="app_id",
        )
    return found


def _deployed_app_for_update(*, workspace, user, name: str, environment: Environment) -> App:
    """The deployed app of that name in the environment, locked; made when there is none."""
    found = (
        App.objects.select_for_update()
        .filter(workspace=workspace, environment=environment, name=name, state=AppState.DEPLOYED)
        .first()
    )
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return App.objects.create(
                workspace=workspace,
                environment=environment,
                name=name,
                state=AppState.DEPLOYED,
                created_by=user,
            )
    except IntegrityError:  # a concurrent first deploy of the same name made it
        return (
            App.objects.select_for_update()
            .filter(workspace=workspace, environment=environment, name=name, state=AppState.DEPLOYED)
            .get()
        )


def _make_live(app: App, version: AppVersion) -> None:
    """Point the app at `version` and retire the functions of every other version.

    A retired function points at the function of the same name in the new version (none when
    the name disappeared): calls made through it from now on go there. Its variants (classes
    bound to parameters, functions with other options) point nowhere: they are made again from
    the new version's function when next asked for.
    """
    now = timezone.now()
    previous_version_id = App.objects.filter(pk=app.pk).values_list("live_version_id", flat=True).get()
    successors = {f.name: f.pk for f in Function.objects.filter(version=version, variant_key="")}
    old = Function.objects.filter(app=app).exclude(version=version)
    for function_name, successor in successors.items():
        old.filter(name=function_name, variant_key="").update(superseded_by_id=successor)
    old.filter(variant_key="").exclude(name__in=list(successors)).update(superseded_by=None)
    old.exclude(variant_key="").update(superseded_by=None)
    old.filter(retired_at__isnull=True).update(retired_at=now)
    App.objects.filter(pk=app.pk).update(live_version=version)
    schedules_start(app=app, version=version, previous_version_id=previous_version_id, now=now)


def rollback_target(*, app: App, number: int | None) -> tuple[AppVersion, AppVersion]:
    """The live version and the version a rollback to `number` copies (the one before the live one
    by default); a clear error when the app is not deployed or has no such version."""
    live = app.live_version if app.state == AppState.DEPLOYED else None
    if live is None:
        raise ApiError(
            f"The app {app.name!r} is not deployed: there is nothing to roll back.",
            status_code=409,
            hint="Deploy it with `skylift deploy FILE`.",
        )
    return live, _version(app, number if number is not None else live.number - 1, live=live)


def app_rollback(*, app: App, user, number: int | None, force: bool = False) -> AppVersion:
    """Make a new version that runs what version `number` ran (the one before the live one by default).

    Refused (and undone), as a deploy is, when the restored version's idle cost alone exceeds a cap
    that applies to the app (billing.standing), unless `force`."""
    with transaction.atomic():
        app = App.objects.select_for_update().get(pk=app.pk)
        live, target = rollback_target(app=app, number=number)
        latest = app.versions.aggregate(n=Max("number"))["n"] or 0
        version = AppVersion.objects.create(
            app=app,
            number=latest + 1,
            spec=target.spec,
            spec_hash=target.spec_hash,
            tag=target.tag,
            client_version=target.client_version,
            git_commit=target.git_commit,
            git_dirty=target.git_dirty,
            rollback_of=target,
            created_by=user,
        )
        copied = [
            _copy(function, version) for function in Function.objects.filter(version=target, variant_key="")
        ]
        if not force:
            standing.refuse_over_cap(
                copied, app=app, force=f"`skylift app rollback {app.name} v{target.number} --force`"
            )
        warm_first = _warm_first(live, copied)
        if not warm_first:
            _make_live(app, version)
    if warm_first:
        _live_once_warm(app, version, previous=live, functions=copied)
    audit.record(
        workspace=app.workspace_id,
        action="app.rollback",
        target=app,
        actor=user,
        data={"version": version.number, "to_version": target.number, "forced": force},
    )
    return version


def _version(app: App, number: int, *, live: AppVersion) -> AppVersion:
    target = app.versions.filter(number=number).first()
    if target is None:
        known = ", ".join(f"v{n}" for n in app.versions.values_list("number", flat=True)[:20])
        raise ApiError(
            f"The app {app.name!r} has no version v{number}.",
            code="not_found",
            status_code=404,
            field="version",
            hint=f"Its versions: {known}. See them with `skylift app history {app.name}`.",
        )
    if target.pk == live.pk:
        raise ApiError(f"v{number} is the live version of {app.name!r} already.", status_code=409)
    return target


def _copy(function: Function, version: AppVersion) -> Function:
    copied = Function.objects.get(pk=function.pk)
    copied.pk = None
    copied.id = Function._meta.get_field("id").get_default()
    copied.version, copied.retired_at, copied.superseded_by = version, None, None
    copied.created_at = timezone.now()
    copied.save(force_insert=True)
    web_endpoints.register(copied)
    return copied


# Lookups -----------------------------------------------------------------------------------------


def deployed_app(*, workspace, name: str, environment: str | None) -> App:
    """The deployed app of that name (NotFoundError in the SDK when there is none)."""
    env = environment_get(workspace=workspace, name=environment)
    app = App.objects.filter(workspace=workspace, environment=env, name=name, state=AppState.DEPLOYED).first()
    if app is None:
        raise ApiError(
            f"No deployed app {name!r} in the environment {env.name!r}.",
            code="not_found",
            status_code=404,
            field="app",
            hint="Deploy it with `skylift deploy FILE`; `skylift app list` shows the deployed apps.",
        )
    return app


def callable_by_name(*, workspace, app_name: str, name: str, environment: str | None) -> Function:
    """The function a call names by its deployed app (`Function.from_name(...).remote()`): as
    `function_lookup` finds it (the same NotFoundError), but never a web endpoint, which is called
    over HTTP. The fast path (`functions.delivery.calls.ACCEPT_ONE_BY_NAME_SQL`) follows this rule."""
    function = function_lookup(workspace=workspace, app_name=app_name, name=name, environment=environment)
    if isinstance((function.definition or {}).get("web"), dict):
        raise ApiError(
            f"{name} of the app {app_name!r} is a web endpoint: call it over HTTP at its URL.",
            field="function_name",
        )
    return function


def function_lookup(*, workspace, app_name: str, name: str, environment: str | None) -> Function:
    """The live version's function (or class) `name` of a deployed app."""
    app = deployed_app(workspace=workspace, name=app_name, environment=environment)
    function = Function.objects.filter(version_id=app.live_version_id, name=name, variant_key="").first()
    if function is None:
        names = sorted(
            Function.objects.filter(version_id=app.live_version_id, variant_key="").values_list(
                "name", flat=True
            )
        )
        raise ApiError(
            f"The app {app_name!r} (environment {app.environment.name if app.environment else DEFAULT_ENVIRONMENT!r}) "
            f"has no function or class {name!r}.",
            code="not_found",
            status_code=404,
            field="name",
            hint="It has: " + (", ".join(names) or "nothing") + ".",
        )
    return function
