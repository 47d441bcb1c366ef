"""The SDK's connection to a Skylift server, over the generated low-level client (`_api`).

Every REST call goes through `Client._call`, which maps HTTP failures to the exceptions of
`skylift.exception` in one place.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from typing import IO, Any, Protocol
from urllib.parse import parse_qs, urlparse

import httpx

from . import _exceptions as exc
from ._api import AuthenticatedClient
from ._api.api.apps import (
    apps_create,
    apps_deploy_create,
    apps_heartbeat_create,
    apps_list,
    apps_logs_retrieve,
    apps_lookup_retrieve,
    apps_retrieve,
    apps_rollback_create,
    apps_rollback_preview_retrieve,
    apps_schedules_list,
    apps_stop_create,
    apps_versions_list,
)
from ._api.api.budget_webhook import budget_webhook_destroy, budget_webhook_retrieve, budget_webhook_update
from ._api.api.budgets import budgets_create, budgets_destroy, budgets_list
from ._api.api.calls import (
    calls_cancel_create,
    calls_graph_retrieve,
    calls_inputs_create,
    calls_items_retrieve,
    calls_outputs_retrieve,
    calls_retrieve,
)
from ._api.api.dicts import dicts_destroy, dicts_entries_retrieve, dicts_list, dicts_retrieve
from ._api.api.environments import environments_create, environments_destroy, environments_list
from ._api.api.functions import (
    functions_autoscaler_create,
    functions_create,
    functions_lookup_retrieve,
    functions_run_now_create,
    functions_variants_create,
)
from ._api.api.mounts import mounts_create, mounts_retrieve
from ._api.api.proxy_tokens import (
    proxy_tokens_create,
    proxy_tokens_destroy,
    proxy_tokens_list,
    proxy_tokens_revoke_create,
)
from ._api.api.queues import (
    queues_destroy,
    queues_len_retrieve,
    queues_list,
    queues_peek_retrieve,
    queues_retrieve,
)
from ._api.api.secrets import (
    secrets_create,
    secrets_destroy,
    secrets_list,
    secrets_partial_update,
    secrets_update,
)
from ._api.api.volumes import (
    volumes_create,
    volumes_destroy,
    volumes_files_destroy,
    volumes_files_retrieve,
    volumes_list,
)
from ._api.models import (
    AppRequest,
    AutoscalerRequest,
    CallInputsRequest,
    DeployRequest,
    EnvironmentRequest,
    FunctionCreateRequest,
    FunctionVariantRequest,
    MountCreateRequest,
    PatchedSecretEditRequest,
    PatchedSecretEditRequestSet,
    ProxyTokenCreateRequest,
    RollbackRequest,
    SecretCreateRequest,
    SecretCreateRequestValues,
    SecretReplaceRequest,
    SecretReplaceRequestValues,
    VolumeCreateRequest,
)
from ._api.types import UNSET
from ._config import Config, config_path, load_config
from ._transport import LeanTransport, TransportError

__all__ = ["Client", "raise_for_response"]

START_HINT = (
    "Start a server on this machine with `skylift server start`, or point the SDK at one with "
    "SKYLIFT_SERVER_URL or `skylift token set --server-url URL ...`."
)
TOKEN_HINT = (
    "Get a token with `skylift token new` (or create one in the dashboard and save it with "
    "`skylift token set`), or set SKYLIFT_TOKEN_ID and SKYLIFT_TOKEN_SECRET."
)

# Requests that are safe to repeat (idempotency keys, fixed input indexes) are retried this many
# times when the connection drops or the server restarts (RELIABILITY F7).
SUBMIT_RETRIES = 8
# Reads are always safe to repeat; a database or Redis restart answers 503 for a few seconds.
READ_RETRIES = 8
# How long a client that has reached its server waits out an outage (restart, 503s) on a request
# that is safe to repeat.
OUTAGE_SECONDS = 90.0
RATE_LIMIT_RETRIES = 60

_STATUS_ERRORS: dict[int, type[exc.Error]] = {
    400: exc.InvalidError,
    401: exc.AuthError,
    403: exc.AuthError,
    404: exc.NotFoundError,
    409: exc.InvalidError,
    413: exc.InvalidError,
    415: exc.InvalidError,
    429: exc.ResourceExhaustedError,
}
# Errors whose code says more than their status: a spending cap reached (apps/ephemeral.py).
_CODE_ERRORS: dict[str, type[exc.Error]] = {"budget_reached": exc.ResourceExhaustedError}


class _Response(Protocol):
    """What `raise_for_response` reads of an answer: the generated client's, httpx's or the lean one's."""

    @property
    def status_code(self) -> int: ...
    @property
    def content(self) -> bytes: ...


