from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.deploy_request import DeployRequest
from ...models.deployed import Deployed
from typing import cast



def _get_kwargs(
    *,
    body: DeployRequest,

) -> dict[str, Any]:
    headers: dict[str, Any] = {}


    

    

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/apps/deploy/",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Deployed | None:
    if response.status_code == 200:
        response_200 = Deployed.from_dict(response.json())



        return response_200

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Deployed]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: DeployRequest,

) -> Response[Deployed]:
    """  Deploy an app: a new version of the app of that name, or nothing when it runs this already.

    With `ephemeral`, a new ephemeral app runs the version (`skylift serve`); with `app_id`,
    that running app is redeployed.

    Args:
        body (DeployRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Deployed]
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
    body: DeployRequest,

) -> Deployed | None:
    """  Deploy an app: a new version of the app of that name, or nothing when it runs this already.

    With `ephemeral`, a new ephemeral app runs the version (`skylift serve`); with `app_id`,
    that running app is redeployed.

    Args:
        body (DeployRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Deployed
     """


    return sync_detailed(
        client=client,
body=body,

    ).parsed

async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: DeployRequest,

) -> Response[Deployed]:
    """  Deploy an app: a new version of the app of that name, or nothing when it runs this already.

    With `ephemeral`, a new ephemeral app runs the version (`skylift serve`); with `app_id`,
    that running app is redeployed.

    Args:
        body (DeployRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Deployed]
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
    body: DeployRequest,

) -> Deployed | None:
    """  Deploy an app: a new version of the app of that name, or nothing when it runs this already.

    With `ephemeral`, a new ephemeral app runs the version (`skylift serve`); with `app_id`,
    that running app is redeployed.

    Args:
        body (DeployRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Deployed
     """


    return (await asyncio_detailed(
        client=client,
body=body,

    )).parsed
