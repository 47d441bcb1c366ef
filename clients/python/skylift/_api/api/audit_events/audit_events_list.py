from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.paginated_audit_event_list import PaginatedAuditEventList
from ...types import UNSET, Unset
from typing import cast
import datetime



def _get_kwargs(
    *,
    action: str | Unset = UNSET,
    actor: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    offset: int | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    target: str | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,

) -> dict[str, Any]:
    

    

    params: dict[str, Any] = {}

    params["action"] = action

    params["actor"] = actor

    params["limit"] = limit

    params["offset"] = offset

    json_since: str | Unset = UNSET
    if not isinstance(since, Unset):
        json_since = since.isoformat()
    params["since"] = json_since

    params["target"] = target

    json_until: str | Unset = UNSET
    if not isinstance(until, Unset):
        json_until = until.isoformat()
    params["until"] = json_until


    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}


    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/api/v1/audit-events/",
        "params": params,
    }


    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> PaginatedAuditEventList | None:
    if response.status_code == 200:
        response_200 = PaginatedAuditEventList.from_dict(response.json())



        return response_200

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[PaginatedAuditEventList]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    action: str | Unset = UNSET,
    actor: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    offset: int | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    target: str | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,

) -> Response[PaginatedAuditEventList]:
    """  The workspace's audit log, newest first; `export` answers it as JSON lines.

    Args:
        action (str | Unset):
        actor (str | Unset):
        limit (int | Unset):
        offset (int | Unset):
        since (datetime.datetime | Unset):
        target (str | Unset):
        until (datetime.datetime | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PaginatedAuditEventList]
     """


    kwargs = _get_kwargs(
        action=action,
actor=actor,
limit=limit,
offset=offset,
since=since,
target=target,
until=until,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    *,
    client: AuthenticatedClient,
    action: str | Unset = UNSET,
    actor: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    offset: int | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    target: str | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,

) -> PaginatedAuditEventList | None:
    """  The workspace's audit log, newest first; `export` answers it as JSON lines.

    Args:
        action (str | Unset):
        actor (str | Unset):
        limit (int | Unset):
        offset (int | Unset):
        since (datetime.datetime | Unset):
        target (str | Unset):
        until (datetime.datetime | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PaginatedAuditEventList
     """


    return sync_detailed(
        client=client,
action=action,
actor=actor,
limit=limit,
offset=offset,
since=since,
target=target,
until=until,

    ).parsed

async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    action: str | Unset = UNSET,
    actor: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    offset: int | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    target: str | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,

) -> Response[PaginatedAuditEventList]:
    """  The workspace's audit log, newest first; `export` answers it as JSON lines.

    Args:
        action (str | Unset):
        actor (str | Unset):
        limit (int | Unset):
        offset (int | Unset):
        since (datetime.datetime | Unset):
        target (str | Unset):
        until (datetime.datetime | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PaginatedAuditEventList]
     """


    kwargs = _get_kwargs(
        action=action,
actor=actor,
limit=limit,
offset=offset,
since=since,
target=target,
until=until,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    *,
    client: AuthenticatedClient,
    action: str | Unset = UNSET,
    actor: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    offset: int | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    target: str | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,

) -> PaginatedAuditEventList | None:
    """  The workspace's audit log, newest first; `export` answers it as JSON lines.

    Args:
        action (str | Unset):
        actor (str | Unset):
        limit (int | Unset):
        offset (int | Unset):
        since (datetime.datetime | Unset):
        target (str | Unset):
        until (datetime.datetime | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PaginatedAuditEventList
     """


    return (await asyncio_detailed(
        client=client,
action=action,
actor=actor,
limit=limit,
offset=offset,
since=since,
target=target,
until=until,

    )).parsed
