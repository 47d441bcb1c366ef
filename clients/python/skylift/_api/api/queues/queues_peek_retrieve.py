from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.peek import Peek
from ...types import UNSET, Unset
from typing import cast



def _get_kwargs(
    id: str,
    *,
    after: int | Unset = UNSET,
    n: int | Unset = UNSET,
    partition: str | Unset = UNSET,

) -> dict[str, Any]:
    

    

    params: dict[str, Any] = {}

    params["after"] = after

    params["n"] = n

    params["partition"] = partition


    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}


    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/queues/{id}/peek/".format(id=quote(str(id), safe=""),),
        "params": params,
    }


    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Peek | None:
    if response.status_code == 200:
        response_200 = Peek.from_dict(response.json())



        return response_200

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Peek]:
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
    after: int | Unset = UNSET,
    n: int | Unset = UNSET,
    partition: str | Unset = UNSET,

) -> Response[Peek]:
    """  The oldest items of a partition, left where they are.

    Args:
        id (str):
        after (int | Unset):
        n (int | Unset):
        partition (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Peek]
     """


    kwargs = _get_kwargs(
        id=id,
after=after,
n=n,
partition=partition,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    id: str,
    *,
    client: AuthenticatedClient,
    after: int | Unset = UNSET,
    n: int | Unset = UNSET,
    partition: str | Unset = UNSET,

) -> Peek | None:
    """  The oldest items of a partition, left where they are.

    Args:
        id (str):
        after (int | Unset):
        n (int | Unset):
        partition (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Peek
     """


    return sync_detailed(
        id=id,
client=client,
after=after,
n=n,
partition=partition,

    ).parsed

async def asyncio_detailed(
    id: str,
    *,
    client: AuthenticatedClient,
    after: int | Unset = UNSET,
    n: int | Unset = UNSET,
    partition: str | Unset = UNSET,

) -> Response[Peek]:
    """  The oldest items of a partition, left where they are.

    Args:
        id (str):
        after (int | Unset):
        n (int | Unset):
        partition (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Peek]
     """


    kwargs = _get_kwargs(
        id=id,
after=after,
n=n,
partition=partition,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    id: str,
    *,
    client: AuthenticatedClient,
    after: int | Unset = UNSET,
    n: int | Unset = UNSET,
    partition: str | Unset = UNSET,

) -> Peek | None:
    """  The oldest items of a partition, left where they are.

    Args:
        id (str):
        after (int | Unset):
        n (int | Unset):
        partition (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Peek
     """


    return (await asyncio_detailed(
        id=id,
client=client,
after=after,
n=n,
partition=partition,

    )).parsed