def raise_for_response(response: _Response, what: str) -> None:
    """Raise the SDK exception that matches an unsuccessful HTTP response."""
    status = int(response.status_code)
    if status < 400:
        return
    try:
        import json

        error = json.loads(response.content).get("error", {})
        message = error.get("message") or response.content.decode(errors="replace")[:500]
        hint, code = error.get("hint"), error.get("code")
    except (ValueError, AttributeError):
        message, hint, code = response.content.decode(errors="replace")[:500], None, None
    if status == 401:
        hint = TOKEN_HINT
    text = f"{what}: {message}" + (f" {hint}" if hint else "")
    raise _CODE_ERRORS.get(code or "", _STATUS_ERRORS.get(status, exc.RemoteError))(text)


class Client:
    """An authenticated connection to one Skylift server."""

    def __init__(self, config: Config) -> None:
        if not config.token_id or not config.token_secret:
            raise exc.AuthError(
                f"No Skylift token configured (looked in {config_path()} and the environment). {TOKEN_HINT}"
            )
        self.config = config
        self.api = AuthenticatedClient(
            base_url=config.server_url,
            token=f"{config.token_id}:{config.token_secret}",
            timeout=httpx.Timeout(75.0, connect=5.0),
            raise_on_unexpected_status=False,
        )
        self.reached = False  # has this client had any answer from the server yet?
        self.lean = LeanTransport(
            config.server_url, f"Bearer {config.token_id}:{config.token_secret}", timeout=75.0
        )

    @classmethod
    def from_env(cls, profile: str | None = None) -> Client:
        return cls(load_config(profile))

    def clone(self) -> Client:
        """A second connection (for a background thread)."""
        other = Client(self.config)
        other.reached = self.reached
        return other

    def _call(self, endpoint: Any, what: str, *, retries: int = 0, **kwargs: Any) -> Any:
        """Call a generated endpoint module (its `sync_detailed`); its parsed answer."""
        return self._send(lambda: endpoint.sync_detailed(client=self.api, **kwargs), what, retries)

    def _call_dict(self, endpoint: Any, what: str, *, retries: int = 0, **kwargs: Any) -> dict[str, Any]:
        """`_call` for an endpoint that answers one object: that object as a dict."""
        answer: dict[str, Any] = self._call(endpoint, what, retries=retries, **kwargs).to_dict()
        return answer

    def _send(self, send: Callable[[], Any], what: str, retries: int) -> Any:
        """Send, retrying what is safe to repeat (`retries` > 0) through outages and limits.

        Before this client has ever reached the server, a connection failure is reported after
        `retries` quick attempts (most likely no server is running). Once it has, a server that
        stops answering or answers 503 (restarting, its database or Redis away) is waited on
        for up to OUTAGE_SECONDS: a control-plane restart must not cost a running map.
        """
        first_failure: float | None = None
        rate_limited = 0
        attempt = 0
        while True:
            try:
                response = send()
                failure = None
            except (httpx.TransportError, *TransportError) as err:
                response, failure = None, err
            status = int(response.status_code) if response is not None else 0
            if failure is not None or status == 503:
                first_failure = first_failure or time.monotonic()
                patient = self.reached and time.monotonic() - first_failure < OUTAGE_SECONDS
                if retries and (attempt < retries or patient):
                    time.sleep(_retry_after(response) if response is not None else min(2.0, 0.2 * 2**attempt))
                    attempt += 1
                    continue
                if failure is not None:
                    raise exc.ConnectionError(
                        f"Could not reach a Skylift server at {self.config.server_url} "
                        f"(settings from {self.config.source}): {failure}. {START_HINT}"
                    ) from None
            self.reached = True
            if status == 429 and rate_limited < max(retries, RATE_LIMIT_RETRIES):
                # Limits answer "later", never "lost": wait as told and send the same request again.
                rate_limited += 1
                time.sleep(_retry_after(response))
                continue
            raise_for_response(response, what)
            return response.parsed

    # Apps ---------------------------------------------------------------------------------

    def app_create(self, name: str, *, detached: bool = False) -> dict[str, Any]:
        body = AppRequest(name=name, detached=detached)
        return self._call_dict(apps_create, f"Could not create app {name!r}", body=body)

    def app_heartbeat(self, app_id: str) -> None:
        self._call(apps_heartbeat_create, "Could not reach the server", id=app_id)

    def app_stop(self, app_id: str) -> dict[str, Any]:
        return self._call_dict(apps_stop_create, f"Could not stop app {app_id}", retries=3, id=app_id)

    def app_logs(self, app_id: str, *, after: str, timeout: float) -> dict[str, Any]:
        return self._call_dict(
            apps_logs_retrieve, "Could not read logs", id=app_id, after=after, timeout=timeout
        )

    def logs(self, **query: str | int) -> dict[str, Any]:
        """A page of the workspace's log lines (GET /logs/: filters app, function, call,
        container, stream, since, until, q; before or after; limit)."""
        from ._api.api.logs import logs_list
        from ._api.models import LogsListStream

        kwargs: dict[str, Any] = {k: (str(v) if k != "limit" else int(v)) for k, v in query.items() if v}
        if "stream" in kwargs:
            kwargs["stream"] = LogsListStream(kwargs["stream"])
        if "since" in kwargs or "until" in kwargs:
            from datetime import datetime

            for name in ("since", "until"):
                if name in kwargs:
                    kwargs[name] = datetime.fromisoformat(kwargs[name])
        return self._call_dict(logs_list, "Could not read logs", **kwargs)

    # Containers -----------------------------------------------------------------------------

    def containers(self, *, app: str | None = None, live: bool = True) -> list[dict[str, Any]]:
        """The workspace's containers (tasks), newest first: the live ones unless `live` is False."""
        from ._api.api.tasks import tasks_list

        found: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            query: dict[str, Any] = {"live": live, "limit": 500}
            if app:
                query["app"] = app
            if cursor:
                query["cursor"] = cursor
            page = self._call_dict(tasks_list, "Could not list containers", **query)
            found.extend(page["results"])
            following = page.get("next")
            if not following:
                return found
            cursor = parse_qs(urlparse(following).query)["cursor"][0]

    def container_stop(self, task_id: str) -> dict[str, Any]:
        from ._api.api.tasks import tasks_stop_create

        return self._call_dict(tasks_stop_create, f"Could not stop container {task_id}", id=task_id)

    # Functions ------------------------------------------------------------------------------

    def mount_ensure(self, sha256: str, content: bytes) -> None:
        """Upload source unless the server already has it."""
        response = mounts_retrieve.sync_detailed(client=self.api, sha256=sha256)
        if int(response.status_code) == 200:
            return
        body = MountCreateRequest(sha256=sha256, content=base64.b64encode(content).decode())
        self._call(mounts_create, "Could not upload source", body=body)

    def function_variant(
        self, function_id: str, *, params: bytes | None, options: dict[str, Any]
    ) -> dict[str, Any]:
        body = FunctionVariantRequest.from_dict(
            {
                "params": base64.b64encode(params).decode() if params is not None else None,
                "options": options,
            }
        )
        return self._call_dict(
            functions_variants_create,
            f"Could not bind {function_id}",
            retries=SUBMIT_RETRIES,
            id=function_id,
            body=body,
        )

    def function_update_autoscaler(self, function_id: str, **changes: int | None) -> dict[str, Any]:
        body = AutoscalerRequest.from_dict({k: v for k, v in changes.items() if v is not None})
        return self._call_dict(
            functions_autoscaler_create,
            f"Could not update the autoscaler of {function_id}",
            id=function_id,
            body=body,
        )

    def function_create(self, spec: dict[str, Any]) -> dict[str, Any]:
        body = FunctionCreateRequest.from_dict(_wire_spec(spec))
        return self._call_dict(functions_create, f"Could not define function {spec.get('name')!r}", body=body)

    def function_lookup(self, app: str, name: str, *, environment: str | None) -> dict[str, Any]:
        return self._call_dict(
            functions_lookup_retrieve,
            f"Could not look up {name!r} in the app {app!r}",
            retries=READ_RETRIES,
            app=app,
            name=name,
            environment=environment or UNSET,
        )

    # Deployments -----------------------------------------------------------------------------

    def app_deploy(
        self,
        *,
        name: str,
        environment: str | None,
        functions: list[dict[str, Any]],
        tag: str = "",
        git_commit: str = "",
        git_dirty: bool | None = None,
        ephemeral: bool = False,
        app_id: str | None = None,
        force: bool = False,
    ) -> dict[str, Any]:
        from . import __version__

        body = DeployRequest.from_dict(
            {
                "ephemeral": ephemeral,
                "app_id": app_id or "",
                "name": name,
                "environment": environment or "",
                "tag": tag,
                "client_version": __version__,
                "git_commit": git_commit,
                "git_dirty": git_dirty,
                "functions": [_wire_spec(spec) for spec in functions],
                "force": force,
            }
        )
        return self._call_dict(apps_deploy_create, f"Could not deploy {name!r}", body=body)

    def app_get(self, app_id: str) -> dict[str, Any]:
        return self._call_dict(
            apps_retrieve, f"Could not read the app {app_id}", retries=READ_RETRIES, id=app_id
        )

    def app_lookup(self, name: str, *, environment: str | None) -> dict[str, Any]:
        return self._call_dict(
            apps_lookup_retrieve,
            f"Could not look up the app {name!r}",
            retries=READ_RETRIES,
            name=name,
            environment=environment or UNSET,
        )

    def app_list(self, *, environment: str | None = None, state: str | None = None) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        while True:
            page = self._call(
                apps_list,
                "Could not list apps",
                retries=READ_RETRIES,
                offset=len(out),
                environment=environment or UNSET,
                state=state or UNSET,
            )
            out += [a.to_dict() for a in page.results]
            if not page.results or len(out) >= page.count:
                return out

    def app_versions(self, app_id: str) -> list[dict[str, Any]]:
        versions = self._call(apps_versions_list, f"Could not read the versions of {app_id}", id=app_id)
        return [v.to_dict() for v in versions]

    def app_rollback(self, app_id: str, version: int | None, *, force: bool = False) -> dict[str, Any]:
        return self._call_dict(
            apps_rollback_create,
            f"Could not roll back {app_id}",
            id=app_id,
            body=RollbackRequest(version=version, force=force),
        )

    def app_rollback_preview(self, app_id: str, version: int | None) -> dict[str, Any]:
        """What a rollback to `version` would change; changes nothing."""
        return self._call_dict(
            apps_rollback_preview_retrieve,
            f"Could not preview a rollback of {app_id}",
            retries=READ_RETRIES,
            id=app_id,
            version=str(version) if version is not None else UNSET,
        )

    def app_schedules(self, app_id: str) -> list[dict[str, Any]]:
        found = self._call(
            apps_schedules_list, f"Could not read the schedules of {app_id}", retries=READ_RETRIES, id=app_id
        )
        return [f.to_dict() for f in found]

    def function_run_now(self, function_id: str) -> dict[str, Any]:
        return self._call_dict(functions_run_now_create, f"Could not run {function_id} now", id=function_id)

    def environment_list(self) -> list[dict[str, Any]]:
        page = self._call(environments_list, "Could not list environments", retries=READ_RETRIES)
        return [e.to_dict() for e in page.results]

    def environment_create(self, name: str) -> dict[str, Any]:
        return self._call_dict(
            environments_create,
            f"Could not create the environment {name!r}",
            body=EnvironmentRequest(name=name),
        )

    def environment_delete(self, name: str) -> None:
        self._call(environments_destroy, f"Could not delete the environment {name!r}", name=name)

    # Calls -----------------------------------------------------------------------------------

    def call_create(
        self,
        function_id: str | Mapping[str, str],
        inputs: list[bytes],
        *,
        kind: str,
        wait: float,
        method: str = "",
        closed: bool = True,
    ) -> dict[str, Any]:
        """Submit a call. Retried on connection loss: the idempotency key makes a retry return the same call.

        This is the request every `.remote()` makes, so it takes the lean transport. The function
        is its id, or a deployed one's names (`app_name`, `function_name`, `environment`).
        """
        if kind not in ("remote", "spawn", "map"):
            raise exc.InvalidError(f"unknown call kind {kind!r}")
        target = {"function_id": function_id} if isinstance(function_id, str) else dict(function_id)
        payload = {
            **target,
            "inputs": [base64.b64encode(b).decode() for b in inputs],
            "kind": kind,
            "wait": wait,
            "method": method,
            "idempotency_key": uuid.uuid4().hex,
            "closed": closed,
        }
        created = self._send(
            lambda: self.lean.post_json("/api/v1/calls/", payload),
            "Could not submit the call",
            SUBMIT_RETRIES,
        )
        return {
            "call": created["call"],
            "input_ids": created["input_ids"],
            "outputs": [_output_from_json(o) for o in created["outputs"]],
        }

    def call_add_inputs(
        self, call_id: str, start_idx: int, inputs: list[bytes], *, method: str = "", close: bool = False
    ) -> list[str]:
        """Append a batch to an open call; repeating the same batch (a retry) adds nothing twice."""
        body = CallInputsRequest(
            start_idx=start_idx,
            inputs=[base64.b64encode(b).decode() for b in inputs],
            method=method,
            close=close,
        )
        added = self._call(
            calls_inputs_create,
            f"Could not add inputs to {call_id}",
            retries=SUBMIT_RETRIES,
            id=call_id,
            body=body,
        )
        input_ids: list[str] = added.input_ids
        return input_ids

    def call_outputs(
        self, call_id: str, *, after_seq: int = 0, min_idx: int = 0, timeout: float = 0
    ) -> dict[str, Any]:
        page = self._call(
            calls_outputs_retrieve,
            f"Could not read the outputs of {call_id}",
            retries=READ_RETRIES,
            id=call_id,
            after_seq=after_seq,
            min_idx=min_idx,
            timeout=timeout,
        )
        return {"outputs": [_output(o) for o in page.outputs], "done": page.done}

    def call_retrieve(self, call_id: str) -> dict[str, Any]:
        return self._call_dict(calls_retrieve, f"Could not read {call_id}", retries=READ_RETRIES, id=call_id)

    def call_items(self, call_id: str, *, after: int, timeout: float) -> dict[str, Any]:
        page = self._call(
            calls_items_retrieve,
            f"Could not read the values of {call_id}",
            retries=READ_RETRIES,
            id=call_id,
            after=after,
            timeout=timeout,
        )
        output = page.output
        return {
            "items": [{"n": i.n, "data": base64.b64decode(i.data)} for i in page.items],
            "done": page.done,
            "output": _output(output) if output not in (None, UNSET) else None,
        }

    def call_cancel(self, call_id: str) -> None:
        self._call(calls_cancel_create, f"Could not cancel {call_id}", id=call_id)

    def call_graph(self, call_id: str) -> dict[str, Any]:
        """{root_call_id, inputs}: the call graph `call_id` belongs to, from its root."""
        return self._call_dict(
            calls_graph_retrieve,
            f"Could not read the call graph of {call_id}",
            retries=READ_RETRIES,
            id=call_id,
        )

    # Secrets (values go one way: no answer carries one) ---------------------------------------

    def secret_lookup(self, name: str, *, environment: str | None) -> dict[str, Any] | None:
        page = self._call(
            secrets_list,
            f"Could not look up secret {name!r}",
            retries=READ_RETRIES,
            name=name,
            environment=environment or UNSET,
        )
        found: list[dict[str, Any]] = [v.to_dict() for v in page.results]
        return found[0] if found else None

    def secret_list(self, *, environment: str | None) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        offset = 0
        while True:
            page = self._call(
                secrets_list,
                "Could not list secrets",
                retries=READ_RETRIES,
                environment=environment or UNSET,
                offset=offset,
            )
            out += [v.to_dict() for v in page.results]
            offset += len(page.results)
            if not page.results or offset >= page.count:
                return out

    def secret_create(self, name: str, values: dict[str, str], *, environment: str | None) -> dict[str, Any]:
        return self._call_dict(
            secrets_create,
            f"Could not create secret {name!r}",
            body=SecretCreateRequest(
                name=name,
                environment=environment or "",
                values=SecretCreateRequestValues.from_dict(values),
            ),
        )

    def secret_replace(self, secret_id: str, values: dict[str, str]) -> dict[str, Any]:
        return self._call_dict(
            secrets_update,
            f"Could not replace the values of secret {secret_id}",
            id=secret_id,
            body=SecretReplaceRequest(values=SecretReplaceRequestValues.from_dict(values)),
        )

    def secret_edit(
        self, secret_id: str, values: dict[str, str], remove: list[str] | None = None
    ) -> dict[str, Any]:
        return self._call_dict(
            secrets_partial_update,
            f"Could not change secret {secret_id}",
            id=secret_id,
            body=PatchedSecretEditRequest(
                set_=PatchedSecretEditRequestSet.from_dict(values), remove=remove or []
            ),
        )

    def secret_delete(self, secret_id: str) -> None:
        self._call(secrets_destroy, f"Could not delete secret {secret_id}", id=secret_id)

    # Volumes --------------------------------------------------------------------------------

    def volume_lookup(self, name: str) -> dict[str, Any] | None:
        page = self._call(volumes_list, f"Could not look up volume {name!r}", retries=READ_RETRIES, name=name)
        found: list[dict[str, Any]] = [v.to_dict() for v in page.results]
        return found[0] if found else None

    def volume_create(self, name: str) -> dict[str, Any]:
        return self._call_dict(
            volumes_create, f"Could not create volume {name!r}", body=VolumeCreateRequest(name=name)
        )

    def usage_report(
        self, *, start: str | None = None, end: str | None = None, by: str = "app", granularity: str = "day"
    ) -> dict[str, Any]:
        """The workspace's usage and its cost (GET /api/v1/usage/); bad dates or choices: InvalidError.

        Read as plain JSON, not into the generated models: a year by app is tens of thousands of rows."""
        from ._api.models import UsageRetrieveBy, UsageRetrieveGranularity

        try:
            UsageRetrieveBy(by), UsageRetrieveGranularity(granularity)
        except ValueError as error:
            raise exc.InvalidError(str(error)) from None
        params = {"by": by, "granularity": granularity, **({"start": start} if start else {})}
        params.update({"end": end} if end else {})
        http = self.api.get_httpx_client()
        report: dict[str, Any] = self._send(
            lambda: _Raw(http.get("/api/v1/usage/", params=params)), "Could not read the usage", READ_RETRIES
        ).json()
        return report

    def budget_set(self, *, app_id: str | None, limit_usd: float, period: str = "month") -> dict[str, Any]:
        """Set the workspace's budget (app_id None) or an app's; owners and admins only."""
        from ._api.models import BudgetRequest, PeriodEnum

        try:
            body = BudgetRequest(limit_usd=limit_usd, app_id=app_id, period=PeriodEnum(period))
        except ValueError as error:
            raise exc.InvalidError(str(error)) from None
        return self._call_dict(budgets_create, "Could not set the budget", body=body)

    def budget_list(self) -> list[dict[str, Any]]:
        page = self._call(budgets_list, "Could not list budgets", retries=READ_RETRIES, limit=500)
        return [b.to_dict() for b in page.results]

    def budget_delete(self, budget_id: str) -> None:
        self._call(budgets_destroy, f"Could not remove budget {budget_id}", id=budget_id)

    def budget_webhook_set(self, url: str, *, rotate_secret: bool = False) -> dict[str, Any]:
        """Post the workspace's budget alerts to `url` (owners and admins); the answer has the secret."""
        from ._api.models import AlertWebhookRequest

        body = AlertWebhookRequest(url=url, rotate_secret=rotate_secret)
        return self._call_dict(budget_webhook_update, "Could not set the budget alert webhook", body=body)

    def budget_webhook_get(self) -> dict[str, Any]:
        return self._call_dict(
            budget_webhook_retrieve, "Could not read the budget alert webhook", retries=READ_RETRIES
        )

    def budget_webhook_remove(self) -> None:
        self._call(budget_webhook_destroy, "Could not remove the budget alert webhook")

    def statement(self, month: str | None, *, document: str = "") -> Any:
        """The workspace's statement of `month` (YYYY-MM; this month by default): as a dict, or
        with `document` "html" or "pdf", that document's bytes."""
        path = f"/api/v1/statements/{document + '/' if document else ''}"
        params = {"month": month} if month else {}
        http = self.api.get_httpx_client()
        answer = self._send(
            lambda: _Raw(http.get(path, params=params)), "Could not read the statement", READ_RETRIES
        )
        return answer.content if document else answer.json()

    def volume_list(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        offset = 0
        while True:
            page = self._call(volumes_list, "Could not list volumes", retries=READ_RETRIES, offset=offset)
            out += [v.to_dict() for v in page.results]
            offset += len(page.results)
            if not page.results or offset >= page.count:
                return out

    def volume_delete(self, volume_id: str) -> None:
        self._call(volumes_destroy, f"Could not delete volume {volume_id}", id=volume_id)

    def volume_files(self, volume_id: str, path: str, *, recursive: bool) -> list[dict[str, Any]]:
        listing = self._call(
            volumes_files_retrieve,
            f"Could not list {path!r}",
            retries=READ_RETRIES,
            id=volume_id,
            path=path,
            recursive=recursive,
        )
        entries: list[dict[str, Any]] = [e.to_dict() for e in listing.entries]
        return entries

    def volume_remove(self, volume_id: str, path: str, *, recursive: bool) -> None:
        self._call(
            volumes_files_destroy, f"Could not remove {path!r}", id=volume_id, path=path, recursive=recursive
        )

    def volume_upload(self, volume_id: str, tar_file: IO[bytes], *, overwrite: bool) -> list[str]:
        """Send a tar of files and folders (an open binary file) into the volume."""
        http = self.api.get_httpx_client()

        size = tar_file.seek(0, 2)

        def send() -> _Raw:
            tar_file.seek(0)
            return _Raw(
                http.put(
                    f"/api/v1/volumes/{volume_id}/files/",
                    params={"overwrite": "true" if overwrite else "false"},
                    content=iter(lambda: tar_file.read(1 << 20), b""),
                    headers={"Content-Type": "application/x-tar", "Content-Length": str(size)},
                    timeout=httpx.Timeout(None, connect=5.0),
                )
            )

        # Replacing files is safe to repeat (the same tar writes the same bytes); without
        # overwrite, a retry would find the first attempt's files and answer 409.
        retries = SUBMIT_RETRIES if overwrite else 0
        written: list[str] = self._send(send, "Could not upload to the volume", retries).json()["written"]
        return written

    def volume_read(self, volume_id: str, path: str, chunk_size: int = 1 << 20) -> Iterator[bytes]:
        """The bytes of one file of a volume, in chunks as they arrive."""
        http = self.api.get_httpx_client()
        request = http.build_request("GET", f"/api/v1/volumes/{volume_id}/content/", params={"path": path})
        response = http.send(request, stream=True)
        try:
            if response.status_code >= 400:
                response.read()
                raise_for_response(response, f"Could not read {path!r}")
            yield from response.iter_bytes(chunk_size)
        finally:
            response.close()

    # Proxy tokens ---------------------------------------------------------------------------

    def proxy_token_create(self, name: str) -> dict[str, Any]:
        """A new proxy token of the workspace, with its secret (the only answer that carries it)."""
        return self._call_dict(
            proxy_tokens_create, "Could not create a proxy token", body=ProxyTokenCreateRequest(name=name)
        )

    def proxy_token_list(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        offset = 0
        while True:
            page = self._call(
                proxy_tokens_list, "Could not list proxy tokens", retries=READ_RETRIES, offset=offset
            )
            out += [t.to_dict() for t in page.results]
            offset += len(page.results)
            if not page.results or offset >= page.count:
                return out

    def proxy_token_revoke(self, key: str) -> dict[str, Any]:
        return self._call_dict(
            proxy_tokens_revoke_create, f"Could not revoke proxy token {key}", retries=READ_RETRIES, id=key
        )

    def proxy_token_delete(self, key: str) -> None:
        self._call(proxy_tokens_destroy, f"Could not delete proxy token {key}", id=key)

    # Dicts and Queues -------------------------------------------------------------------------
    # The entry and item operations are JSON POSTs on the lean transport (the caller's hot path).

    def _state_post(self, path: str, payload: dict[str, Any], what: str, retries: int) -> dict[str, Any]:
        def send() -> Any:
            response = self.lean.post_json(path, payload)
            if response.status_code == 409 and b'"queue_full"' in response.content:
                import queue

                raise queue.Full(json.loads(response.content)["error"]["message"])
            return response

        answer: dict[str, Any] = self._send(send, what, retries)
        return answer

    def state_lookup(self, kind: str, name: str, *, environment: str | None) -> dict[str, Any] | None:
        endpoint = dicts_list if kind == "dict" else queues_list
        page = self._call(
            endpoint,
            f"Could not look up the {kind} {name!r}",
            retries=READ_RETRIES,
            name=name,
            environment=environment if environment else UNSET,
        )
        found: list[dict[str, Any]] = [v.to_dict() for v in page.results]
        return found[0] if found else None

    def state_create(self, kind: str, name: str | None, *, environment: str | None) -> dict[str, Any]:
        body = {"name": name, **({"environment": environment} if environment else {})}
        what = f"Could not create the {kind} {name!r}" if name else f"Could not create an ephemeral {kind}"
        # Not repeated: a retry of a create that went through would answer 409.
        made: dict[str, Any] = self._send(
            lambda: _Raw(self.api.get_httpx_client().post(f"/api/v1/{kind}s/", json=body)), what, 0
        ).json()
        return made

    def state_get(self, kind: str, object_id: str) -> dict[str, Any]:
        endpoint = dicts_retrieve if kind == "dict" else queues_retrieve
        return self._call_dict(endpoint, f"Could not read {object_id}", retries=READ_RETRIES, id=object_id)

    def state_list(self, kind: str, *, environment: str | None) -> list[dict[str, Any]]:
        endpoint = dicts_list if kind == "dict" else queues_list
        out: list[dict[str, Any]] = []
        offset = 0
        while True:
            page = self._call(
                endpoint,
                f"Could not list {kind}s",
                retries=READ_RETRIES,
                offset=offset,
                environment=environment if environment else UNSET,
            )
            out += [v.to_dict() for v in page.results]
            offset += len(page.results)
            if not page.results or offset >= page.count:
                return out

    def state_delete(self, kind: str, object_id: str) -> None:
        endpoint = dicts_destroy if kind == "dict" else queues_destroy
        self._call(endpoint, f"Could not delete {object_id}", id=object_id)

    def dict_get(self, dict_id: str, key: bytes) -> bytes | None:
        found = self._state_post(
            f"/api/v1/dicts/{dict_id}/get/", {"key": _b64(key)}, f"Could not read {dict_id}", READ_RETRIES
        )
        return base64.b64decode(found["value"]) if found["found"] else None

    def dict_put(
        self, dict_id: str, entries: list[tuple[bytes, bytes, str, str]], *, skip_if_exists: bool
    ) -> int:
        payload = {
            "entries": [
                {"key": _b64(k), "value": _b64(v), "key_preview": kp, "value_preview": vp}
                for k, v, kp, vp in entries
            ],
            "skip_if_exists": skip_if_exists,
        }
        # Writing the same values again is harmless; a retried skip_if_exists may answer 0 for its own write.
        answer = self._state_post(
            f"/api/v1/dicts/{dict_id}/put/", payload, f"Could not write to {dict_id}", SUBMIT_RETRIES
        )
        return int(answer["written"])

    def dict_pop(self, dict_id: str, key: bytes) -> bytes | None:
        found = self._state_post(
            f"/api/v1/dicts/{dict_id}/pop/", {"key": _b64(key)}, f"Could not pop from {dict_id}", 0
        )
        return base64.b64decode(found["value"]) if found["found"] else None

    def dict_len(self, dict_id: str) -> int:
        return int(self.state_get("dict", dict_id)["len"])

    def dict_clear(self, dict_id: str) -> int:
        answer = self._state_post(
            f"/api/v1/dicts/{dict_id}/clear/", {}, f"Could not clear {dict_id}", SUBMIT_RETRIES
        )
        return int(answer["removed"])

    def dict_entries(self, dict_id: str, *, after: int, limit: int, values: bool) -> list[dict[str, Any]]:
        page = self._call(
            dicts_entries_retrieve,
            f"Could not read the entries of {dict_id}",
            retries=READ_RETRIES,
            id=dict_id,
            after=after,
            limit=limit,
            values=values,
        )
        return [
            {
                "id": e.id,
                "key": base64.b64decode(e.key),
                "value": base64.b64decode(e.value) if isinstance(e.value, str) else None,
                "key_preview": e.key_preview,
                "value_preview": e.value_preview,
            }
            for e in page.entries
        ]

    def queue_put(
        self, queue_id: str, partition: str | None, values: list[bytes], previews: list[str]
    ) -> int:
        payload = {"partition": partition, "values": [_b64(v) for v in values], "previews": previews}
        # Not repeated: a put that went through but whose answer was lost would be added twice.
        answer = self._state_post(
            f"/api/v1/queues/{queue_id}/put/", payload, f"Could not put into {queue_id}", 0
        )
        return int(answer["added"])

    def queue_get(self, queue_id: str, partition: str | None, n: int, timeout: float) -> list[bytes]:
        payload = {"partition": partition, "n": n, "timeout": timeout}
        answer = self._state_post(
            f"/api/v1/queues/{queue_id}/get/", payload, f"Could not get from {queue_id}", 0
        )
        return [base64.b64decode(v) for v in answer["values"]]

    def queue_len(self, queue_id: str, partition: str | None, *, total: bool) -> int:
        answer = self._call(
            queues_len_retrieve,
            f"Could not count the items of {queue_id}",
            retries=READ_RETRIES,
            id=queue_id,
            partition=partition if partition else UNSET,
            total=total,
        )
        return int(answer.len_)

    def queue_clear(self, queue_id: str, partition: str | None, *, everything: bool) -> int:
        payload = {"partition": partition, "all": everything}
        answer = self._state_post(
            f"/api/v1/queues/{queue_id}/clear/", payload, f"Could not clear {queue_id}", 0
        )
        return int(answer["removed"])

    def queue_peek(
        self, queue_id: str, partition: str | None, n: int, *, after: int = 0
    ) -> list[dict[str, Any]]:
        page = self._call(
            queues_peek_retrieve,
            f"Could not read the items of {queue_id}",
            retries=READ_RETRIES,
            id=queue_id,
            partition=partition if partition else UNSET,
            n=n,
            after=after,
        )
        return [
            {"id": i.id, "value": base64.b64decode(i.value), "preview": i.preview, "created_at": i.created_at}
            for i in page.items
        ]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


class _Raw:
    """An httpx response where `Client._send` expects a generated client's (its `.parsed`)."""

    def __init__(self, response: httpx.Response) -> None:
        self.status_code, self.content, self.headers = (
            response.status_code,
            response.content,
            response.headers,
        )
        self.parsed = self

    def json(self) -> Any:
        import json

        return json.loads(self.content)


def _retry_after(response: Any) -> float:
    try:
        return max(0.05, min(30.0, float(response.headers.get("Retry-After", 1))))
    except ValueError:
        return 1.0


def _output_from_json(o: dict[str, Any]) -> dict[str, Any]:
    result = o.get("result")
    return {
        "input_id": o["input_id"],
        "idx": o["idx"],
        "status": o["status"],
        "result_kind": o["result_kind"],
        "result": base64.b64decode(result) if result is not None else None,
        "cause": o["cause"],
        "message": o["message"],
        "seq": o.get("seq"),
        "codec": o.get("codec") or "",
    }


def _output(o: Any) -> dict[str, Any]:
    return {
        "input_id": o.input_id,
        "idx": o.idx,
        "status": o.status,
        "result_kind": o.result_kind,
        "result": base64.b64decode(o.result) if o.result not in (None, UNSET) else None,
        "cause": o.cause,
        "message": o.message,
        "seq": o.seq if o.seq is not UNSET else None,
        "codec": o.codec if isinstance(o.codec, str) else "",
    }


def _wire_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """A function's spec as JSON: its serialized body in base64, unset options left out."""
    spec = dict(spec)
    if spec.get("serialized") is not None:
        spec["serialized"] = base64.b64encode(spec["serialized"]).decode()
    return {k: v for k, v in spec.items() if v is not None}
