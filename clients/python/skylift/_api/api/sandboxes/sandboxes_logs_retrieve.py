from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.sandbox_logs import SandboxLogs
from ...types import UNSET, Unset
from typing import cast
import datetime



def _get_kwargs(
    id: str,
    *,
    since: datetime.datetime | Unset = UNSET,
    tail: int | Unset = UNSET,

) -> dict[str, Any]:
    

    

    params: dict[str, Any] = {}

    json_since: str | Unset = UNSET
    if not isinstance(since, Unset):
        json_since = since.isoformat()
    params["since"] = json_since

    params["tail"] = tail


    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}


    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/sandboxes/{id}/logs/".format(id=quote(str(id), safe=""),),
        "params": params,
    }


    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> SandboxLogs | None:
    if response.status_code == 200:
        response_200 = SandboxLogs.from_dict(response.json())



        return response_200

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[SandboxLogs]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    id: str,
    *,
    client: AuthenticatedClient,
    since: datetime.datetime | Unset = UNSET,
    tail: int | Unset = UNSET,

) -> Response[SandboxLogs]:
    """  What the sandbox's own command printed, oldest first: from its container while it runs,
    then as kept when it ended.

    Args:
        id (str):
        since (datetime.datetime | Unset):
        tail (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[SandboxLogs]
     """


    kwargs = _get_kwargs(
        id=id,
since=since,
tail=tail,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    id: str,
    *,
    client: AuthenticatedClient,
    since: datetime.datetime | Unset = UNSET,
    tail: int | Unset = UNSET,

) -> SandboxLogs | None:
    """  What the sandbox's own command printed, oldest first: from its container while it runs,
    then as kept when it ended.

    Args:
        id (str):
        since (datetime.datetime | Unset):
        tail (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        SandboxLogs
     """


    return sync_detailed(
        id=id,
client=client,
since=since,
tail=tail,

    ).parsed

async def asyncio_detailed(
    id: str,
    *,
    client: AuthenticatedClient,
    since: datetime.datetime | Unset = UNSET,
    tail: int | Unset = UNSET,

) -> Response[SandboxLogs]:
    """  What the sandbox's own command printed, oldest first: from its container while it runs,
    then as kept when it ended.

    Args:
        id (str):
        since (datetime.datetime | Unset):
        tail (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[SandboxLogs]
     """


    kwargs = _get_kwargs(
        id=id,
since=since,
tail=tail,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    id: str,
    *,
    client: AuthenticatedClient,
    since: datetime.datetime | Unset = UNSET,
    tail: int | Unset = UNSET,

) -> SandboxLogs | None:
    """  What the sandbox's own command printed, oldest first: from its container while it runs,
    then as kept when it ended.

    Args:
        id (str):
        since (datetime.datetime | Unset):
        tail (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        SandboxLogs
     """


    return (await asyncio_detailed(
        id=id,
client=client,
since=since,
tail=tail,

    )).parsed
