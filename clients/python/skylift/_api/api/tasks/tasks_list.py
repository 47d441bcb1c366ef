from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.paginated_task_list import PaginatedTaskList
from ...types import UNSET, Unset
from typing import cast



def _get_kwargs(
    *,
    app: str | Unset = UNSET,
    cursor: str | Unset = UNSET,
    function: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    live: bool | Unset = UNSET,

) -> dict[str, Any]:
    

    

    params: dict[str, Any] = {}

    params["app"] = app

    params["cursor"] = cursor

    params["function"] = function

    params["limit"] = limit

    params["live"] = live


    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}


    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/tasks/",
        "params": params,
    }


    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> PaginatedTaskList | None:
    if response.status_code == 200:
        response_200 = PaginatedTaskList.from_dict(response.json())



        return response_200

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[PaginatedTaskList]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    app: str | Unset = UNSET,
    cursor: str | Unset = UNSET,
    function: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    live: bool | Unset = UNSET,

) -> Response[PaginatedTaskList]:
    """  Containers (tasks) that ran or run the workspace's functions: where, with what, doing what.

    `exec` (a process in a running container, its streams over a WebSocket) is
    `/api/v1/tasks/{id}/exec/`, the same path through the host agent as a sandbox's
    (functions.sandbox_exec).

    Args:
        app (str | Unset):
        cursor (str | Unset):
        function (str | Unset):
        limit (int | Unset):
        live (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PaginatedTaskList]
     """


    kwargs = _get_kwargs(
        app=app,
cursor=cursor,
function=function,
limit=limit,
live=live,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    *,
    client: AuthenticatedClient,
    app: str | Unset = UNSET,
    cursor: str | Unset = UNSET,
    function: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    live: bool | Unset = UNSET,

) -> PaginatedTaskList | None:
    """  Containers (tasks) that ran or run the workspace's functions: where, with what, doing what.

    `exec` (a process in a running container, its streams over a WebSocket) is
    `/api/v1/tasks/{id}/exec/`, the same path through the host agent as a sandbox's
    (functions.sandbox_exec).

    Args:
        app (str | Unset):
        cursor (str | Unset):
        function (str | Unset):
        limit (int | Unset):
        live (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PaginatedTaskList
     """


    return sync_detailed(
        client=client,
app=app,
cursor=cursor,
function=function,
limit=limit,
live=live,

    ).parsed

async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    app: str | Unset = UNSET,
    cursor: str | Unset = UNSET,
    function: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    live: bool | Unset = UNSET,

) -> Response[PaginatedTaskList]:
    """  Containers (tasks) that ran or run the workspace's functions: where, with what, doing what.

    `exec` (a process in a running container, its streams over a WebSocket) is
    `/api/v1/tasks/{id}/exec/`, the same path through the host agent as a sandbox's
    (functions.sandbox_exec).

    Args:
        app (str | Unset):
        cursor (str | Unset):
        function (str | Unset):
        limit (int | Unset):
        live (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PaginatedTaskList]
     """


    kwargs = _get_kwargs(
        app=app,
cursor=cursor,
function=function,
limit=limit,
live=live,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    *,
    client: AuthenticatedClient,
    app: str | Unset = UNSET,
    cursor: str | Unset = UNSET,
    function: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    live: bool | Unset = UNSET,

) -> PaginatedTaskList | None:
    """  Containers (tasks) that ran or run the workspace's functions: where, with what, doing what.

    `exec` (a process in a running container, its streams over a WebSocket) is
    `/api/v1/tasks/{id}/exec/`, the same path through the host agent as a sandbox's
    (functions.sandbox_exec).

    Args:
        app (str | Unset):
        cursor (str | Unset):
        function (str | Unset):
        limit (int | Unset):
        live (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PaginatedTaskList
     """


    return (await asyncio_detailed(
        client=client,
app=app,
cursor=cursor,
function=function,
limit=limit,
live=live,

    )).parsed
