from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.paginated_app_list import PaginatedAppList
from ...types import UNSET, Unset
from typing import cast



def _get_kwargs(
    *,
    environment: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    name: str | Unset = UNSET,
    offset: int | Unset = UNSET,
    search: str | Unset = UNSET,
    state: str | Unset = UNSET,

) -> dict[str, Any]:
    

    

    params: dict[str, Any] = {}

    params["environment"] = environment

    params["limit"] = limit

    params["name"] = name

    params["offset"] = offset

    params["search"] = search

    params["state"] = state


    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}


    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/apps/",
        "params": params,
    }


    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> PaginatedAppList | None:
    if response.status_code == 200:
        response_200 = PaginatedAppList.from_dict(response.json())



        return response_200

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[PaginatedAppList]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    environment: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    name: str | Unset = UNSET,
    offset: int | Unset = UNSET,
    search: str | Unset = UNSET,
    state: str | Unset = UNSET,

) -> Response[PaginatedAppList]:
    """  Apps of the workspace, newest first.

    Args:
        environment (str | Unset):
        limit (int | Unset):
        name (str | Unset):
        offset (int | Unset):
        search (str | Unset):
        state (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PaginatedAppList]
     """


    kwargs = _get_kwargs(
        environment=environment,
limit=limit,
name=name,
offset=offset,
search=search,
state=state,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    *,
    client: AuthenticatedClient,
    environment: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    name: str | Unset = UNSET,
    offset: int | Unset = UNSET,
    search: str | Unset = UNSET,
    state: str | Unset = UNSET,

) -> PaginatedAppList | None:
    """  Apps of the workspace, newest first.

    Args:
        environment (str | Unset):
        limit (int | Unset):
        name (str | Unset):
        offset (int | Unset):
        search (str | Unset):
        state (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PaginatedAppList
     """


    return sync_detailed(
        client=client,
environment=environment,
limit=limit,
name=name,
offset=offset,
search=search,
state=state,

    ).parsed

async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    environment: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    name: str | Unset = UNSET,
    offset: int | Unset = UNSET,
    search: str | Unset = UNSET,
    state: str | Unset = UNSET,

) -> Response[PaginatedAppList]:
    """  Apps of the workspace, newest first.

    Args:
        environment (str | Unset):
        limit (int | Unset):
        name (str | Unset):
        offset (int | Unset):
        search (str | Unset):
        state (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PaginatedAppList]
     """


    kwargs = _get_kwargs(
        environment=environment,
limit=limit,
name=name,
offset=offset,
search=search,
state=state,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    *,
    client: AuthenticatedClient,
    environment: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    name: str | Unset = UNSET,
    offset: int | Unset = UNSET,
    search: str | Unset = UNSET,
    state: str | Unset = UNSET,

) -> PaginatedAppList | None:
    """  Apps of the workspace, newest first.

    Args:
        environment (str | Unset):
        limit (int | Unset):
        name (str | Unset):
        offset (int | Unset):
        search (str | Unset):
        state (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PaginatedAppList
     """


    return (await asyncio_detailed(
        client=client,
environment=environment,
limit=limit,
name=name,
offset=offset,
search=search,
state=state,

    )).parsed
