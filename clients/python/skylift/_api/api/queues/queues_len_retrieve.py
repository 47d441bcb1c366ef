from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.len_ import Len
from ...types import UNSET, Unset
from typing import cast



def _get_kwargs(
    id: str,
    *,
    partition: str | Unset = UNSET,
    total: bool | Unset = UNSET,

) -> dict[str, Any]:
    

    

    params: dict[str, Any] = {}

    params["partition"] = partition

    params["total"] = total


    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}


    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/queues/{id}/len/".format(id=quote(str(id), safe=""),),
        "params": params,
    }


    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Len | None:
    if response.status_code == 200:
        response_200 = Len.from_dict(response.json())



        return response_200

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Len]:
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
    partition: str | Unset = UNSET,
    total: bool | Unset = UNSET,

) -> Response[Len]:
    """  How many items a partition holds (or all of them, with total).

    Args:
        id (str):
        partition (str | Unset):
        total (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Len]
     """


    kwargs = _get_kwargs(
        id=id,
partition=partition,
total=total,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    id: str,
    *,
    client: AuthenticatedClient,
    partition: str | Unset = UNSET,
    total: bool | Unset = UNSET,

) -> Len | None:
    """  How many items a partition holds (or all of them, with total).

    Args:
        id (str):
        partition (str | Unset):
        total (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Len
     """


    return sync_detailed(
        id=id,
client=client,
partition=partition,
total=total,

    ).parsed

async def asyncio_detailed(
    id: str,
    *,
    client: AuthenticatedClient,
    partition: str | Unset = UNSET,
    total: bool | Unset = UNSET,

) -> Response[Len]:
    """  How many items a partition holds (or all of them, with total).

    Args:
        id (str):
        partition (str | Unset):
        total (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Len]
     """


    kwargs = _get_kwargs(
        id=id,
partition=partition,
total=total,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    id: str,
    *,
    client: AuthenticatedClient,
    partition: str | Unset = UNSET,
    total: bool | Unset = UNSET,

) -> Len | None:
    """  How many items a partition holds (or all of them, with total).

    Args:
        id (str):
        partition (str | Unset):
        total (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Len
     """


    return (await asyncio_detailed(
        id=id,
client=client,
partition=partition,
total=total,

    )).parsed
