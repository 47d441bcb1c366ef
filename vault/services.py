"""Secrets: create, replace and delete named ones, keep apps' inline ones, and resolve what a
function is given. Values are encrypted here (`vault.keys`) and decrypted only for a container's
start (`env_for`); no API answer carries one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import audit
from config.errors import ApiError

from . import keys
from .models import Secret, SecretAction, SecretEvent

__all__ = [
    "KEY_RE",
    "NAME_RE",
    "env_for",
    "resolve_refs",
    "secret_create",
    "secret_delete",
    "secret_edit",
    "secret_replace",
    "secrets_in_use",
    "sealed_env",
    "validate_values",
]

NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
NAME_HINT = "Secret names are 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit."
KEY_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
MAX_SECRETS_PER_FUNCTION = 32


def validate_values(values, *, field: str = "values") -> dict[str, str]:
    """Environment variable names to string values, within SKYLIFT_SECRET_MAX_BYTES."""
    if not isinstance(values, dict):
        raise ApiError(f"{field} must be an object of variable names to values.", field=field)
    size = 0
    for key, value in values.items():
        if not isinstance(key, str) or not KEY_RE.fullmatch(key) or len(key) > 256:
            raise ApiError(
                f"{key!r} is not an environment variable name.",
                field=field,
                hint="Use letters, digits and '_', not starting with a digit (e.g. DATABASE_URL).",
            )
        if not isinstance(value, str) or "\0" in value:
            raise ApiError(f"The value of {key} must be a string without NUL characters.", field=field)
        size += len(key.encode()) + len(value.encode())
    if size > settings.SKYLIFT_SECRET_MAX_BYTES:
        raise ApiError(
            f"The secret holds {size} bytes of names and values; at most "
            f"{settings.SKYLIFT_SECRET_MAX_BYTES} are allowed.",
            code="too_large",
            status_code=413,
            field=field,
            hint="Keep large files in a Volume and put only what is secret in the Secret.",
        )
    return dict(values)


def _record(secret: Secret, action: SecretAction, user, keys_changed: Iterable[str]) -> None:
    SecretEvent.objects.create(
        workspace_id=secret.workspace_id,
        secret_id=secret.id,
        name=secret.name,
        environment=secret.environment.name if secret.environment else "",
        action=action,
        keys=sorted(keys_changed),
        actor=user if user is not None and user.is_authenticated else None,
    )
    audit.record(
        workspace=secret.workspace_id,
        action=_AUDITED[action],
        target=secret,
        actor=user,
        data={
            "keys": sorted(keys_changed),
            "environment": secret.environment.name if secret.environment else "",
        },
    )


_AUDITED = {
    SecretAction.CREATED: "secret.create",
    SecretAction.UPDATED: "secret.update",
    SecretAction.DELETED: "secret.delete",
}


def secret_create(*, workspace, environment, name: str, values, user=None) -> Secret:
    """A new named secret; 409 when the environment has one of that name."""
    if not isinstance(name, str) or not NAME_RE.fullmatch(name):
        raise ApiError(f"{name!r} is not a valid secret name.", field="name", hint=NAME_HINT)
    values = validate_values(values)
    author = user if _is_user(user) else None
    try:
        with transaction.atomic():
            secret = Secret.objects.create(
                workspace=workspace,
                environment=environment,
                name=name,
                ciphertext=keys.encrypt(values),
                keys=sorted(values),
                created_by=author,
                updated_by=author,
            )
            _record(secret, SecretAction.CREATED, user, values)
    except IntegrityError:
        raise ApiError(
            f"A secret named {name!r} already exists in the environment {environment.name!r}.",
            code="already_exists",
            status_code=409,
            field="name",
            hint="Replace its values (`skylift secret create NAME K=V ... --force`), or delete it first.",
        ) from None
    return secret


def secret_replace(*, secret: Secret, values, user=None) -> Secret:
    """New values for a named secret (its id stays: functions given it get them at their next
    container start)."""
    values = validate_values(values)
    with transaction.atomic():
        locked = Secret.objects.select_for_update().get(pk=secret.pk)
        changed = set(locked.keys) | set(values)  # values are never compared, nor recorded
        return _store(locked, values, user, changed)


def secret_edit(*, secret: Secret, set: dict, remove: list, user=None) -> Secret:  # noqa: A002
    """Add, change or remove some variables of a named secret, keeping the others' values."""
    unknown = sorted(k for k in remove if k not in secret.keys)
    if unknown:
        raise ApiError(f"The secret {secret.name!r} has no variable {unknown[0]!r}.", field="remove")
    with transaction.atomic():
        locked = Secret.objects.select_for_update().get(pk=secret.pk)
        values = keys.decrypt(bytes(locked.ciphertext))
        for key in remove:
            values.pop(key, None)
        values.update(set)
        return _store(locked, validate_values(values, field="set"), user, {*set, *remove})


