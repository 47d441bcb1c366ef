from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.function import Function
from ...types import UNSET, Unset
from typing import cast



def _get_kwargs(
    *,
    app: str,
    environment: str | Unset = UNSET,
    name: str,

) -> dict[str, Any]:
    

    

    params: dict[str, Any] = {}

    params["app"] = app

    params["environment"] = environment

    params["name"] = name


    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}


    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/functions/lookup/",
        "params": params,
    }


    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Function | None:
    if response.status_code == 200:
        response_200 = Function.from_dict(response.json())



        return response_200

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Function]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    app: str,
    environment: str | Unset = UNSET,
    name: str,

) -> Response[Function]:
    """  The live version's function or class of a deployed app, by name (Function.from_name).

    Args:
        app (str):
        environment (str | Unset):
        name (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Function]
     """


    kwargs = _get_kwargs(
        app=app,
environment=environment,
name=name,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    *,
    client: AuthenticatedClient,
    app: str,
    environment: str | Unset = UNSET,
    name: str,

) -> Function | None:
    """  The live version's function or class of a deployed app, by name (Function.from_name).

    Args:
        app (str):
        environment (str | Unset):
        name (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Function
     """


    return sync_detailed(
        client=client,
app=app,
environment=environment,
name=name,

    ).parsed

async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    app: str,
    environment: str | Unset = UNSET,
    name: str,

) -> Response[Function]:
    """  The live version's function or class of a deployed app, by name (Function.from_name).

    Args:
        app (str):
        environment (str | Unset):
        name (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Function]
     """


    kwargs = _get_kwargs(
        app=app,
environment=environment,
name=name,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    *,
    client: AuthenticatedClient,
    app: str,
    environment: str | Unset = UNSET,
    name: str,

) -> Function | None:
    """  The live version's function or class of a deployed app, by name (Function.from_name).

    Args:
        app (str):
        environment (str | Unset):
        name (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Function
     """


    return (await asyncio_detailed(
        client=client,
app=app,
environment=environment,
name=name,

    )).parsed
