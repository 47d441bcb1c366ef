from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.paginated_sandbox_list import PaginatedSandboxList
from ...types import UNSET, Unset
from typing import cast



def _get_kwargs(
    *,
    app_id: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    live: bool | Unset = UNSET,
    name: str | Unset = UNSET,
    offset: int | Unset = UNSET,
    tag_name: str | Unset = UNSET,

) -> dict[str, Any]:
    

    

    params: dict[str, Any] = {}

    params["app_id"] = app_id

    params["limit"] = limit

    params["live"] = live

    params["name"] = name

    params["offset"] = offset

    params["tag.<name>"] = tag_name


    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}


    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/sandboxes/",
        "params": params,
    }


    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> PaginatedSandboxList | None:
    if response.status_code == 200:
        response_200 = PaginatedSandboxList.from_dict(response.json())



        return response_200

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[PaginatedSandboxList]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    app_id: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    live: bool | Unset = UNSET,
    name: str | Unset = UNSET,
    offset: int | Unset = UNSET,
    tag_name: str | Unset = UNSET,

) -> Response[PaginatedSandboxList]:
    """ 
    Args:
        app_id (str | Unset):
        limit (int | Unset):
        live (bool | Unset):
        name (str | Unset):
        offset (int | Unset):
        tag_name (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PaginatedSandboxList]
     """


    kwargs = _get_kwargs(
        app_id=app_id,
limit=limit,
live=live,
name=name,
offset=offset,
tag_name=tag_name,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    *,
    client: AuthenticatedClient,
    app_id: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    live: bool | Unset = UNSET,
    name: str | Unset = UNSET,
    offset: int | Unset = UNSET,
    tag_name: str | Unset = UNSET,

) -> PaginatedSandboxList | None:
    """ 
    Args:
        app_id (str | Unset):
        limit (int | Unset):
        live (bool | Unset):
        name (str | Unset):
        offset (int | Unset):
        tag_name (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PaginatedSandboxList
     """


    return sync_detailed(
        client=client,
app_id=app_id,
limit=limit,
live=live,
name=name,
offset=offset,
tag_name=tag_name,

    ).parsed

async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    app_id: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    live: bool | Unset = UNSET,
    name: str | Unset = UNSET,
    offset: int | Unset = UNSET,
    tag_name: str | Unset = UNSET,

) -> Response[PaginatedSandboxList]:
    """ 
    Args:
        app_id (str | Unset):
        limit (int | Unset):
        live (bool | Unset):
        name (str | Unset):
        offset (int | Unset):
        tag_name (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PaginatedSandboxList]
     """


    kwargs = _get_kwargs(
        app_id=app_id,
limit=limit,
live=live,
name=name,
offset=offset,
tag_name=tag_name,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    *,
    client: AuthenticatedClient,
    app_id: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    live: bool | Unset = UNSET,
    name: str | Unset = UNSET,
    offset: int | Unset = UNSET,
    tag_name: str | Unset = UNSET,

) -> PaginatedSandboxList | None:
    """ 
    Args:
        app_id (str | Unset):
        limit (int | Unset):
        live (bool | Unset):
        name (str | Unset):
        offset (int | Unset):
        tag_name (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PaginatedSandboxList
     """


    return (await asyncio_detailed(
        client=client,
app_id=app_id,
limit=limit,
live=live,
name=name,
offset=offset,
tag_name=tag_name,

    )).parsed
