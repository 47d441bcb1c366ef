from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.service_token_created import ServiceTokenCreated
from ...models.service_token_request import ServiceTokenRequest
from ...types import UNSET, Unset
from typing import cast



def _get_kwargs(
    *,
    body: ServiceTokenRequest | Unset = UNSET,

) -> dict[str, Any]:
    headers: dict[str, Any] = {}


    

    

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/service-tokens/",
    }

    
    if not isinstance(body, Unset):
        _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> ServiceTokenCreated | None:
    if response.status_code == 201:
        response_201 = ServiceTokenCreated.from_dict(response.json())



        return response_201

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[ServiceTokenCreated]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: ServiceTokenRequest | Unset = UNSET,

) -> Response[ServiceTokenCreated]:
    """  The workspace's service tokens: they act with a role of their own and outlive whoever made
    them (accounts.service_tokens). POST makes one (its secret shown once); DELETE revokes.

    Args:
        body (ServiceTokenRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ServiceTokenCreated]
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
    body: ServiceTokenRequest | Unset = UNSET,

) -> ServiceTokenCreated | None:
    """  The workspace's service tokens: they act with a role of their own and outlive whoever made
    them (accounts.service_tokens). POST makes one (its secret shown once); DELETE revokes.

    Args:
        body (ServiceTokenRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ServiceTokenCreated
     """


    return sync_detailed(
        client=client,
body=body,

    ).parsed

async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: ServiceTokenRequest | Unset = UNSET,

) -> Response[ServiceTokenCreated]:
    """  The workspace's service tokens: they act with a role of their own and outlive whoever made
    them (accounts.service_tokens). POST makes one (its secret shown once); DELETE revokes.

    Args:
        body (ServiceTokenRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ServiceTokenCreated]
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
    body: ServiceTokenRequest | Unset = UNSET,

) -> ServiceTokenCreated | None:
    """  The workspace's service tokens: they act with a role of their own and outlive whoever made
    them (accounts.service_tokens). POST makes one (its secret shown once); DELETE revokes.

    Args:
        body (ServiceTokenRequest | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ServiceTokenCreated
     """


    return (await asyncio_detailed(
        client=client,
body=body,

    )).parsed
