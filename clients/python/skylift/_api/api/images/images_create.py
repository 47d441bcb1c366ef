from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.image_ensured import ImageEnsured
from ...models.image_spec_request import ImageSpecRequest
from ...types import UNSET, Unset
from typing import cast



def _get_kwargs(
    *,
    body: ImageSpecRequest | Unset = UNSET,

) -> dict[str, Any]:
    headers: dict[str, Any] = {}


    

    

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/images/",
    }

    
    if not isinstance(body, Unset):
        _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> ImageEnsured | None:
    if response.status_code == 200:
        response_200 = ImageEnsured.from_dict(response.json())



        return response_200

    if response.status_code == 202:
        response_202 = ImageEnsured.from_dict(response.json())



        return response_202

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[ImageEnsured]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: ImageSpecRequest | Unset = UNSET,

) -> Response[ImageEnsured]:
    """  Resolve a spec: 200 when every layer is built, 202 with the build that makes the rest.

    Args:
        body (ImageSpecRequest | Unset): An image as the SDK describes it: a base, build steps,
            and files attached at start.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ImageEnsured]
     """


    kwargs = _get_kwargs(
        body=body,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    *,
    client: AuthenticatedClient,
    body: ImageSpecRequest | Unset = UNSET,

) -> ImageEnsured | None:
    """  Resolve a spec: 200 when every layer is built, 202 with the build that makes the rest.

    Args:
        body (ImageSpecRequest | Unset): An image as the SDK describes it: a base, build steps,
            and files attached at start.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ImageEnsured
     """


    return sync_detailed(
        client=client,
body=body,

    ).parsed

async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: ImageSpecRequest | Unset = UNSET,

) -> Response[ImageEnsured]:
    """  Resolve a spec: 200 when every layer is built, 202 with the build that makes the rest.

    Args:
        body (ImageSpecRequest | Unset): An image as the SDK describes it: a base, build steps,
            and files attached at start.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ImageEnsured]
     """


    kwargs = _get_kwargs(
        body=body,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    *,
    client: AuthenticatedClient,
    body: ImageSpecRequest | Unset = UNSET,

) -> ImageEnsured | None:
    """  Resolve a spec: 200 when every layer is built, 202 with the build that makes the rest.

    Args:
        body (ImageSpecRequest | Unset): An image as the SDK describes it: a base, build steps,
            and files attached at start.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ImageEnsured
     """


    return (await asyncio_detailed(
        client=client,
body=body,

    )).parsed
