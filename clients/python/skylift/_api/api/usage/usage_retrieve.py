from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.usage_report import UsageReport
from ...models.usage_retrieve_by import UsageRetrieveBy
from ...models.usage_retrieve_granularity import UsageRetrieveGranularity
from ...types import UNSET, Unset
from typing import cast



def _get_kwargs(
    *,
    by: UsageRetrieveBy | Unset = UNSET,
    end: str | Unset = UNSET,
    granularity: UsageRetrieveGranularity | Unset = UNSET,
    start: str | Unset = UNSET,

) -> dict[str, Any]:
    

    

    params: dict[str, Any] = {}

    json_by: str | Unset = UNSET
    if not isinstance(by, Unset):
        json_by = by.value

    params["by"] = json_by

    params["end"] = end

    json_granularity: str | Unset = UNSET
    if not isinstance(granularity, Unset):
        json_granularity = granularity.value

    params["granularity"] = json_granularity

    params["start"] = start


    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}


    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/usage/",
        "params": params,
    }


    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> UsageReport | None:
    if response.status_code == 200:
        response_200 = UsageReport.from_dict(response.json())



        return response_200

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[UsageReport]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    by: UsageRetrieveBy | Unset = UNSET,
    end: str | Unset = UNSET,
    granularity: UsageRetrieveGranularity | Unset = UNSET,
    start: str | Unset = UNSET,

) -> Response[UsageReport]:
    """  Usage and cost per period, by app, function, environment or resource; empty where none.

    Args:
        by (UsageRetrieveBy | Unset):
        end (str | Unset):
        granularity (UsageRetrieveGranularity | Unset):
        start (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[UsageReport]
     """


    kwargs = _get_kwargs(
        by=by,
end=end,
granularity=granularity,
start=start,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    *,
    client: AuthenticatedClient,
    by: UsageRetrieveBy | Unset = UNSET,
    end: str | Unset = UNSET,
    granularity: UsageRetrieveGranularity | Unset = UNSET,
    start: str | Unset = UNSET,

) -> UsageReport | None:
    """  Usage and cost per period, by app, function, environment or resource; empty where none.

    Args:
        by (UsageRetrieveBy | Unset):
        end (str | Unset):
        granularity (UsageRetrieveGranularity | Unset):
        start (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        UsageReport
     """


    return sync_detailed(
        client=client,
by=by,
end=end,
granularity=granularity,
start=start,

    ).parsed

async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    by: UsageRetrieveBy | Unset = UNSET,
    end: str | Unset = UNSET,
    granularity: UsageRetrieveGranularity | Unset = UNSET,
    start: str | Unset = UNSET,

) -> Response[UsageReport]:
    """  Usage and cost per period, by app, function, environment or resource; empty where none.

    Args:
        by (UsageRetrieveBy | Unset):
        end (str | Unset):
        granularity (UsageRetrieveGranularity | Unset):
        start (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[UsageReport]
     """


    kwargs = _get_kwargs(
        by=by,
end=end,
granularity=granularity,
start=start,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    *,
    client: AuthenticatedClient,
    by: UsageRetrieveBy | Unset = UNSET,
    end: str | Unset = UNSET,
    granularity: UsageRetrieveGranularity | Unset = UNSET,
    start: str | Unset = UNSET,

) -> UsageReport | None:
    """  Usage and cost per period, by app, function, environment or resource; empty where none.

    Args:
        by (UsageRetrieveBy | Unset):
        end (str | Unset):
        granularity (UsageRetrieveGranularity | Unset):
        start (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        UsageReport
     """


    return (await asyncio_detailed(
        client=client,
by=by,
end=end,
granularity=granularity,
start=start,

    )).parsed
