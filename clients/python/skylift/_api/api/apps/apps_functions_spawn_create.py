from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.json_call_request import JsonCallRequest
from ...models.json_result import JsonResult
from ...types import UNSET, Unset
from typing import cast



def _get_kwargs(
    app: str,
    name: str,
    *,
    body: JsonCallRequest | Unset = UNSET,

) -> dict[str, Any]:
    headers: dict[str, Any] = {}


    

    

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/v1/apps/{app}/functions/{name}/spawn/".format(app=quote(str(app), safe=""),name=quote(str(name), safe=""),),
    }

    
    if not isinstance(body, Unset):
        _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> JsonResult | None:
    if response.status_code == 202:
        response_202 = JsonResult.from_dict(response.json())



        return response_202

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[JsonResult]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    app: str,
    name: str,
    *,
    client: AuthenticatedClient,
    body: JsonCallRequest | Unset = UNSET,

) -> Response[JsonResult]:
    """  Start a function with JSON arguments; read its result from GET /calls/{id}/result/.

    Args:
        app (str):
        name (str):
        body (JsonCallRequest | Unset): A call from any language: JSON arguments
            (functions.json_calls).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[JsonResult]
     """


    kwargs = _get_kwargs(
        app=app,
name=name,
body=body,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    app: str,
    name: str,
    *,
    client: AuthenticatedClient,
    body: JsonCallRequest | Unset = UNSET,

) -> JsonResult | None:
    """  Start a function with JSON arguments; read its result from GET /calls/{id}/result/.

    Args:
        app (str):
        name (str):
        body (JsonCallRequest | Unset): A call from any language: JSON arguments
            (functions.json_calls).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        JsonResult
     """


    return sync_detailed(
        app=app,
name=name,
client=client,
body=body,

    ).parsed

async def asyncio_detailed(
    app: str,
    name: str,
    *,
    client: AuthenticatedClient,
    body: JsonCallRequest | Unset = UNSET,

) -> Response[JsonResult]:
    """  Start a function with JSON arguments; read its result from GET /calls/{id}/result/.

    Args:
        app (str):
        name (str):
        body (JsonCallRequest | Unset): A call from any language: JSON arguments
            (functions.json_calls).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[JsonResult]
     """


    kwargs = _get_kwargs(
        app=app,
name=name,
body=body,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    app: str,
    name: str,
    *,
    client: AuthenticatedClient,
    body: JsonCallRequest | Unset = UNSET,

) -> JsonResult | None:
    """  Start a function with JSON arguments; read its result from GET /calls/{id}/result/.

    Args:
        app (str):
        name (str):
        body (JsonCallRequest | Unset): A call from any language: JSON arguments
            (functions.json_calls).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        JsonResult
     """


    return (await asyncio_detailed(
        app=app,
name=name,
client=client,
body=body,

    )).parsed
