from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.paginated_call_row_list import PaginatedCallRowList
from ...types import UNSET, Unset
from typing import cast



def _get_kwargs(
    *,
    app: str | Unset = UNSET,
    cursor: str | Unset = UNSET,
    function: str | Unset = UNSET,
    function_name: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    status: str | Unset = UNSET,

) -> dict[str, Any]:
    

    

    params: dict[str, Any] = {}

    params["app"] = app

    params["cursor"] = cursor

    params["function"] = function

    params["function_name"] = function_name

    params["limit"] = limit

    params["status"] = status


    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}


    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/calls/",
        "params": params,
    }


    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> PaginatedCallRowList | None:
    if response.status_code == 200:
        response_200 = PaginatedCallRowList.from_dict(response.json())



        return response_200

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[PaginatedCallRowList]:
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
    function_name: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    status: str | Unset = UNSET,

) -> Response[PaginatedCallRowList]:
    """  Calls (`.remote()`, `.map()`, `.spawn()`): submit inputs, collect outputs.

    Args:
        app (str | Unset):
        cursor (str | Unset):
        function (str | Unset):
        function_name (str | Unset):
        limit (int | Unset):
        status (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PaginatedCallRowList]
     """


    kwargs = _get_kwargs(
        app=app,
cursor=cursor,
function=function,
function_name=function_name,
limit=limit,
status=status,

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
    function_name: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    status: str | Unset = UNSET,

) -> PaginatedCallRowList | None:
    """  Calls (`.remote()`, `.map()`, `.spawn()`): submit inputs, collect outputs.

    Args:
        app (str | Unset):
        cursor (str | Unset):
        function (str | Unset):
        function_name (str | Unset):
        limit (int | Unset):
        status (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PaginatedCallRowList
     """


    return sync_detailed(
        client=client,
app=app,
cursor=cursor,
function=function,
function_name=function_name,
limit=limit,
status=status,

    ).parsed

async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    app: str | Unset = UNSET,
    cursor: str | Unset = UNSET,
    function: str | Unset = UNSET,
    function_name: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    status: str | Unset = UNSET,

) -> Response[PaginatedCallRowList]:
    """  Calls (`.remote()`, `.map()`, `.spawn()`): submit inputs, collect outputs.

    Args:
        app (str | Unset):
        cursor (str | Unset):
        function (str | Unset):
        function_name (str | Unset):
        limit (int | Unset):
        status (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PaginatedCallRowList]
     """


    kwargs = _get_kwargs(
        app=app,
cursor=cursor,
function=function,
function_name=function_name,
limit=limit,
status=status,

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
    function_name: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    status: str | Unset = UNSET,

) -> PaginatedCallRowList | None:
    """  Calls (`.remote()`, `.map()`, `.spawn()`): submit inputs, collect outputs.

    Args:
        app (str | Unset):
        cursor (str | Unset):
        function (str | Unset):
        function_name (str | Unset):
        limit (int | Unset):
        status (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PaginatedCallRowList
     """


    return (await asyncio_detailed(
        client=client,
app=app,
cursor=cursor,
function=function,
function_name=function_name,
limit=limit,
status=status,

    )).parsed
