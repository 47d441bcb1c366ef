from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.logs_download_retrieve_stream import LogsDownloadRetrieveStream
from ...types import UNSET, Unset
from typing import cast
import datetime



def _get_kwargs(
    *,
    app: str | Unset = UNSET,
    call: str | Unset = UNSET,
    container: str | Unset = UNSET,
    function: str | Unset = UNSET,
    q: str | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    stream: LogsDownloadRetrieveStream | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,

) -> dict[str, Any]:
    

    

    params: dict[str, Any] = {}

    params["app"] = app

    params["call"] = call

    params["container"] = container

    params["function"] = function

    params["q"] = q

    json_since: str | Unset = UNSET
    if not isinstance(since, Unset):
        json_since = since.isoformat()
    params["since"] = json_since

    json_stream: str | Unset = UNSET
    if not isinstance(stream, Unset):
        json_stream = stream.value

    params["stream"] = json_stream

    json_until: str | Unset = UNSET
    if not isinstance(until, Unset):
        json_until = until.isoformat()
    params["until"] = json_until


    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}


    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/logs/download/",
        "params": params,
    }


    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> str | None:
    if response.status_code == 200:
        response_200 = response.text
        return response_200

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[str]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    app: str | Unset = UNSET,
    call: str | Unset = UNSET,
    container: str | Unset = UNSET,
    function: str | Unset = UNSET,
    q: str | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    stream: LogsDownloadRetrieveStream | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,

) -> Response[str]:
    """  Every matching line, oldest first, as a text file: `time stream [app.function container] text`.

    Args:
        app (str | Unset):
        call (str | Unset):
        container (str | Unset):
        function (str | Unset):
        q (str | Unset):
        since (datetime.datetime | Unset):
        stream (LogsDownloadRetrieveStream | Unset):
        until (datetime.datetime | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[str]
     """


    kwargs = _get_kwargs(
        app=app,
call=call,
container=container,
function=function,
q=q,
since=since,
stream=stream,
until=until,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    *,
    client: AuthenticatedClient,
    app: str | Unset = UNSET,
    call: str | Unset = UNSET,
    container: str | Unset = UNSET,
    function: str | Unset = UNSET,
    q: str | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    stream: LogsDownloadRetrieveStream | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,

) -> str | None:
    """  Every matching line, oldest first, as a text file: `time stream [app.function container] text`.

    Args:
        app (str | Unset):
        call (str | Unset):
        container (str | Unset):
        function (str | Unset):
        q (str | Unset):
        since (datetime.datetime | Unset):
        stream (LogsDownloadRetrieveStream | Unset):
        until (datetime.datetime | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        str
     """


    return sync_detailed(
        client=client,
app=app,
call=call,
container=container,
function=function,
q=q,
since=since,
stream=stream,
until=until,

    ).parsed

async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    app: str | Unset = UNSET,
    call: str | Unset = UNSET,
    container: str | Unset = UNSET,
    function: str | Unset = UNSET,
    q: str | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    stream: LogsDownloadRetrieveStream | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,

) -> Response[str]:
    """  Every matching line, oldest first, as a text file: `time stream [app.function container] text`.

    Args:
        app (str | Unset):
        call (str | Unset):
        container (str | Unset):
        function (str | Unset):
        q (str | Unset):
        since (datetime.datetime | Unset):
        stream (LogsDownloadRetrieveStream | Unset):
        until (datetime.datetime | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[str]
     """


    kwargs = _get_kwargs(
        app=app,
call=call,
container=container,
function=function,
q=q,
since=since,
stream=stream,
until=until,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    *,
    client: AuthenticatedClient,
    app: str | Unset = UNSET,
    call: str | Unset = UNSET,
    container: str | Unset = UNSET,
    function: str | Unset = UNSET,
    q: str | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    stream: LogsDownloadRetrieveStream | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,

) -> str | None:
    """  Every matching line, oldest first, as a text file: `time stream [app.function container] text`.

    Args:
        app (str | Unset):
        call (str | Unset):
        container (str | Unset):
        function (str | Unset):
        q (str | Unset):
        since (datetime.datetime | Unset):
        stream (LogsDownloadRetrieveStream | Unset):
        until (datetime.datetime | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        str
     """


    return (await asyncio_detailed(
        client=client,
app=app,
call=call,
container=container,
function=function,
q=q,
since=since,
stream=stream,
until=until,

    )).parsed
