from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.function_metrics import FunctionMetrics
from ...models.functions_metrics_retrieve_window import FunctionsMetricsRetrieveWindow
from ...types import UNSET, Unset
from typing import cast



def _get_kwargs(
    id: str,
    *,
    window: FunctionsMetricsRetrieveWindow | Unset = UNSET,

) -> dict[str, Any]:
    

    

    params: dict[str, Any] = {}

    json_window: str | Unset = UNSET
    if not isinstance(window, Unset):
        json_window = window.value

    params["window"] = json_window


    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}


    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/functions/{id}/metrics/".format(id=quote(str(id), safe=""),),
        "params": params,
    }


    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> FunctionMetrics | None:
    if response.status_code == 200:
        response_200 = FunctionMetrics.from_dict(response.json())



        return response_200

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[FunctionMetrics]:
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
    window: FunctionsMetricsRetrieveWindow | Unset = UNSET,

) -> Response[FunctionMetrics]:
    """  The function's metrics over a window, in buckets: every version and variant of its name.

    Args:
        id (str):
        window (FunctionsMetricsRetrieveWindow | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[FunctionMetrics]
     """


    kwargs = _get_kwargs(
        id=id,
window=window,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    id: str,
    *,
    client: AuthenticatedClient,
    window: FunctionsMetricsRetrieveWindow | Unset = UNSET,

) -> FunctionMetrics | None:
    """  The function's metrics over a window, in buckets: every version and variant of its name.

    Args:
        id (str):
        window (FunctionsMetricsRetrieveWindow | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        FunctionMetrics
     """


    return sync_detailed(
        id=id,
client=client,
window=window,

    ).parsed

async def asyncio_detailed(
    id: str,
    *,
    client: AuthenticatedClient,
    window: FunctionsMetricsRetrieveWindow | Unset = UNSET,

) -> Response[FunctionMetrics]:
    """  The function's metrics over a window, in buckets: every version and variant of its name.

    Args:
        id (str):
        window (FunctionsMetricsRetrieveWindow | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[FunctionMetrics]
     """


    kwargs = _get_kwargs(
        id=id,
window=window,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    id: str,
    *,
    client: AuthenticatedClient,
    window: FunctionsMetricsRetrieveWindow | Unset = UNSET,

) -> FunctionMetrics | None:
    """  The function's metrics over a window, in buckets: every version and variant of its name.

    Args:
        id (str):
        window (FunctionsMetricsRetrieveWindow | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        FunctionMetrics
     """


    return (await asyncio_detailed(
        id=id,
client=client,
window=window,

    )).parsed
