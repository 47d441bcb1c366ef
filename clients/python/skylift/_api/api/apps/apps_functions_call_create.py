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
        "url": "/api/v1/apps/{app}/functions/{name}/call/".format(app=quote(str(app), safe=""),name=quote(str(name), safe=""),),
    }

    
    if not isinstance(body, Unset):
        _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Any | JsonResult | None:
    if response.status_code == 200:
        response_200 = JsonResult.from_dict(response.json())



        return response_200

    if response.status_code == 202:
        response_202 = JsonResult.from_dict(response.json())



        return response_202

    if response.status_code == 406:
        response_406 = cast(Any, None)
        return response_406

    if response.status_code == 422:
        response_422 = cast(Any, None)
        return response_422

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Any | JsonResult]:
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

) -> Response[Any | JsonResult]:
    """  Call a function with JSON arguments and answer its result as JSON.

    202 with the call's id when it is not done within `wait` seconds (read it later from
    GET /calls/{id}/result/); 406 when the result is not JSON-serialisable (naming its type);
    422 when the function failed.

    Args:
        app (str):
        name (str):
        body (JsonCallRequest | Unset): A call from any language: JSON arguments
            (functions.json_calls).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | JsonResult]
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

) -> Any | JsonResult | None:
    """  Call a function with JSON arguments and answer its result as JSON.

    202 with the call's id when it is not done within `wait` seconds (read it later from
    GET /calls/{id}/result/); 406 when the result is not JSON-serialisable (naming its type);
    422 when the function failed.

    Args:
        app (str):
        name (str):
        body (JsonCallRequest | Unset): A call from any language: JSON arguments
            (functions.json_calls).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | JsonResult
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

) -> Response[Any | JsonResult]:
    """  Call a function with JSON arguments and answer its result as JSON.

    202 with the call's id when it is not done within `wait` seconds (read it later from
    GET /calls/{id}/result/); 406 when the result is not JSON-serialisable (naming its type);
    422 when the function failed.

    Args:
        app (str):
        name (str):
        body (JsonCallRequest | Unset): A call from any language: JSON arguments
            (functions.json_calls).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | JsonResult]
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

) -> Any | JsonResult | None:
    """  Call a function with JSON arguments and answer its result as JSON.

    202 with the call's id when it is not done within `wait` seconds (read it later from
    GET /calls/{id}/result/); 406 when the result is not JSON-serialisable (naming its type);
    422 when the function failed.

    Args:
        app (str):
        name (str):
        body (JsonCallRequest | Unset): A call from any language: JSON arguments
            (functions.json_calls).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | JsonResult
     """


    return (await asyncio_detailed(
        app=app,
name=name,
client=client,
body=body,

    )).parsed
