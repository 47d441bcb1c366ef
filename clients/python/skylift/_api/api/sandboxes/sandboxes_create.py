from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.sandbox import Sandbox
from ...models.sandbox_create_request import SandboxCreateRequest
from ...types import UNSET, Unset
from typing import cast



def _get_kwargs(
    *,
    body: SandboxCreateRequest,
    wait: float | Unset = UNSET,

) -> dict[str, Any]:
    headers: dict[str, Any] = {}


    

    params: dict[str, Any] = {}

    params["wait"] = wait


    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}


    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/sandboxes/",
        "params": params,
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Sandbox | None:
    if response.status_code == 201:
        response_201 = Sandbox.from_dict(response.json())



        return response_201

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Sandbox]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: SandboxCreateRequest,
    wait: float | Unset = UNSET,

) -> Response[Sandbox]:
    """  Create a sandbox: placed on a host and started there; poll it for its state, or ask
    with `wait` to have the answer once it has started.

    Args:
        wait (float | Unset):
        body (SandboxCreateRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Sandbox]
     """


    kwargs = _get_kwargs(
        body=body,
wait=wait,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    *,
    client: AuthenticatedClient,
    body: SandboxCreateRequest,
    wait: float | Unset = UNSET,

) -> Sandbox | None:
    """  Create a sandbox: placed on a host and started there; poll it for its state, or ask
    with `wait` to have the answer once it has started.

    Args:
        wait (float | Unset):
        body (SandboxCreateRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Sandbox
     """


    return sync_detailed(
        client=client,
body=body,
wait=wait,

    ).parsed

async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: SandboxCreateRequest,
    wait: float | Unset = UNSET,

) -> Response[Sandbox]:
    """  Create a sandbox: placed on a host and started there; poll it for its state, or ask
    with `wait` to have the answer once it has started.

    Args:
        wait (float | Unset):
        body (SandboxCreateRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Sandbox]
     """


    kwargs = _get_kwargs(
        body=body,
wait=wait,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    *,
    client: AuthenticatedClient,
    body: SandboxCreateRequest,
    wait: float | Unset = UNSET,

) -> Sandbox | None:
    """  Create a sandbox: placed on a host and started there; poll it for its state, or ask
    with `wait` to have the answer once it has started.

    Args:
        wait (float | Unset):
        body (SandboxCreateRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Sandbox
     """


    return (await asyncio_detailed(
        client=client,
body=body,
wait=wait,

    )).parsed
