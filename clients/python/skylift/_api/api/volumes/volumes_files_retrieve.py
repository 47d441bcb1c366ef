from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.volume_listing import VolumeListing
from ...types import UNSET, Unset
from typing import cast



def _get_kwargs(
    id: str,
    *,
    path: str | Unset = UNSET,
    recursive: bool | Unset = UNSET,

) -> dict[str, Any]:
    

    

    params: dict[str, Any] = {}

    params["path"] = path

    params["recursive"] = recursive


    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}


    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/volumes/{id}/files/".format(id=quote(str(id), safe=""),),
        "params": params,
    }


    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> VolumeListing | None:
    if response.status_code == 200:
        response_200 = VolumeListing.from_dict(response.json())



        return response_200

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[VolumeListing]:
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
    path: str | Unset = UNSET,
    recursive: bool | Unset = UNSET,

) -> Response[VolumeListing]:
    """  What is in a folder of the volume (or the one file a path names). Links are listed, never followed.

    Args:
        id (str):
        path (str | Unset):
        recursive (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[VolumeListing]
     """


    kwargs = _get_kwargs(
        id=id,
path=path,
recursive=recursive,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    id: str,
    *,
    client: AuthenticatedClient,
    path: str | Unset = UNSET,
    recursive: bool | Unset = UNSET,

) -> VolumeListing | None:
    """  What is in a folder of the volume (or the one file a path names). Links are listed, never followed.

    Args:
        id (str):
        path (str | Unset):
        recursive (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        VolumeListing
     """


    return sync_detailed(
        id=id,
client=client,
path=path,
recursive=recursive,

    ).parsed

async def asyncio_detailed(
    id: str,
    *,
    client: AuthenticatedClient,
    path: str | Unset = UNSET,
    recursive: bool | Unset = UNSET,

) -> Response[VolumeListing]:
    """  What is in a folder of the volume (or the one file a path names). Links are listed, never followed.

    Args:
        id (str):
        path (str | Unset):
        recursive (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[VolumeListing]
     """


    kwargs = _get_kwargs(
        id=id,
path=path,
recursive=recursive,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    id: str,
    *,
    client: AuthenticatedClient,
    path: str | Unset = UNSET,
    recursive: bool | Unset = UNSET,

) -> VolumeListing | None:
    """  What is in a folder of the volume (or the one file a path names). Links are listed, never followed.

    Args:
        id (str):
        path (str | Unset):
        recursive (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        VolumeListing
     """


    return (await asyncio_detailed(
        id=id,
client=client,
path=path,
recursive=recursive,

    )).parsed
