from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.json_result import JsonResult
from ...types import UNSET, Unset
from typing import cast



def _get_kwargs(
    id: str,
    *,
    timeout: float | Unset = UNSET,

) -> dict[str, Any]:
    

    

    params: dict[str, Any] = {}

    params["timeout"] = timeout


    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}


    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/calls/{id}/result/".format(id=quote(str(id), safe=""),),
        "params": params,
    }


    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Any | JsonResult | None:
    if response.status_code == 200:
        response_200 = JsonResult.from_dict(response.json())



        return response_200

    if response.status_code == 406:
        response_406 = cast(Any, None)
        return response_406

    if response.status_code == 410:
        response_410 = cast(Any, None)
        return response_410

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
    id: str,
    *,
    client: AuthenticatedClient,
    timeout: float | Unset = UNSET,

) -> Response[Any | JsonResult]:
    """  The result of a JSON call as JSON (`status` pending or running while it runs).

    406 when the result is not JSON-serialisable or the call was made with cloudpickled
    arguments (by the Python SDK); 422 when the function failed.

    Args:
        id (str):
        timeout (float | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | JsonResult]
     """


    kwargs = _get_kwargs(
        id=id,
timeout=timeout,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    id: str,
    *,
    client: AuthenticatedClient,
    timeout: float | Unset = UNSET,

) -> Any | JsonResult | None:
    """  The result of a JSON call as JSON (`status` pending or running while it runs).

    406 when the result is not JSON-serialisable or the call was made with cloudpickled
    arguments (by the Python SDK); 422 when the function failed.

    Args:
        id (str):
        timeout (float | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | JsonResult
     """


    return sync_detailed(
        id=id,
client=client,
timeout=timeout,

    ).parsed

async def asyncio_detailed(
    id: str,
    *,
    client: AuthenticatedClient,
    timeout: float | Unset = UNSET,

) -> Response[Any | JsonResult]:
    """  The result of a JSON call as JSON (`status` pending or running while it runs).

    406 when the result is not JSON-serialisable or the call was made with cloudpickled
    arguments (by the Python SDK); 422 when the function failed.

    Args:
        id (str):
        timeout (float | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | JsonResult]
     """


    kwargs = _get_kwargs(
        id=id,
timeout=timeout,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    id: str,
    *,
    client: AuthenticatedClient,
    timeout: float | Unset = UNSET,

) -> Any | JsonResult | None:
    """  The result of a JSON call as JSON (`status` pending or running while it runs).

    406 when the result is not JSON-serialisable or the call was made with cloudpickled
    arguments (by the Python SDK); 422 when the function failed.

    Args:
        id (str):
        timeout (float | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | JsonResult
     """


    return (await asyncio_detailed(
        id=id,
client=client,
timeout=timeout,

    )).parsed