def _store(secret: Secret, values: dict[str, str], user, changed) -> Secret:
    secret.ciphertext, secret.keys = keys.encrypt(values), sorted(values)
    secret.updated_by, secret.updated_at = (user if _is_user(user) else None), timezone.now()
    secret.save(update_fields=["ciphertext", "keys", "updated_by", "updated_at"])
    _record(secret, SecretAction.UPDATED, user, changed)
    return secret


def _is_user(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def secrets_in_use(secret: Secret) -> list[str]:
    """Names of the apps not stopped whose functions are given this secret."""
    from apps.models import AppState
    from functions.models import Function

    return sorted(
        set(
            Function.objects.filter(secrets__contains=[secret.id])
            .exclude(app__state=AppState.STOPPED)
            .values_list("app__name", flat=True)
        )
    )


def secret_delete(*, secret: Secret, user=None) -> None:
    """Delete a named secret; refused (409) while an app that is not stopped is given it, whose
    next containers could not start."""
    users = secrets_in_use(secret)
    if users:
        raise ApiError(
            f"The secret {secret.name!r} is given to functions of running apps: {', '.join(users)}.",
            code="in_use",
            status_code=409,
            hint="Stop those apps first (`skylift app stop APP`), or replace the secret's values with "
            "`skylift secret create NAME ... --force`.",
        )
    with transaction.atomic():
        _record(secret, SecretAction.DELETED, user, secret.keys)
        secret.delete()


def inline_secret(*, app, values) -> Secret:
    """An app's own secret (`Secret.from_dict` and friends): the same values sent again by the
    same app are the same secret, so an unchanged redeploy stays unchanged."""
    values = validate_values(values, field="secrets")
    digest = keys.content_digest(values)
    found = Secret.objects.filter(app=app, name="", digest=digest).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return Secret.objects.create(
                workspace=app.workspace,
                app=app,
                digest=digest,
                ciphertext=keys.encrypt(values),
                keys=sorted(values),
            )
    except IntegrityError:  # sent twice at once
        return Secret.objects.get(app=app, name="", digest=digest)


def resolve_refs(*, workspace, app, refs) -> list[str]:
    """The secret ids a function is given, in order, from the SDK's references: `{"id": "st-..."}`
    for a named secret it looked up, `{"values": {...}}` for an inline one (stored for `app`)."""
    if refs is None:
        return []
    if not isinstance(refs, list) or len(refs) > MAX_SECRETS_PER_FUNCTION:
        raise ApiError(
            f"secrets must be a list of at most {MAX_SECRETS_PER_FUNCTION} secrets.", field="secrets"
        )
    ids: list[str] = []
    for ref in refs:
        if isinstance(ref, str):
            ref = {"id": ref}
        if not isinstance(ref, dict):
            raise ApiError('Each secret is {"id": "st-..."} or {"values": {...}}.', field="secrets")
        if "values" in ref:
            ids.append(inline_secret(app=app, values=ref["values"]).id)
            continue
        if "name" in ref:
            ids.append(_named(workspace=workspace, app=app, ref=ref).id)
            continue
        secret_id = ref.get("id")
        found = Secret.objects.filter(workspace=workspace, pk=secret_id).only("id", "app_id").first()
        if found is None or (found.app_id is not None and found.app_id != app.id):
            raise _no_secret(secret_id, "secrets")
        ids.append(found.id)
    return ids


def sealed_env(*, workspace, app, refs, field: str = "secrets") -> tuple[list[str], bytes | None]:
    """What a sandbox (or one process exec'd into it) is given: the named secrets' ids, and the
    environment all its secrets make (later ones winning) as one Fernet token, None when empty.

    Inline values (`Secret.from_dict`) are not stored as secrets here: they go into the token only,
    which lives as long as the sandbox. `app` may be None (a sandbox of no app): then only the
    workspace's named secrets and inline values are given."""
    if refs in (None, []):
        return [], None
    if not isinstance(refs, list) or len(refs) > MAX_SECRETS_PER_FUNCTION:
        raise ApiError(f"{field} must be a list of at most {MAX_SECRETS_PER_FUNCTION} secrets.", field=field)
    ids: list[str] = []
    env: dict[str, str] = {}
    for ref in refs:
        if isinstance(ref, str):
            ref = {"id": ref}
        if not isinstance(ref, dict):
            raise ApiError('Each secret is {"id": "st-..."} or {"values": {...}}.', field=field)
        if "values" in ref:
            env.update(validate_values(ref["values"], field=field))
            continue
        if "name" in ref:
            found: Secret | None = _named(workspace=workspace, app=app, ref=ref)
        else:
            found = Secret.objects.filter(workspace=workspace, pk=ref.get("id")).first()
        if found is None or (found.app_id is not None and (app is None or found.app_id != app.id)):
            raise _no_secret(ref.get("id"), field)
        ids.append(found.id)
        env.update(keys.decrypt(bytes(found.ciphertext)))
    return ids, keys.encrypt(env) if env else None


def _named(*, workspace, app, ref: dict) -> Secret:
    """A named secret a definition names (with_options from a container, say), in the environment
    it gives or the app's, with the keys it requires."""
    from apps.models import DEFAULT_ENVIRONMENT

    name = ref.get("name")
    environment = ref.get("environment") or (
        app.environment.name if app is not None and app.environment_id else DEFAULT_ENVIRONMENT
    )
    found = (
        Secret.objects.filter(workspace=workspace, environment__name=environment, name=name)
        .only("id", "keys")
        .first()
        if isinstance(name, str) and isinstance(environment, str)
        else None
    )
    if found is None:
        raise ApiError(
            f"Secret {name!r} not found in the environment {environment!r}.",
            code="not_found",
            status_code=404,
            field="secrets",
            hint=f"Create it with `skylift secret create {name} KEY=value ...`.",
        )
    required = ref.get("required_keys") or []
    missing = [k for k in required if isinstance(k, str) and k not in found.keys]
    if missing:
        raise ApiError(
            f"Secret {name!r} lacks the required keys {', '.join(missing)}.",
            code="not_found",
            status_code=404,
            field="secrets",
        )
    return found


def _no_secret(secret_id, field: str) -> ApiError:
    return ApiError(
        f"No secret {secret_id!r} in this workspace.",
        code="not_found",
        status_code=404,
        field=field,
        hint="Look secrets up by name: Secret.from_name(NAME); `skylift secret list` shows them.",
    )


def build_secret_values(*, workspace, ids, field: str) -> list[dict[str, str]]:
    """The values of the named secrets a build step (or a registry pull) names, in order."""
    if (
        not isinstance(ids, list)
        or not all(isinstance(i, str) for i in ids)
        or len(ids) > MAX_SECRETS_PER_FUNCTION
    ):
        raise ApiError(
            f"{field} must be a list of at most {MAX_SECRETS_PER_FUNCTION} secret ids.", field=field
        )
    found = {s.id: s for s in Secret.objects.filter(workspace=workspace, app__isnull=True, pk__in=ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise _no_secret(missing[0], field)
    return [keys.decrypt(bytes(found[i].ciphertext)) for i in ids]


def env_for(secret_ids: list[str], values_by_id: dict[str, bytes]) -> dict[str, str]:
    """The environment a container gets from its secrets, later ones winning (as Modal's).

    `values_by_id` maps ids to ciphertexts as read from the database; a missing id is an error
    naming it (the secret was deleted since the function was defined)."""
    env: dict[str, str] = {}
    for secret_id in secret_ids:
        if secret_id not in values_by_id:
            raise LookupError(f"the secret {secret_id} given to this function no longer exists")
        env.update(keys.decrypt(values_by_id[secret_id]))
    return env
