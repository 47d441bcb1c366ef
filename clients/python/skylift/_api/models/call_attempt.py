from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast
import datetime






T = TypeVar("T", bound="CallAttempt")



@_attrs_define
class CallAttempt:
    """ 
        Attributes:
            attempt (int): Its number: 1 for the first claim by a container
            outcome (str): How it ended: failed, timed_out, crashed or preempted (another attempt followed); for the last
                one, the input's status (running, succeeded, failed, …) or crashed
            cause (str):
            message (str):
            traceback (str): The remote traceback of an exception, else empty
            task_id (str): The container it ran in
            started_at (datetime.datetime | None):
            ended_at (datetime.datetime | None):
     """

    attempt: int
    outcome: str
    cause: str
    message: str
    traceback: str
    task_id: str
    started_at: datetime.datetime | None
    ended_at: datetime.datetime | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        attempt = self.attempt

        outcome = self.outcome

        cause = self.cause

        message = self.message

        traceback = self.traceback

        task_id = self.task_id

        started_at: None | str
        if isinstance(self.started_at, datetime.datetime):
            started_at = self.started_at.isoformat()
        else:
            started_at = self.started_at

        ended_at: None | str
        if isinstance(self.ended_at, datetime.datetime):
            ended_at = self.ended_at.isoformat()
        else:
            ended_at = self.ended_at


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "attempt": attempt,
            "outcome": outcome,
            "cause": cause,
            "message": message,
            "traceback": traceback,
            "task_id": task_id,
            "started_at": started_at,
            "ended_at": ended_at,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        attempt = d.pop("attempt")

        outcome = d.pop("outcome")

        cause = d.pop("cause")

        message = d.pop("message")

        traceback = d.pop("traceback")

        task_id = d.pop("task_id")

        def _parse_started_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                started_at_type_0 = datetime.datetime.fromisoformat(data)



                return started_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        started_at = _parse_started_at(d.pop("started_at"))


        def _parse_ended_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                ended_at_type_0 = datetime.datetime.fromisoformat(data)



                return ended_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        ended_at = _parse_ended_at(d.pop("ended_at"))


        call_attempt = cls(
            attempt=attempt,
            outcome=outcome,
            cause=cause,
            message=message,
            traceback=traceback,
            task_id=task_id,
            started_at=started_at,
            ended_at=ended_at,
        )


        call_attempt.additional_properties = d
        return call_attempt

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
